//go:build linux

package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// required is what the test commands' results must hold.
var required = []string{"f1", "c1"}

// newCommand is a Command running this test binary as mode.
func newCommand(mode string) *Command {
	argv, env := helper(mode)
	return &Command{Argv: argv, Env: env, Required: required, Grace: 2 * time.Second}
}

func TestRunComplete(t *testing.T) {
	dir := t.TempDir()
	stdin := filepath.Join(dir, "stdin.json")
	c := newCommand("echo")
	c.Dir = dir
	c.Env["ECHO_STDIN_TO"] = stdin
	c.Env["EXTRA"] = "yes"
	var got []Progress
	c.OnProgress = func(ctx context.Context, p Progress) error {
		got = append(got, p)
		return nil
	}
	in := Input{Trial: 4, Seed: 99, Params: map[string]any{"x": 0.5, "n": 3, "act": "relu"}}
	res, err := c.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := in.Encode()
	if b, err := os.ReadFile(stdin); err != nil || string(b) != string(want) {
		t.Errorf("stdin = %q, %v; want %q", b, err, want)
	}
	if len(got) != 3 || res.Steps != 3 || res.Last == nil || res.Last.Step != 3 {
		t.Fatalf("progress = %+v, steps %d, last %+v; want steps 1..3", got, res.Steps, res.Last)
	}
	for i, p := range got {
		if p.Step != i+1 || p.Values["loss"] != 1/float64(i+1) || p.Line != i+3 {
			t.Errorf("progress %d = %+v", i, p)
		}
	}
	if res.Values["f1"] != 0.25 || res.Values["c1"] != -1 || res.Values["extra"] != 7 || len(res.Values) != 3 {
		t.Errorf("values = %v", res.Values)
	}
	wantLog := []string{"cwd=" + dir, "extra=yes", "done training"}
	if strings.Join(res.Log, "\n") != strings.Join(wantLog, "\n") {
		t.Errorf("log = %q, want %q", res.Log, wantLog)
	}
	if res.ExitCode != 0 || res.Pid <= 0 || res.Duration <= 0 {
		t.Errorf("exit %d pid %d duration %s", res.ExitCode, res.Pid, res.Duration)
	}
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		mode   string
		kind   FailureKind
		detail string
		stderr string // last stderr line
	}{
		{"crash", FailExit, "exit status 3", "ZeroDivisionError: division by zero"},
		{"killed", FailExit, "killed by signal 9 (killed)", ""},
		{"garbage-only", FailNoResult, `without a result line {"values": {...}} after 0 progress lines; last stdout: loss 0.1 | {"values": {"f1": 1}`, ""},
		{"missing", FailMissingValue, `no value "c1" in the result line 1 (it has f1)`, ""},
		{"nonfinite", FailNonFinite, `value "c1" is NaN in the result line 1`, ""},
		{"twice", FailProtocol, "stdout line 2: a second result line (the first is line 1)", ""},
		{"backwards", FailProtocol, "stdout line 2: step 2 after step 2 (steps must increase)", ""},
		{"badkey", FailProtocol, `stdout line 1: unknown key "value"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			res, err := newCommand(tt.mode).Run(context.Background(), Input{})
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("err = %v, want a *Failure", err)
			}
			if f.Kind != tt.kind || !strings.Contains(f.Detail, tt.detail) {
				t.Errorf("failure = %s: %q; want %s containing %q", f.Kind, f.Detail, tt.kind, tt.detail)
			}
			if tt.stderr != "" {
				if n := len(f.Stderr); n == 0 || f.Stderr[n-1] != tt.stderr || !strings.HasSuffix(err.Error(), tt.stderr) {
					t.Errorf("stderr = %q, error %q; want it to end with %q", f.Stderr, err, tt.stderr)
				}
			}
			if res == nil || res.Pid <= 0 {
				t.Fatalf("result = %+v, want the started command's", res)
			}
			waitGone(t, "command", res.Pid)
		})
	}
}

func TestRunCrashKeepsStderrTail(t *testing.T) {
	c := newCommand("crash")
	c.StderrLines = 4
	res, err := c.Run(context.Background(), Input{})
	var f *Failure
	if !errors.As(err, &f) || f.Kind != FailExit {
		t.Fatalf("err = %v", err)
	}
	want := "trace line 6|trace line 7|trace line 8|ZeroDivisionError: division by zero"
	if strings.Join(res.Stderr, "|") != want || strings.Join(f.Stderr, "|") != want {
		t.Errorf("stderr = %q / %q, want %q", res.Stderr, f.Stderr, want)
	}
	if res.ExitCode != 3 || res.Steps != 1 {
		t.Errorf("exit %d steps %d, want 3 and 1", res.ExitCode, res.Steps)
	}
}

func TestRunTimeout(t *testing.T) {
	c := newCommand("hang")
	c.Timeout = 300 * time.Millisecond
	c.Grace = 200 * time.Millisecond
	start := time.Now()
	res, err := c.Run(context.Background(), Input{})
	var f *Failure
	if !errors.As(err, &f) || f.Kind != FailTimeout || f.Detail != "timed out after 300ms" {
		t.Fatalf("err = %v, want a timeout after 300ms", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run took %s", d)
	}
	waitGone(t, "command", res.Pid)
	waitGone(t, "its child", childPid(t, res.Log))
}

// TestRunGarbage runs a command that writes junk, one over-long line and 500 lines of noise around
// its protocol lines: with 50 log lines it keeps the last 50, with 1000 all, the long line cut.
func TestRunGarbage(t *testing.T) {
	const logLines = 5 + 500 + 1 // junk, noise, bye
	cases := []struct {
		name     string
		logLines int
		check    func(t *testing.T, res *Result)
	}{
		{"last lines kept", 50, func(t *testing.T, res *Result) {
			if len(res.Log) != 50 || res.LogDropped != logLines-50 {
				t.Errorf("log: %d lines kept, %d dropped; want 50 and %d", len(res.Log), res.LogDropped, logLines-50)
			}
			if res.Log[0] != "noise 451" || res.Log[48] != "noise 499" || res.Log[49] != "bye" {
				t.Errorf("log = %q … %q", res.Log[:2], res.Log[48:])
			}
		}},
		{"long line cut", 1000, func(t *testing.T, res *Result) {
			if len(res.Log) != logLines || res.LogDropped != 0 {
				t.Fatalf("%d log lines, %d dropped, want %d and 0", len(res.Log), res.LogDropped, logLines)
			}
			if long := res.Log[4]; len(long) != maxKeptLine+len("…") || !strings.HasPrefix(long, "xxx") {
				t.Errorf("long line kept as %d bytes", len(long))
			}
			if res.Log[5] != "noise 0" {
				t.Errorf("line after the long one = %q, want noise 0 (the rest of the long line skipped)", res.Log[5])
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCommand("garbage")
			c.LogLines = tc.logLines
			res, err := c.Run(context.Background(), Input{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Values["f1"] != 0.5 || res.Values["c1"] != 0 {
				t.Errorf("values = %v", res.Values)
			}
			tc.check(t, res)
		})
	}
}

// errPrune stands for the pruner's decision.
var errPrune = errors.New("pruned")

func TestRunPruned(t *testing.T) {
	for _, mode := range []string{"steps", "steps-ignoreterm"} {
		t.Run(mode, func(t *testing.T) {
			c := newCommand(mode)
			c.Grace = 300 * time.Millisecond
			var steps []int
			c.OnProgress = func(ctx context.Context, p Progress) error {
				steps = append(steps, p.Step)
				if p.Step == 4 {
					return errPrune
				}
				return nil
			}
			start := time.Now()
			res, err := c.Run(context.Background(), Input{})
			if !errors.Is(err, errPrune) || !strings.Contains(err.Error(), "stopped at step 4") {
				t.Fatalf("err = %v, want pruned at step 4", err)
			}
			if len(steps) != 5 || res.Last.Step != 4 {
				t.Errorf("steps seen %v, last %d; want 0..4", steps, res.Last.Step)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Run took %s", d)
			}
			waitGone(t, "command", res.Pid)
			waitGone(t, "its child", childPid(t, res.Log))
			switch mode {
			case "steps": // stopped by SIGTERM
				if res.ExitCode != 143 || strings.Join(res.Stderr, "") != "got SIGTERM" {
					t.Errorf("exit %d stderr %q, want 143 after SIGTERM", res.ExitCode, res.Stderr)
				}
			case "steps-ignoreterm": // by SIGKILL after the grace period
				if res.ExitCode != -1 || time.Since(start) < c.Grace {
					t.Errorf("exit %d after %s, want killed after the grace period", res.ExitCode, time.Since(start))
				}
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newCommand("steps")
	c.OnProgress = func(_ context.Context, p Progress) error {
		if p.Step == 2 {
			cancel()
		}
		return nil
	}
	res, err := c.Run(ctx, Input{})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	var f *Failure
	if errors.As(err, &f) {
		t.Errorf("an interruption is not a failure: %v", f)
	}
	waitGone(t, "command", res.Pid)
	waitGone(t, "its child", childPid(t, res.Log))

	if _, err := c.Run(ctx, Input{}); !errors.Is(err, ErrInterrupted) {
		t.Errorf("Run on a cancelled context: %v, want ErrInterrupted", err)
	}
}

func TestRunSweepsStragglers(t *testing.T) {
	res, err := newCommand("straggler").Run(context.Background(), Input{})
	if err != nil {
		t.Fatal(err)
	}
	waitGone(t, "the command's child", childPid(t, res.Log))
}

func TestRunInputNotRead(t *testing.T) {
	big := map[string]any{}
	for i := 0; i < 20000; i++ {
		big["p"+strconv.Itoa(i)] = float64(i) + 0.5 // far more than a pipe buffer
	}
	res, err := newCommand("noread").Run(context.Background(), Input{Params: big})
	if err != nil || res.Values["f1"] != 1 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
}

func TestRunStartFailure(t *testing.T) {
	for _, argv := range [][]string{nil, {"./no-such-program"}, {"attnsearch-no-such-program-on-path"}} {
		c := &Command{Argv: argv, Dir: t.TempDir()}
		res, err := c.Run(context.Background(), Input{})
		var f *Failure
		if !errors.As(err, &f) || f.Kind != FailStart || res != nil {
			t.Errorf("%q: %+v, %v; want a start failure", argv, res, err)
		}
	}
}

// TestPdeathsig kills, with SIGKILL, a process that runs a trial command, and checks that the
// command dies with it and that KillMarked finds the process the command started.
func TestPdeathsig(t *testing.T) {
	argv, env := helper("parent")
	p := exec.Command(argv[0], argv[1:]...)
	mark := "pdeathsig-" + strconv.Itoa(os.Getpid())
	p.Env = append(os.Environ(), helperEnv+"="+env[helperEnv], "PARENT_MARK="+mark)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Process.Kill()
	// The parent's stdout is not the command's: find the command as the parent's child.
	var cmdPid int
	deadline := time.Now().Add(10 * time.Second)
	for cmdPid == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the parent started no command")
		}
		time.Sleep(20 * time.Millisecond)
		cmdPid = firstChild(p.Process.Pid)
	}
	// Kill the parent only once the command has started its own child (past exec, so that the
	// child's environment carries the mark): killed sooner, the command dies before the child
	// exists and there is no orphan to find.
	for !markedChildOf(cmdPid, mark) {
		if time.Now().After(deadline) {
			t.Fatal("the command started no marked child")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.Wait()
	waitGone(t, "the dead parent's command", cmdPid)

	// The command's own child is an orphan now; the mark finds it.
	var orphan int
	for _, pid := range allPids() {
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ"); strings.Contains(string(b), MarkEnv+"="+mark+"\x00") && alive(pid) {
			orphan = pid
		}
	}
	if orphan == 0 {
		t.Fatal("no marked orphan found: the test does not test KillMarked")
	}
	killed, err := KillMarked(mark)
	if err != nil || len(killed) != 1 || killed[0] != orphan {
		t.Fatalf("KillMarked = %v, %v; want [%d]", killed, err, orphan)
	}
	waitGone(t, "the orphan", orphan)
	if killed, err := KillMarked(mark); err != nil || len(killed) != 0 {
		t.Errorf("KillMarked again = %v, %v; want none", killed, err)
	}
}

// allPids lists the processes.
func allPids() []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// markedChildOf reports whether a child of pid carries mark in its environment.
func markedChildOf(pid int, mark string) bool {
	for _, c := range allPids() {
		if parentOf(c) != pid {
			continue
		}
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(c) + "/environ"); strings.Contains(string(b), MarkEnv+"="+mark+"\x00") {
			return true
		}
	}
	return false
}

// parentOf returns pid's parent, or 0 when pid is gone.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // state, ppid, …
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// firstChild returns a child of pid, or 0.
func firstChild(pid int) int {
	for _, c := range allPids() {
		if parentOf(c) == pid {
			return c
		}
	}
	return 0
}

func TestRunEscapedChildHoldsStdout(t *testing.T) {
	start := time.Now()
	res, err := newCommand("escape").Run(context.Background(), Input{})
	if err != nil || res.Values["f1"] != 1 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	child := childPid(t, res.Log)
	defer syscall.Kill(child, syscall.SIGKILL) // out of the group: not Run's to kill
	if d := time.Since(start); d > drainWait+5*time.Second {
		t.Errorf("Run took %s with an escaped child holding stdout (drain wait %s)", d, drainWait)
	}
}

func TestRunConcurrent(t *testing.T) {
	c := newCommand("echo")
	var mu sync.Mutex
	steps := map[int]int{}
	c.OnProgress = func(_ context.Context, p Progress) error {
		mu.Lock()
		defer mu.Unlock()
		steps[p.Step]++
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Run(context.Background(), Input{Trial: i})
			if err == nil && res.Values["f1"] != 0.25 {
				err = fmt.Errorf("values %v", res.Values)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	if steps[1] != 6 || steps[2] != 6 || steps[3] != 6 {
		t.Errorf("progress per step = %v, want 6 each", steps)
	}
}
