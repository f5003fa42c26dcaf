package space

import (
	"reflect"
	"testing"
)

// TestNamesCoverConfig checks that the table of built-in names reaches every Config field exactly
// once, in field order, that Get reads what configSet stored, and that integer names are the int
// fields.
func TestNamesCoverConfig(t *testing.T) {
	var c Config
	for i, name := range Names {
		configSet(&c, name, float64(i+1))
	}
	fields := reflect.ValueOf(c)
	if fields.NumField() != len(Names) {
		t.Fatalf("%d Config fields for %d names", fields.NumField(), len(Names))
	}
	for i, name := range Names {
		f, ni := fields.Field(i), builtins[i]
		if got := f.Convert(reflect.TypeFor[float64]()).Float(); got != float64(i+1) || c.Get(name) != got {
			t.Errorf("%s: field %s = %v, Get = %v; want %d", name, fields.Type().Field(i).Name, got, c.Get(name), i+1)
		}
		if ni.name != name || ni.integer != (f.Kind() == reflect.Int) {
			t.Errorf("%s: table entry %q, integer %v for a %s field", name, ni.name, ni.integer, f.Type())
		}
	}
	if got := (Config{DModel: 1}).Get("nope"); got == got {
		t.Errorf("Get of an unknown name = %v, want NaN", got)
	}
}
