package command

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of Command's zero fields.
const (
	DefaultGrace       = 5 * time.Second // SIGTERM to SIGKILL
	DefaultLogLines    = 200             // stdout log lines kept
	DefaultStderrLines = 40              // stderr lines kept
)

const (
	maxLine     = 1 << 20         // longest stdout line read whole; longer ones are cut
	maxKeptLine = 4096            // longest log or stderr line kept (bytes)
	drainWait   = 2 * time.Second // after the group is gone, how long to wait for its pipes to close
	readBuffer  = 64 << 10        // line reader buffer
	stdoutTail  = 3               // stdout log lines quoted when the result line is missing
)

// Command is one trial command: what to run, how long to let it run, what its result must hold.
// A Command is read-only once used and can run several trials at once.
type Command struct {
	Argv     []string          // program and arguments; a relative program path is relative to Dir
	Dir      string            // working directory ("" = this process's)
	Env      map[string]string // extra environment variables, over this process's
	Timeout  time.Duration     // per trial; 0 = none
	Grace    time.Duration     // from SIGTERM to SIGKILL when stopping; 0 = DefaultGrace, < 0 = SIGKILL at once
	Required []string          // values the result line must have (objectives and constraints)
	// OnProgress receives each progress line, in order, from the goroutine that called Run. A
	// non-nil error stops the command; Run then returns an error wrapping it (pruning).
	OnProgress  func(ctx context.Context, p Progress) error
	LogLines    int    // stdout log lines kept (0 = DefaultLogLines)
	StderrLines int    // stderr lines kept (0 = DefaultStderrLines)
	Mark        string // when set, the command's environment carries MarkEnv=Mark, for KillMarked
}

// MarkEnv is the environment variable that marks a trial command's processes (Command.Mark).
const MarkEnv = "ATTNSEARCH_TRIAL_MARK"

// Result is what a trial command produced. Run returns it whenever the command was started,
// with or without an error.
type Result struct {
	Values     map[string]float64 // the result line's values (nil when there was none)
	Last       *Progress          // the last progress line (nil when none)
	Steps      int                // progress lines read
	Log        []string           // the last LogLines stdout lines that are not JSON objects
	LogDropped int                // earlier log lines not kept
	Stderr     []string           // the last StderrLines lines of stderr
	ExitCode   int                // exit status; -1 when killed by a signal
	Pid        int                // the command's process ID (also its process group ID on Unix)
	Duration   time.Duration      // from start to exit
}

// stopCause is why Run stopped a command before it exited.
type stopCause int

const (
	stopNone stopCause = iota
	stopCancel
	stopTimeout
	stopProtocol
	stopCallback
)

// stdoutLine is one classified stdout line.
type stdoutLine struct {
	n int // line number, from 1
	parsed
	text string // lineLog: the line, cut to maxKeptLine
}

