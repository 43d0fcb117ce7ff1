package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chatd/chatd/bolt"
)

// compactConfig is the command line of chatd compact.
type compactConfig struct {
	db  string
	out string
}

// parseCompact reads chatd compact's flags, each with a CHATD_COMPACT_*
// default (the command's own, so that a serving chatd's CHATD_DB never
// points it at a locked file).
func parseCompact(args []string, getenv func(string) string, stderr io.Writer) (compactConfig, error) {
	e := env(getenv)
	var cfg compactConfig
	fs := flag.NewFlagSet("chatd compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.db, "db", e.str("CHATD_COMPACT_DB", ""), "the chatd file to compact, which no chatd may be serving [CHATD_COMPACT_DB]")
	fs.StringVar(&cfg.out, "out", e.str("CHATD_COMPACT_OUT", ""), "write the compacted file here, a new path, and leave --db as it is [CHATD_COMPACT_OUT]")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, errors.New("compact: unexpected arguments: " + strings.Join(fs.Args(), " "))
	case cfg.db == "":
		return cfg, errors.New("compact: --db is required (the chatd file to compact)")
	}
	return cfg, nil
}

// compact is chatd compact: it rewrites a chatd file that deletions left
// mostly free pages in, and replaces the file with the copy (or writes the
// copy to --out). It prints one line: the sizes before and after, and the
// time taken; a file that takes more than a second to copy gets a progress
// line on stderr meanwhile.
func compact(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseCompact(args, getenv, stderr)
	if err != nil {
		return err
	}
	p := newProgressLine(stderr, isTerminal(stderr))
	before, after, err := bolt.Compact(ctx, cfg.db, cfg.out, bolt.CompactOptions{Progress: compactReport(p)})
	p.end()
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("compact: interrupted; %s is as it was", cfg.db)
	}
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	what := cfg.db
	if cfg.out != "" {
		what += " into " + cfg.out
	}
	fmt.Fprintf(stdout, "compacted %s: %s → %s in %s\n", what, byteSize(before), byteSize(after), p.elapsed().Round(time.Millisecond))
	return nil
}

// progressLine is a command's progress on stderr: one line, printed at
// most once a second and only after the first second, rewritten in place
// on a terminal.
type progressLine struct {
	w       io.Writer
	live    bool // rewrite the line in place
	start   time.Time
	last    time.Time // of the last line printed
	printed bool
}

func newProgressLine(w io.Writer, live bool) *progressLine {
	now := time.Now()
	return &progressLine{w: w, live: live, start: now, last: now}
}

func (p *progressLine) elapsed() time.Duration { return time.Since(p.start) }

// show prints the line line makes of the time elapsed, unless one was
// printed less than a second ago.
func (p *progressLine) show(line func(elapsed time.Duration) string) {
	now := time.Now()
	if now.Sub(p.last) < time.Second {
		return
	}
	p.last, p.printed = now, true
	if p.live {
		fmt.Fprintf(p.w, "\r%s\x1b[K", line(now.Sub(p.start))) // \x1b[K clears what a longer line left
	} else {
		fmt.Fprintln(p.w, line(now.Sub(p.start)))
	}
}

// end ends a progress line rewritten in place.
func (p *progressLine) end() {
	if p.live && p.printed {
		fmt.Fprintln(p.w)
	}
}

// compactReport shows on p how much of the file has been copied.
func compactReport(p *progressLine) func(copied int64) {
	return func(copied int64) {
		p.show(func(elapsed time.Duration) string {
			return fmt.Sprintf("chatd compact: %s copied, %.0fs", byteSize(copied), elapsed.Seconds())
		})
	}
}

// byteSize is n bytes for people: 512 B, 1.5 kB, 3.4 GB.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	value, prefix := float64(n)/unit, "k"
	for _, p := range []string{"M", "G", "T"} {
		if value < unit {
			break
		}
		value, prefix = value/unit, p
	}
	return fmt.Sprintf("%.1f %sB", value, prefix)
}
