package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // reads a dataset's schema_migrations without migrating it
)

// Before/after in one run: -baseline REV builds another commit's server
// (git worktree of REV, go build) or -baseline-bin names one, and the
// chosen scenarios run with both binaries alternately on the same
// datasets (SQLite), at -fixed-conns, in -baseline-rounds rounds ordered
// ABBA so that a drift of the machine's load weighs on both alike.
//
// A newer server migrates the database it opens, which an older one may
// not read. The baseline therefore serves a copy of each dataset made
// before anything of this run's build opens the file (before the
// PostgreSQL load, which reads it through the store, and before the new
// server); the copy is removed at the end. A dataset file that an earlier
// run's newer code already migrated is copied migrated: the report then
// names the migrations the baseline's own source does not have.

// baselineSetup is the baseline binary and its copies of the datasets.
type baselineSetup struct {
	Rev    string
	Bin    string
	copies map[string]string // dataset db -> the baseline's copy
	known  map[int]bool      // the baseline's SQLite migrations (nil: unknown)
}

// baselineReport is the before/after table's data.
type baselineReport struct {
	Rev         string        `json:"rev"`
	Rounds      int           `json:"rounds"`
	Comparisons []*comparison `json:"comparisons"`
}

type comparison struct {
	Dataset  string        `json:"dataset"`
	Scenario string        `json:"scenario"`
	Conns    int           `json:"conns"`
	Before   []*loadResult `json:"before"`
	After    []*loadResult `json:"after"`
	// Note says when the baseline served a database migrated past its
	// own schema.
	Note string `json:"note,omitempty"`
}

// prepareBaseline builds (or takes) the baseline binary and copies each
// dataset for it.
func prepareBaseline(ctx context.Context, o *options, dbs []string, say func(string, ...any)) (*baselineSetup, error) {
	b := &baselineSetup{copies: map[string]string{}}
	switch {
	case o.BaselineBin != "":
		abs, err := filepath.Abs(o.BaselineBin)
		if err != nil {
			return nil, err
		}
		b.Rev, b.Bin = "binary "+o.BaselineBin, abs
	default:
		rev, err := gitOutput("rev-parse", "--verify", o.Baseline+"^{commit}")
		if err != nil {
			return nil, fmt.Errorf("-baseline %s: %w", o.Baseline, err)
		}
		b.Rev = rev[:min(len(rev), 12)]
		b.Bin, err = filepath.Abs(filepath.Join(o.DataDir, "bin", "imageshare-"+b.Rev))
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(b.Bin); err != nil {
			say("building the baseline server at %s", b.Rev)
			if err := buildAt(ctx, rev, b.Bin); err != nil {
				return nil, err
			}
		}
		b.known = migrationsAt(rev)
	}
	for _, db := range dbs {
		cp := filepath.Join(filepath.Dir(db), "baseline.db")
		say("copying %s for the baseline", db)
		if err := copyDB(db, cp); err != nil {
			b.cleanup()
			return nil, err
		}
		b.copies[db] = cp
	}
	return b, nil
}

func gitOutput(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// buildAt builds cmd/imageshare of commit rev into bin, from a temporary
// git worktree.
func buildAt(ctx context.Context, rev, bin string) error {
	dir, err := os.MkdirTemp("", "imageshare-baseline-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "src")
	if out, err := exec.CommandContext(ctx, "git", "worktree", "add", "--detach", src, rev).CombinedOutput(); err != nil {
		return fmt.Errorf("git worktree add %s: %v\n%s", rev, err, out)
	}
	defer exec.Command("git", "worktree", "remove", "--force", src).Run()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/imageshare")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build the baseline: %v\n%s", err, out)
	}
	return nil
}

// migrationsAt lists the SQLite migration versions of commit rev.
func migrationsAt(rev string) map[int]bool {
	out, err := gitOutput("ls-tree", "--name-only", rev, "sqlite/migration/")
	if err != nil {
		return nil
	}
	known := map[int]bool{}
	for _, name := range strings.Fields(out) {
		if v, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0]); err == nil {
			known[v] = true
		}
	}
	return known
}

// copyDB copies a closed SQLite database (and its WAL, if any).
func copyDB(from, to string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(to + suffix)
	}
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(from+suffix, to+suffix); err != nil {
			if suffix != "" && os.IsNotExist(err) {
				continue
			}
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func (b *baselineSetup) cleanup() {
	for _, cp := range b.copies {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(cp + suffix)
		}
	}
}

