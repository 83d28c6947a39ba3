package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/milvbench/milvbench/bench"
)

// plainStatusEvery is how often a live status line is printed when stderr
// is not a terminal.
const plainStatusEvery = 5 * time.Second

// progress is where a run reports: its log lines (one per stage and trial,
// written through Write) and the live status of the trial being measured.
// On a terminal the status is one line redrawn in place and cleared before
// each log line; elsewhere it is a plain line every plainStatusEvery.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	width int // terminal columns; a longer status line is cut to fit
	shown bool
	last  time.Time
}

// newProgress reports to w, as a terminal if w is one.
func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		p.tty, p.width = terminal(f)
	}
	return p
}

// Write writes log lines, clearing the status line first.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	return p.w.Write(b)
}

func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// status shows st (it is bench.Runner.Watch).
func (p *progress) status(st bench.TrialStatus) { p.show(statusLine(st)) }

// show shows a status line: redrawn in place on a terminal, else printed
// every plainStatusEvery.
func (p *progress) show(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		if p.width > 1 && len([]rune(line)) >= p.width {
			line = string([]rune(line)[:p.width-1])
		}
		fmt.Fprint(p.w, "\r\033[K"+line)
		p.shown = true
		return
	}
	if now := time.Now(); now.Sub(p.last) >= plainStatusEvery {
		p.last = now
		fmt.Fprintln(p.w, "live   "+line)
	}
}

// done clears the status line at the end of a run.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// statusLine renders a live trial status: trial i/N, the point, the phase's
// elapsed time and ETA, then live QPS, p99 (last interval) and errors.
func statusLine(st bench.TrialStatus) string {
	var b strings.Builder
	fmt.Fprintf(&b, "trial  %d/%d %s", st.Trial, st.Trials, st.Label)
	if st.Probe > 0 {
		fmt.Fprintf(&b, " probe %d", st.Probe)
	}
	phase := "measure"
	if st.WarmUp {
		phase = "warm-up"
	}
	eta := max(st.Duration-st.Elapsed, 0)
	fmt.Fprintf(&b, " | %s %s/%s eta %s", phase, st.Elapsed.Round(100*time.Millisecond), st.Duration, eta.Round(100*time.Millisecond))
	for _, op := range st.Ops {
		if strings.HasSuffix(op.Op, bench.ServiceSuffix) { // the service time beside each op
			continue
		}
		name := ""
		if op.Op != bench.OpSearch {
			name = op.Op + " "
		}
		if op.Interval {
			fmt.Fprintf(&b, " | %sqps=%.0f p99=%.3fms", name, op.QPS, op.P99MS)
		} else {
			fmt.Fprintf(&b, " | %sqps=… p99=…", name)
		}
		fmt.Fprintf(&b, " errors=%d", op.Errors)
	}
	return b.String()
}
