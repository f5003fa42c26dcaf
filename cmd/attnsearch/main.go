// Command attnsearch searches Transformer hyperparameters and architectures under a hard budget.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/trainer/fastblas"
	"github.com/spf13/cobra"
)

// Exit codes shared by every command.
const (
	exitOK      = 0 // success
	exitRuntime = 1 // the command ran and failed
	exitUsage   = 2 // bad flags, arguments or input files; nothing stored was touched
)

// usageError marks an error caused by the user's input (flags, arguments, space file).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// inputErr wraps err so that the command exits with code 2.
func inputErr(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

func main() {
	fastblas.Install(1) // OpenBLAS at one thread per trainer with -tags openblas; gonum's pure Go otherwise
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI with args and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) (code int) {
	// A panic is a bug: say so in one line instead of a Go trace (the edge-value tests fail on
	// its exit code all the same).
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "attnsearch: internal error: %v (please report it with the command line)\n", p)
			code = exitRuntime
		}
	}()
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "attnsearch:", err)
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command ") {
		return exitUsage
	}
	return exitRuntime
}

// commands are the subcommands, one constructor each (each lives in its own file: run.go,
// report.go, ...): a new command is one file and one line here.
func commands() []func(stdout, stderr io.Writer) *cobra.Command {
	return []func(stdout, stderr io.Writer) *cobra.Command{
		newEstimateCmd,
		newTrainCmd,
		newRunCmd,
		newReportCmd,
		newStudiesCmd,
		newShowCmd,
		newBestCmd,
		newMigrateCmd,
		newDataCmd,
		newLatencyCmd,
		newExportCmd,
		newImportCmd,
		newServeCmd,
	}
}

// version is the module version and the VCS revision the binary was built from (runtime/debug).
func version() string {
	v, rev, dirty, when := "(devel)", "", false, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			case "vcs.time":
				when = s.Value
			}
		}
	}
	if rev == "" {
		return v + " (no VCS revision recorded)"
	}
	if dirty {
		rev += "+modified"
	}
	if when != "" {
		rev += " " + when
	}
	return v + " (revision " + rev + ")"
}

// newRootCmd builds the command tree; every subcommand writes data to stdout and messages to stderr.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "attnsearch",
		Short:         "Hyperparameter and architecture search for attention models under a hard budget",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("attnsearch {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Without --db, every command takes the store from ATTNSEARCH_DB (so that a URL with a
	// password stays out of command lines); Value.Set leaves the flag marked unset.
	var connectTimeout time.Duration
	root.PersistentFlags().DurationVar(&connectTimeout, "connect-timeout", postgres.DefaultConnectTimeout,
		"postgres:// stores: give up opening after this long when the server does not answer")
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if connectTimeout < time.Millisecond || connectTimeout > time.Hour {
			return inputErr(fmt.Errorf("--connect-timeout %v: want a duration from 1ms to 1h", connectTimeout))
		}
		c.SetContext(withStoreConfig(c.Context(), storeConfig{connectTimeout: connectTimeout, log: stderr}))
		if fl := c.Flags().Lookup("db"); fl != nil && !fl.Changed {
			if env := os.Getenv(envDB); env != "" {
				return fl.Value.Set(env)
			}
		}
		return nil
	}
	// Flag parse errors are usage errors (exit 2).
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return inputErr(err) })
	for _, newCmd := range commands() {
		root.AddCommand(newCmd(stdout, stderr))
	}
	registerCompletions(root)
	return root
}
