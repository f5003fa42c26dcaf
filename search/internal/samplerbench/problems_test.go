package main

import (
	"math"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/tpe"
)

func find(name string) Problem {
	for _, p := range Problems {
		if p.Name == name {
			return p
		}
	}
	panic(name)
}

func TestKnownOptima(t *testing.T) {
	cases := []struct {
		problem string
		x       []float64
		want    []float64
	}{
		{"Branin", []float64{math.Pi, 2.275}, []float64{0.397887}},
		{"Branin", []float64{-math.Pi, 12.275}, []float64{0.397887}},
		{"Hartmann6", []float64{0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}, []float64{-3.32237}},
		{"ZDT1", []float64{0.25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []float64{0.25, 0.5}},
		{"ZDT2", []float64{0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []float64{0.5, 0.75}},
		{"DTLZ2", []float64{0, 0, 0.5, 0.5, 0.5, 0.5}, []float64{1, 0, 0}},
	}
	for _, c := range cases {
		got := find(c.problem).Eval(c.x)
		for i := range c.want {
			if math.Abs(got[i]-c.want[i]) > 1e-5 {
				t.Errorf("%s%v = %v, want %v", c.problem, c.x, got, c.want)
			}
		}
	}
}

func TestRunIsDeterministic(t *testing.T) {
	p := find("ZDT1")
	a, err := Run(p, tpe.Random{}, 30, 4)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(p, tpe.Random{}, 30, 4)
	if Score(p, a, 30) != Score(p, b, 30) || Score(p, a, 30) <= 0 {
		t.Fatalf("scores %v and %v", Score(p, a, 30), Score(p, b, 30))
	}
}