// Run starts the command, writes in on its stdin, follows its stdout until it exits, and returns
// its result. The error is nil for a complete result, a *Failure when the trial failed, an error
// wrapping ErrInterrupted when ctx was cancelled, or an error wrapping OnProgress's error.
func (c *Command) Run(ctx context.Context, in Input) (*Result, error) {
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return nil, &Failure{Kind: FailStart, Detail: "no command"}
	}
	payload, err := in.Encode()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w before start (%v)", ErrInterrupted, err)
	}
	grace := c.Grace
	if grace == 0 {
		grace = DefaultGrace
	}
	logKeep := c.LogLines
	if logKeep <= 0 {
		logKeep = DefaultLogLines
	}
	errKeep := c.StderrLines
	if errKeep <= 0 {
		errKeep = DefaultStderrLines
	}

	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir // a relative program path is relative to Dir (exec.Cmd's rule)
	if len(c.Env) > 0 || c.Mark != "" {
		env := os.Environ()
		keys := make([]string, 0, len(c.Env))
		for k := range c.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env = append(env, k+"="+c.Env[k])
		}
		if c.Mark != "" {
			env = append(env, MarkEnv+"="+c.Mark)
		}
		cmd.Env = env
	}
	cmd.SysProcAttr = procAttr()

	var pipes [6]*os.File // stdin r/w, stdout r/w, stderr r/w
	for i := 0; i < 3; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(pipes[:]...)
			return nil, fmt.Errorf("command: pipe: %w", err)
		}
		pipes[2*i], pipes[2*i+1] = r, w
	}
	stdinR, stdinW, outR, outW, errR, errW := pipes[0], pipes[1], pipes[2], pipes[3], pipes[4], pipes[5]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, outW, errW
	start := time.Now()
	if err := cmd.Start(); err != nil {
		closeAll(pipes[:]...)
		return nil, &Failure{Kind: FailStart, Detail: fmt.Sprintf("start %s: %v", c.Argv[0], err)}
	}
	closeAll(stdinR, outW, errW) // the child has its copies
	proc := &group{cmd: cmd}
	res := &Result{Pid: cmd.Process.Pid, ExitCode: -1}

	var wg sync.WaitGroup
	wg.Add(3)
	go func() { // the input: one line, then end of file
		defer wg.Done()
		_, _ = stdinW.Write(payload) // EPIPE: the command does not read its input
		_ = stdinW.Close()
	}()
	lines := make(chan stdoutLine)
	go func() {
		defer wg.Done()
		defer close(lines)
		n := 0
		readLines(outR, func(b []byte, cut bool) {
			n++
			l := stdoutLine{n: n}
			switch t := bytes.TrimSpace(b); {
			case cut && len(t) > 0 && t[0] == '{':
				l.parsed = parsed{kind: lineBad, err: fmt.Sprintf("a JSON object line longer than %d bytes", maxLine)}
			case cut:
				l.text = keptLine(b)
			default:
				l.parsed = parseLine(b)
				if l.kind == lineLog {
					l.text = keptLine(b)
				}
			}
			lines <- l
		})
	}()
	stderrTail := newRing(errKeep)
	stderrDone := make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(stderrDone)
		readLines(errR, func(b []byte, _ bool) { stderrTail.add(keptLine(b)) })
	}()
	exited := make(chan error, 1)
	go func() { exited <- proc.wait() }()

	var (
		log                      = newRing(logKeep)
		cause                    stopCause
		causeErr                 error  // stopCallback
		causeMsg                 string // stopProtocol
		haveExit, outEOF, errEOF bool
		exitErr                  error
		resultLine, lastStep     int
		timeoutC, killC, drainC  <-chan time.Time
	)
	if c.Timeout > 0 {
		t := time.NewTimer(c.Timeout)
		defer t.Stop()
		timeoutC = t.C
	}
	ctxDone := ctx.Done()
	stop := func(why stopCause) {
		if cause != stopNone {
			return
		}
		cause = why
		ctxDone, timeoutC = nil, nil
		if haveExit {
			return
		}
		if grace < 0 {
			proc.signal(true)
			return
		}
		proc.signal(false)
		killC = time.After(grace)
	}
	for !(haveExit && outEOF && errEOF) {
		select {
		case <-ctxDone:
			stop(stopCancel)
		case <-timeoutC:
			stop(stopTimeout)
		case <-killC:
			killC = nil
			proc.signal(true)
		case err := <-exited:
			haveExit, exitErr = true, err
			res.Duration = time.Since(start)
			killC, ctxDone, timeoutC = nil, nil, nil
			drainC = time.After(drainWait)
		case <-drainC:
			// A process that left the group still holds the pipes: stop reading them.
			drainC = nil
			closeAll(outR, errR)
		case <-stderrDone:
			errEOF, stderrDone = true, nil
		case l, ok := <-lines:
			if !ok {
				outEOF, lines = true, nil
				continue
			}
			switch l.kind {
			case lineLog:
				log.add(l.text)
			case lineBad:
				if cause == stopNone {
					causeMsg = fmt.Sprintf("stdout line %d: %s", l.n, l.err)
				}
				stop(stopProtocol)
			case lineProgress:
				if cause != stopNone {
					continue
				}
				switch {
				case resultLine > 0:
					causeMsg = fmt.Sprintf("stdout line %d: a progress line after the result line %d", l.n, resultLine)
					stop(stopProtocol)
					continue
				case res.Steps > 0 && l.step <= lastStep:
					causeMsg = fmt.Sprintf("stdout line %d: step %d after step %d (steps must increase)", l.n, l.step, lastStep)
					stop(stopProtocol)
					continue
				}
				p := Progress{Step: l.step, Values: l.values, Line: l.n}
				res.Steps++
				res.Last = &p
				lastStep = l.step
				if c.OnProgress != nil {
					if err := c.OnProgress(ctx, p); err != nil {
						causeErr = err
						stop(stopCallback)
					}
				}
			case lineResult:
				if cause != stopNone {
					continue
				}
				if resultLine > 0 {
					causeMsg = fmt.Sprintf("stdout line %d: a second result line (the first is line %d)", l.n, resultLine)
					stop(stopProtocol)
					continue
				}
				resultLine, res.Values = l.n, l.values
			}
		}
	}
	closeAll(outR, errR, stdinW)
	wg.Wait()
	res.Log, res.LogDropped = log.lines(), log.dropped
	res.Stderr = stderrTail.lines()
	if st := cmd.ProcessState; st != nil {
		res.ExitCode = st.ExitCode()
	}
	fail := func(kind FailureKind, format string, args ...any) (*Result, error) {
		return res, &Failure{Kind: kind, Detail: fmt.Sprintf(format, args...), Stderr: res.Stderr}
	}

	switch cause {
	case stopCancel:
		return res, fmt.Errorf("%w after %s (%v)", ErrInterrupted, res.Duration.Round(time.Millisecond), context.Cause(ctx))
	case stopCallback:
		return res, fmt.Errorf("command: stopped at step %d: %w", lastStep, causeErr)
	case stopTimeout:
		return fail(FailTimeout, "timed out after %s", c.Timeout)
	case stopProtocol:
		return fail(FailProtocol, "%s", causeMsg)
	}
	if exitErr != nil {
		return fail(FailExit, "%s", describeExit(cmd, exitErr))
	}
	if res.Values == nil {
		msg := fmt.Sprintf(`exited 0 without a result line {"values": {...}} after %d progress lines`, res.Steps)
		if tail := res.Log; len(tail) > 0 {
			msg += "; last stdout: " + strings.Join(tail[max(0, len(tail)-stdoutTail):], " | ")
		}
		return fail(FailNoResult, "%s", msg)
	}
	for _, name := range c.Required {
		if _, ok := res.Values[name]; !ok {
			return fail(FailMissingValue, "no value %q in the result line %d (it has %s)", name, resultLine, names(res.Values))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(res.Values)) {
		if v := res.Values[name]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fail(FailNonFinite, "value %q is %v in the result line %d", name, v, resultLine)
		}
	}
	return res, nil
}

