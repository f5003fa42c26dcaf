package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/attnsearch/attnsearch/store"
)

// TestSchemes checks opening by URL: the registered Opener gets the location, an unknown scheme
// is ErrNotStore naming the known ones, and a second registration of a scheme panics.
func TestSchemes(t *testing.T) {
	var got string
	open := func(_ context.Context, location string, _ store.OpenOptions) (store.DB, error) {
		got = location
		return nil, errors.New("opened")
	}
	s := store.NewSchemes()
	s.Register("", open)
	s.Register("Mem", open)
	for _, tc := range []struct {
		location string
		want     string // location the Opener gets; "" when no Opener may be called
		err      error
	}{
		{"runs/a.db", "runs/a.db", nil},
		{"MEM://x", "MEM://x", nil},
		{"nope://x", "", store.ErrNotStore},
	} {
		got = ""
		_, err := s.Open(context.Background(), tc.location, store.OpenOptions{})
		if got != tc.want || (tc.err != nil && !errors.Is(err, tc.err)) {
			t.Errorf("Open(%q): opener got %q, err %v", tc.location, got, err)
		}
	}
	if names := s.Names(); len(names) != 2 || names[0] != "" || names[1] != "mem" {
		t.Errorf("Names = %q", names)
	}
	for _, scheme := range []string{"mem", "MEM", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("a second registration of %q was accepted", scheme)
				}
			}()
			s.Register(scheme, open)
		}()
	}
}
