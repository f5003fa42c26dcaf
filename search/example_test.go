package search_test

import (
	"fmt"

	"github.com/attnsearch/attnsearch/search"
)

// ExampleTrialSeed shows that a trial's trainer seed is a pure function of the study seed and
// the point's ordinal: a resumed study derives the same seeds as one that never stopped.
func ExampleTrialSeed() {
	first := search.TrialSeed(42, 3)
	again := search.TrialSeed(42, 3)
	fmt.Println(first == again, first == search.TrialSeed(42, 4), first == search.TrialSeed(43, 3))
	// Output: true false false
}
