//go:build unix

package command_test

import (
	"context"
	"fmt"
	"time"

	"github.com/attnsearch/attnsearch/trainer/command"
)

func ExampleCommand_Run() {
	c := &command.Command{
		// A trial command reads its input line and reports one progress line and its result.
		Argv: []string{"/bin/sh", "-c", `read input
echo "got $input"
echo '{"step": 1, "values": {"loss": 0.5}}'
echo '{"values": {"f1": 0.25, "c1": -1}}'`},
		Required: []string{"f1", "c1"},
		Timeout:  time.Minute,
		OnProgress: func(_ context.Context, p command.Progress) error {
			fmt.Println("step", p.Step, "loss", p.Values["loss"])
			return nil // an error here (the pruner's decision) would stop the command
		},
	}
	res, err := c.Run(context.Background(), command.Input{Trial: 3, Seed: 7, Params: map[string]any{"lr": 0.01, "layers": 2}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("f1", res.Values["f1"], "c1", res.Values["c1"])
	fmt.Println(res.Log[0])
	// Output:
	// step 1 loss 0.5
	// f1 0.25 c1 -1
	// got {"trial": 3, "seed": 7, "params": {"layers": 2, "lr": 0.01}}
}
