package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressReporter shows how far a long task is: a bar redrawn in place
// on a terminal, a line every few seconds otherwise (a log, CI).
type progressReporter struct {
	w        io.Writer
	terminal bool
	every    time.Duration // between lines when not on a terminal

	label      string
	total      int64
	done       int64
	started    time.Time
	lastReport time.Time
}

func newProgressReporter(w io.Writer) *progressReporter {
	p := &progressReporter{w: w, every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progressReporter) start(label string, total int64) {
	p.label, p.total, p.done = label, total, 0
	p.started = time.Now()
	p.lastReport = p.started
	if !p.terminal {
		fmt.Fprintf(p.w, "%s: 0/%d\n", label, total)
	}
}

func (p *progressReporter) add(n int64) {
	p.done += n
	now := time.Now()
	interval := p.every
	if p.terminal {
		interval = 200 * time.Millisecond
	}
	if now.Sub(p.lastReport) < interval {
		return
	}
	p.lastReport = now
	p.report(now)
}

func (p *progressReporter) report(now time.Time) {
	elapsed := now.Sub(p.started)
	frac := float64(p.done) / float64(max(p.total, 1))
	eta := ""
	if frac > 0 && frac < 1 {
		eta = fmt.Sprintf(", about %s left", (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second))
	}
	if !p.terminal {
		fmt.Fprintf(p.w, "%s: %d/%d (%.0f%%) in %s%s\n", p.label, p.done, p.total, 100*frac, elapsed.Round(time.Second), eta)
		return
	}
	const width = 30
	filled := min(int(frac*width), width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %5.1f%% %d/%d %s%s   ", p.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		100*frac, p.done, p.total, elapsed.Round(time.Second), eta)
}

func (p *progressReporter) finish() {
	now := time.Now()
	if p.terminal {
		p.report(now)
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "%s: %d rows in %s\n", p.label, p.done, now.Sub(p.started).Round(time.Millisecond))
}
