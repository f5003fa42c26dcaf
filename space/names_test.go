package space

import (
	"reflect"
	"testing"
)

// TestNamesCoverConfig checks that the table of built-in names reaches every Config field exactly
// once, that Get reads what configSet stored, and that integer names are the int fields.
func TestNamesCoverConfig(t *testing.T) {
	typ := reflect.TypeFor[Config]()
	if len(Names) != typ.NumField() {
		t.Fatalf("%d names for %d Config fields", len(Names), typ.NumField())
	}
	for i, name := range Names {
		ni, ok := nameInfoOf(name)
		if !ok || ni.name != name {
			t.Fatalf("nameInfoOf(%s) = %+v, %v", name, ni, ok)
		}
		var c Config
		configSet(&c, name, 3)
		v := reflect.ValueOf(c)
		for j := range v.NumField() {
			if set := !v.Field(j).IsZero(); set != (j == i) {
				t.Errorf("%s: configSet(3) set %s = %v", name, typ.Field(j).Name, set)
			}
		}
		if got := c.Get(name); got != 3 {
			t.Errorf("%s: Get = %v after configSet(3)", name, got)
		}
		if ni.integer != (typ.Field(i).Type.Kind() == reflect.Int) {
			t.Errorf("%s: integer = %v for a %s field", name, ni.integer, typ.Field(i).Type)
		}
	}
	if got := (Config{DModel: 1}).Get("nope"); got == got {
		t.Errorf("Get of an unknown name = %v, want NaN", got)
	}
}
