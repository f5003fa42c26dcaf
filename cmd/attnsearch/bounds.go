package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// intBound is the legal range of an integer flag (the range of its space-file key, when it has
// one) and what a value means at its edges.
type intBound struct {
	name   string // flag name without dashes
	lo, hi int64
	note   string // what lo means, e.g. "0 = one per core"; "" when nothing special
}

// check returns an input error naming the flag when it was given a value outside its range.
func (b intBound) check(c *cobra.Command, cmd string) error {
	fl := c.Flags().Lookup(b.name)
	if fl == nil || !fl.Changed {
		return nil
	}
	var v int64
	if _, err := fmt.Sscan(fl.Value.String(), &v); err != nil {
		return inputErr(fmt.Errorf("%s: --%s %q: want an integer", cmd, b.name, fl.Value.String()))
	}
	if v < b.lo || v > b.hi {
		note := ""
		if b.note != "" {
			note = " (" + b.note + ")"
		}
		return inputErr(fmt.Errorf("%s: --%s %d: want %d to %d%s", cmd, b.name, v, b.lo, b.hi, note))
	}
	return nil
}

// checkBounds checks every bound of a command.
func checkBounds(c *cobra.Command, cmd string, bounds ...intBound) error {
	for _, b := range bounds {
		if err := b.check(c, cmd); err != nil {
			return err
		}
	}
	return nil
}
