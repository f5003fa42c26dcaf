// Command attnsearch searches Transformer hyperparameters and architectures under a hard budget.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

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
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "attnsearch:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitRuntime
}

// newRootCmd builds the command tree; every subcommand writes data to stdout and messages to stderr.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "attnsearch",
		Short:         "Hyperparameter and architecture search for attention models under a hard budget",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Without --db, every command takes the store from ATTNSEARCH_DB (so that a URL with a
	// password stays out of command lines); Value.Set leaves the flag marked unset.
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if fl := c.Flags().Lookup("db"); fl != nil && !fl.Changed {
			if env := os.Getenv(envDB); env != "" {
				return fl.Value.Set(env)
			}
		}
		return nil
	}
	// Flag parse errors are usage errors (exit 2).
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return inputErr(err) })
	root.AddCommand(
		// Each command lives in its own file: estimate.go, train.go, run.go, report.go, ...
		newEstimateCmd(stdout, stderr),
		newTrainCmd(stdout, stderr),
		newRunCmd(stdout, stderr), newReportCmd(stdout, stderr), newStudiesCmd(stdout, stderr), newShowCmd(stdout, stderr), newBestCmd(stdout, stderr),
		newMigrateCmd(stdout, stderr),
		newDataCmd(stdout, stderr),
		newLatencyCmd(stdout, stderr),
		newExportCmd(stdout, stderr), newImportCmd(stdout, stderr), newServeCmd(stdout, stderr),
	)
	return root
}
