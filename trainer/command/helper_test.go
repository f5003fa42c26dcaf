//go:build linux

package command

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv selects the trial command this test binary acts as (see helperMain).
const helperEnv = "ATTNSEARCH_COMMAND_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

// helper returns the argv and environment of this test binary acting as trial command mode.
func helper(mode string) ([]string, map[string]string) {
	return []string{os.Args[0], "-test.run=^$"}, map[string]string{helperEnv: mode}
}

// spawnSleeper starts a child of this process in its process group that sleeps for a minute, and
// prints its pid as "child=<pid>".
func spawnSleeper() {
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), helperEnv+"=sleep")
	if err := c.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "spawn:", err)
		os.Exit(9)
	}
	fmt.Printf("child=%d\n", c.Process.Pid)
}

// helperMain is the trial command of the tests; it returns the exit status.
func helperMain(mode string) int {
	var in []byte
	if mode != "noread" {
		in, _ = io.ReadAll(os.Stdin)
	}
	switch mode {
	case "sleep":
		time.Sleep(time.Minute)
	case "echo": // reports what it was given
		if p := os.Getenv("ECHO_STDIN_TO"); p != "" {
			if err := os.WriteFile(p, in, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		wd, _ := os.Getwd()
		fmt.Println("cwd=" + wd)
		fmt.Println("extra=" + os.Getenv("EXTRA"))
		for step := 1; step <= 3; step++ {
			fmt.Printf(`{"step": %d, "values": {"loss": %g}}`+"\n", step, 1/float64(step))
		}
		fmt.Println("done training")
		fmt.Println(`{"values": {"f1": 0.25, "c1": -1, "extra": 7}}`)
	case "crash":
		fmt.Println(`{"step": 1, "values": {"loss": 1}}`)
		for i := 1; i <= 8; i++ {
			fmt.Fprintf(os.Stderr, "trace line %d\n", i)
		}
		fmt.Fprintln(os.Stderr, "ZeroDivisionError: division by zero")
		return 3
	case "killed":
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	case "hang": // a grandchild, then nothing
		spawnSleeper()
		time.Sleep(time.Minute)
	case "garbage":
		w := bufio.NewWriter(os.Stdout)
		w.Write([]byte{0xff, 0xfe, 0, 1, 2, '\n'})
		fmt.Fprintln(w, "{'values': {'f1': 1}}")
		fmt.Fprintln(w, `{"values": {"f1": 1}`)
		fmt.Fprintln(w, "[1, 2, 3]")
		fmt.Fprintln(w, strings.Repeat("x", 3*maxLine)) // one very long log line
		for i := 0; i < 500; i++ {
			fmt.Fprintf(w, "noise %d\r\n", i)
		}
		fmt.Fprintln(w, `{"values": {"f1": 0.5, "c1": 0}}`)
		fmt.Fprintln(w, "bye")
		w.Flush()
	case "garbage-only":
		fmt.Println("loss 0.1")
		fmt.Println(`{"values": {"f1": 1}`)
	case "missing":
		fmt.Println(`{"values": {"f1": 0.5}}`)
	case "nonfinite":
		fmt.Println(`{"values": {"f1": 0.5, "c1": NaN}}`)
	case "twice":
		fmt.Println(`{"values": {"f1": 0.5, "c1": 0}}`)
		fmt.Println(`{"values": {"f1": 0.6, "c1": 0}}`)
	case "backwards":
		fmt.Println(`{"step": 2, "values": {"f1": 0.5}}`)
		fmt.Println(`{"step": 2, "values": {"f1": 0.5}}`)
		time.Sleep(time.Minute)
	case "badkey":
		fmt.Println(`{"step": 2, "value": {"f1": 0.5}}`)
		time.Sleep(time.Minute)
	case "steps", "steps-ignoreterm": // progress every 20ms, a grandchild; SIGTERM ends it with status 143
		if mode == "steps-ignoreterm" {
			signal.Ignore(syscall.SIGTERM)
		} else {
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, syscall.SIGTERM)
			go func() {
				<-ch
				fmt.Fprintln(os.Stderr, "got SIGTERM")
				os.Exit(143)
			}()
		}
		spawnSleeper()
		for step := 0; step < 3000; step++ {
			fmt.Printf(`{"step": %d, "values": {"f1": %d}}`+"\n", step, step)
			time.Sleep(20 * time.Millisecond)
		}
		fmt.Println(`{"values": {"f1": 1, "c1": 0}}`)
	case "straggler": // a grandchild still running when it exits
		spawnSleeper()
		fmt.Println(`{"values": {"f1": 1, "c1": 0}}`)
	case "escape": // a child that leaves the process group but keeps stdout open
		c := exec.Command(os.Args[0], "-test.run=^$")
		c.Env = append(os.Environ(), helperEnv+"=sleep")
		c.Stdout = os.Stdout
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "spawn:", err)
			return 9
		}
		fmt.Printf("child=%d\n", c.Process.Pid)
		fmt.Println(`{"values": {"f1": 1, "c1": 0}}`)
	case "noread":
		fmt.Println(`{"values": {"f1": 1, "c1": 0}}`)
	case "parent": // runs a hanging command itself and prints its pid; the test kills this process
		argv, env := helper("hang")
		c := &Command{Argv: argv, Env: env, Mark: os.Getenv("PARENT_MARK")}
		_, err := c.Run(context.Background(), Input{})
		fmt.Println("unexpected end:", err)
		return 1
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		return 2
	}
	return 0
}

// alive reports whether pid names a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}

// waitGone fails t unless pid is gone within 5 seconds.
func waitGone(t *testing.T, what string, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s (pid %d) still running", what, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// childPid finds the "child=<pid>" line of a log.
func childPid(t *testing.T, log []string) int {
	t.Helper()
	for _, l := range log {
		if s, ok := strings.CutPrefix(l, "child="); ok {
			pid, err := strconv.Atoi(s)
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
	}
	t.Fatalf("no child= line in log %q", log)
	return 0
}
