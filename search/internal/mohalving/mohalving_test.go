package mohalving

import (
	"math"
	"testing"
)

// A synthetic study's records at one rung, objectives (−BLEU, params), both minimised:
//
//	A (0): (−20, 5)   rank 0
//	B (1): (−10, 3)   rank 0
//	C (2): (−15, 6)   rank 1 (A dominates it)
//	E (4): (−12, 7)   rank 2 (A and C dominate it)
//	D (3): ( −5, 8)   rank 3 (A, C and E dominate it)
//	G (6): ( −1, 9)   rank 4
//	C' (5): a copy of C
var (
	A  = Entry{Ordinal: 0, Values: []float64{-20, 5}}
	B  = Entry{Ordinal: 1, Values: []float64{-10, 3}}
	C  = Entry{Ordinal: 2, Values: []float64{-15, 6}}
	D  = Entry{Ordinal: 3, Values: []float64{-5, 8}}
	E  = Entry{Ordinal: 4, Values: []float64{-12, 7}}
	C2 = Entry{Ordinal: 5, Values: []float64{-15, 6}}
	G  = Entry{Ordinal: 6, Values: []float64{-1, 9}}
)

func TestKeepByHand(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name   string
		self   Entry
		others []Entry
		eta    int
		want   bool
	}{
		// n = 3, keep ⌊3/2⌋ = 1: the first of rank 0 (A or B) takes the only place.
		{"dominated, few competitors", C, []Entry{A, B}, 2, false},
		// n = 5, keep 2: A and B (rank 0) come first; C is third.
		{"dominated, behind two fronts", C, []Entry{A, B, D, E}, 2, false},
		// n = 5, keep 2: A (rank 0), then C (rank 1): C is second.
		{"dominated but in the best half", C, []Entry{A, D, E, G}, 2, true},
		// Non-dominated trials always continue, however many competitors.
		{"non-dominated", B, []Entry{A, C, D, E, G}, 4, true},
		{"non-dominated, alone", B, nil, 2, true},
		// A copy ties with C on rank and crowding (both extremes of rank 1): the earlier ordinal
		// wins the last place. n = 5, keep 2: A, C, C'.
		{"tie, earlier ordinal", C, []Entry{A, C2, D, E}, 2, true},
		{"tie, later ordinal", C2, []Entry{A, C, D, E}, 2, false},
		// params unknown for self: only −BLEU counts. A (−20) beats it; n = 3, keep 1.
		{"unknown component dropped, beaten", Entry{Ordinal: 7, Values: []float64{-15, nan}}, []Entry{A, B}, 2, false},
		// Against B and D only, −15 is the best BLEU: rank 0.
		{"unknown component dropped, best", Entry{Ordinal: 7, Values: []float64{-15, nan}}, []Entry{B, D}, 2, true},
		// An infeasible trial ranks after every feasible one even with the best objectives.
		{"infeasible", Entry{Ordinal: 8, Values: []float64{-30, 1}, Violation: 0.5}, []Entry{C, D}, 2, false},
		// η = 3 with n = 6: keep 2 — A first, then C (rank 1) ahead of E, D, G.
		{"eta 3", C, []Entry{A, D, E, G, C2}, 3, true},
		{"eta 3, third place", E, []Entry{A, C, D, G, C2}, 3, false},
	}
	for _, c := range cases {
		if got := Keep(c.self, c.others, c.eta); got != c.want {
			t.Errorf("%s: Keep = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSingleObjectiveIsASHA(t *testing.T) {
	// One objective: the best ⌊n/η⌋ (at least the best one) continue.
	vals := []float64{5, 1, 4, 2, 3, 6, 0, 7}
	for i, v := range vals {
		var others []Entry
		for j, w := range vals {
			if j != i {
				others = append(others, Entry{Ordinal: j, Values: []float64{w}})
			}
		}
		got := Keep(Entry{Ordinal: i, Values: []float64{v}}, others, 4) // keep 2: values 0 and 1
		if want := v <= 1; got != want {
			t.Errorf("value %v: Keep = %v, want %v", v, got, want)
		}
	}
}

func TestRung(t *testing.T) {
	cases := []struct {
		step, minRes, eta, s int
		r                    int
		ok                   bool
	}{
		{1, 1, 2, 0, 0, true}, {2, 1, 2, 0, 1, true}, {4, 1, 2, 0, 2, true}, {3, 1, 2, 0, 0, false},
		{4, 2, 2, 1, 0, true}, {8, 2, 2, 1, 1, true}, {2, 2, 2, 1, 0, false}, {0, 1, 2, 0, 0, false},
		{9, 1, 3, 0, 2, true},
	}
	for _, c := range cases {
		r, ok := Rung(c.step, c.minRes, c.eta, c.s)
		if r != c.r || ok != c.ok {
			t.Errorf("Rung(%d, %d, %d, %d) = %d, %v; want %d, %v", c.step, c.minRes, c.eta, c.s, r, ok, c.r, c.ok)
		}
	}
}