// unknownMigrations names the migrations applied to db that the baseline
// does not have.
func (b *baselineSetup) unknownMigrations(db string) string {
	if b.known == nil {
		return ""
	}
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		return ""
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return ""
	}
	defer rows.Close()
	var extra []string
	for rows.Next() {
		var v int
		if rows.Scan(&v) == nil && !b.known[v] {
			extra = append(extra, fmt.Sprintf("%03d", v))
		}
	}
	if len(extra) == 0 {
		return ""
	}
	return "the baseline served a copy already migrated past its schema (migrations " + strings.Join(extra, ", ") + ")"
}

// compareBaseline runs the wanted scenarios on dataset db with the
// baseline server (on its copy) and the new one (on db), alternately.
func compareBaseline(ctx context.Context, o *options, b *baselineSetup, bin string, sr *sizeReport, db string,
	into *baselineReport, say func(string, ...any)) error {
	cp := b.copies[db]
	note := b.unknownMigrations(cp)
	spec := sr.Spec
	start := func(binary, file, who string) (*process, error) {
		return startProcess(ctx, binary, serveArgs("sqlite:"+file), "imageshare listening on", "/readyz",
			filepath.Join(o.DataDir, "logs", who+"-"+spec.Name+".log"))
	}
	before, err := start(b.Bin, cp, "baseline")
	if err != nil {
		return fmt.Errorf("baseline server: %w", err)
	}
	defer before.Kill()
	after, err := start(bin, db, "imageshare-after")
	if err != nil {
		return err
	}
	defer after.Kill()
	say("== before/after on dataset %s: baseline %s against this build, %d round(s)", spec.Name, b.Rev, o.BaselineRounds)
	for _, sc := range scenarios(spec, true) {
		if !o.wantsBaseline(sc.Name) {
			continue
		}
		c := &comparison{Dataset: spec.Name, Scenario: sc.Name, Conns: o.FixedConns, Note: note}
		for r := range o.BaselineRounds {
			order := []bool{true, false} // baseline first
			if r%2 == 1 {
				order = []bool{false, true}
			}
			for _, isBefore := range order {
				p := after
				if isBefore {
					p = before
				}
				makers, err := sc.requests(p.Addr)
				if err != nil {
					return err
				}
				res, err := runLoad(ctx, loadConfig{Addr: p.Addr, Conns: o.FixedConns, Warmup: o.Warmup, Duration: o.Duration}, makers, sc.check)
				if err != nil {
					return err
				}
				who := "after "
				if isBefore {
					who = "before"
					c.Before = append(c.Before, res)
				} else {
					c.After = append(c.After, res)
				}
				say("%-36s %s conns %3d: %8.0f req/s  p50 %6.2f  p99 %6.2f ms  errors %d", sc.Name, who, o.FixedConns, res.RPS, res.P50, res.P99, res.Errors)
			}
		}
		into.Comparisons = append(into.Comparisons, c)
	}
	return nil
}

// meanOf averages a field over rounds.
func meanOf(rs []*loadResult, f func(*loadResult) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	var sum float64
	for _, r := range rs {
		sum += f(r)
	}
	return sum / float64(len(rs))
}

// baselineMarkdown is the before/after table.
func (b *baselineReport) markdown(w func(string, ...any)) {
	if b == nil || len(b.Comparisons) == 0 {
		return
	}
	w("### Before/after, back to back (baseline %s against this build)\n\n", b.Rev)
	w("The same datasets (SQLite; the baseline on a copy made before this build opened the file), both servers running, "+
		"each scenario with the baseline and this build alternately (%d round(s), ABBA), the mean of the rounds.\n\n", b.Rounds)
	w("| scenario | dataset | conns | before req/s | before p99 (ms) | after req/s | after p99 (ms) | throughput | p99 |\n|---|---|---|---|---|---|---|---|---|\n")
	var notes []string
	for _, c := range b.Comparisons {
		brps, ap := meanOf(c.Before, func(r *loadResult) float64 { return r.RPS }), meanOf(c.After, func(r *loadResult) float64 { return r.RPS })
		bp99, ap99 := meanOf(c.Before, func(r *loadResult) float64 { return r.P99 }), meanOf(c.After, func(r *loadResult) float64 { return r.P99 })
		change := func(before, after float64) string {
			if before == 0 {
				return "–"
			}
			return fmt.Sprintf("%.2f×", after/before)
		}
		w("| %s | %s | %d | %.0f | %.2f | %.0f | %.2f | %s | %s |\n", c.Scenario, c.Dataset, c.Conns, brps, bp99, ap, ap99, change(brps, ap), change(bp99, ap99))
		if c.Note != "" && !slices.Contains(notes, c.Dataset+": "+c.Note) {
			notes = append(notes, c.Dataset+": "+c.Note)
		}
	}
	for _, n := range notes {
		w("\nNote, dataset %s.\n", n)
	}
	w("\n")
}
