package spacetest

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed testdata/*.yaml
var files embed.FS

// Space returns the shared space file name (in testdata/) without its leading comment, its verbs
// filled in with args (a verb left for the test is filled with "%d" or "%s").
func Space(name string, args ...any) string {
	b, err := files.ReadFile("testdata/" + name)
	if _, body, ok := strings.Cut(string(b), "\nstudy:"); err == nil && ok {
		return fmt.Sprintf("study:"+body, args...)
	}
	panic(fmt.Sprintf("spacetest: %s: %v", name, err))
}