// group is a started command's process group.
type group struct {
	cmd  *exec.Cmd
	mu   sync.Mutex // guards gone and signals against the reaping of the leader
	gone bool       // the leader is reaped: its pid may name another process now
}

// signal sends SIGTERM (SIGKILL when kill) to the group unless it is gone.
func (g *group) signal(kill bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.gone {
		signalGroup(g.cmd.Process, kill)
	}
}

// wait waits for the leader to exit, kills what is left of its group, and reaps the leader.
func (g *group) wait() error {
	if waitExited(g.cmd.Process) {
		g.mu.Lock()
		signalGroup(g.cmd.Process, true)
		g.gone = true
		g.mu.Unlock()
		return g.cmd.Wait()
	}
	err := g.cmd.Wait()
	g.mu.Lock()
	signalGroup(g.cmd.Process, true)
	g.gone = true
	g.mu.Unlock()
	return err
}

// describeExit says how the command ended.
func describeExit(cmd *exec.Cmd, err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Sprintf("killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
		}
		return fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	return fmt.Sprintf("wait for %s: %v", cmd.Path, err)
}

// readLines calls each for every line of r, without its line ending; a line longer than maxLine
// is cut there (cut = true) and the rest of it skipped.
func readLines(r io.Reader, each func(line []byte, cut bool)) {
	br := bufio.NewReaderSize(r, readBuffer)
	var buf []byte
	cut := false
	for {
		chunk, err := br.ReadSlice('\n')
		if room := maxLine - len(buf); len(chunk) > room {
			chunk, cut = chunk[:max(room, 0)], true
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(buf) > 0 {
			buf = bytes.TrimSuffix(buf, []byte{'\n'})
			buf = bytes.TrimSuffix(buf, []byte{'\r'})
			each(buf, cut)
		}
		buf, cut = buf[:0], false
		if err != nil {
			return
		}
	}
}

// keptLine copies a log or stderr line, cut to maxKeptLine bytes on a rune boundary.
func keptLine(b []byte) string {
	if len(b) <= maxKeptLine {
		return string(b)
	}
	i := maxKeptLine
	for i > 0 && b[i]&0xC0 == 0x80 {
		i--
	}
	return string(b[:i]) + "…"
}

// ring keeps the last lines added.
type ring struct {
	buf     []string
	next    int
	full    bool
	dropped int
	mu      sync.Mutex
}

// newRing returns a ring of n lines.
func newRing(n int) *ring { return &ring{buf: make([]string, n)} }

// add appends a line, dropping the oldest when full.
func (r *ring) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.full {
		r.dropped++
	}
	r.buf[r.next] = s
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
}

// lines returns the kept lines, oldest first.
func (r *ring) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]string(nil), r.buf[:r.next]...)
	}
	return append(append([]string(nil), r.buf[r.next:]...), r.buf[:r.next]...)
}

// closeAll closes the non-nil files, ignoring errors (they may be closed already).
func closeAll(fs ...*os.File) {
	for _, f := range fs {
		if f != nil {
			_ = f.Close()
		}
	}
}

// names lists m's keys for a message.
func names(m map[string]float64) string {
	if len(m) == 0 {
		return "no values"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}
