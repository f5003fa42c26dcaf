package main

import (
	"context"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// registerCompletions adds dynamic shell completion to every command of root: study names for
// --study, trial numbers for show's TRIAL and train's --trial (read from the store that --db or
// ATTNSEARCH_DB names), and the values of --format. Cobra's own `completion` command prints the
// scripts (attnsearch completion bash|zsh|fish|powershell).
func registerCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if fl := c.Flags().Lookup("format"); fl != nil {
			values := formatValues(fl.Usage)
			_ = c.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return values, cobra.ShellCompDirectiveNoFileComp
			})
		}
		if c.Flags().Lookup("study") != nil && c.Flags().Lookup("db") != nil {
			_ = c.RegisterFlagCompletionFunc("study", func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
				return completeStudies(c), cobra.ShellCompDirectiveNoFileComp
			})
		}
		if c.Flags().Lookup("trial") != nil {
			_ = c.RegisterFlagCompletionFunc("trial", func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
				return completeTrials(c), cobra.ShellCompDirectiveNoFileComp
			})
		}
		if c.Name() == "show" {
			c.ValidArgsFunction = func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return completeTrials(c), cobra.ShellCompDirectiveNoFileComp
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// formatValues reads the values of a --format flag from its usage text ("output format: a | b").
func formatValues(usage string) []string {
	_, list, ok := strings.Cut(usage, ": ")
	if !ok {
		return nil
	}
	var out []string
	for _, v := range strings.Split(list, " | ") {
		if f := strings.Fields(v); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// completionDB is the store a completion reads: --db, else ATTNSEARCH_DB, else the default.
func completionDB(c *cobra.Command) string {
	if fl := c.Flags().Lookup("db"); fl != nil && fl.Changed {
		return fl.Value.String()
	}
	if env := os.Getenv(envDB); env != "" {
		return env
	}
	return defaultDB
}

// completeStudies lists the studies of the command's store (none when it cannot be read).
func completeStudies(c *cobra.Command) []string {
	st, err := openRead(context.Background(), completionDB(c))
	if err != nil {
		return nil
	}
	defer st.Close()
	names, err := studyNames(st)
	if err != nil {
		return nil
	}
	return names
}

// completeTrials lists the trial numbers of the command's study, with state and score as the
// description (none when the store or study cannot be read).
func completeTrials(c *cobra.Command) []string {
	study := ""
	if fl := c.Flags().Lookup("study"); fl != nil {
		study = fl.Value.String()
	}
	rep, st, err := loadReport(context.Background(), dbFlags{db: completionDB(c), study: study}, "all", lean(), false, false)
	if err != nil {
		return nil
	}
	defer st.Close()
	out := make([]string, 0, len(rep.Trials))
	for _, t := range rep.Trials {
		desc := t.Config
		if t.HasValue {
			desc = "score " + strconv.FormatFloat(t.Value, 'g', 4, 64) + " " + desc
		}
		out = append(out, strconv.Itoa(t.Number)+"\t"+desc)
	}
	return out
}
