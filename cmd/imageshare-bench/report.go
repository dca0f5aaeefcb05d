package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// report is everything one run measured; results.json holds it whole.
type report struct {
	Date    string   `json:"date"`
	Commit  string   `json:"commit"`
	Command string   `json:"command"`
	Go      string   `json:"go"`
	Machine machine  `json:"machine"`
	Options settings `json:"options"`

	Commits *commitResult `json:"raw_commits"`
	Sizes   []*sizeReport `json:"datasets"`

	// PostgreSQL runs: the server, and its raw durable commits.
	Postgres  *pgInfo       `json:"postgres,omitempty"`
	PGCommits *commitResult `json:"postgres_raw_commits,omitempty"`
	// Baseline is the before/after comparison (-baseline).
	Baseline *baselineReport `json:"baseline,omitempty"`
}

type machine struct {
	CPU      string  `json:"cpu"`
	Cores    int     `json:"cores"`
	MemoryGB float64 `json:"memory_gb"`
	Kernel   string  `json:"kernel"`
	// LoadBefore and LoadAfter are /proc/loadavg's 1-minute load at the
	// start and end: other work sharing the machine shows here.
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
}

type settings struct {
	Conns      []int   `json:"conns"`
	FixedConns int     `json:"fixed_conns"`
	Warmup     float64 `json:"warmup_seconds"`
	Duration   float64 `json:"duration_seconds"`
}

type sizeReport struct {
	Spec        Spec      `json:"spec"`
	Dataset     *manifest `json:"dataset"`
	ListeningMs float64   `json:"listening_ms"`
	ReadyMs     float64   `json:"ready_ms"`
	RSSStartMB  float64   `json:"rss_start_mb"`
	RSSEndMB    float64   `json:"rss_end_mb"`
	RSSPeakMB   float64   `json:"rss_peak_mb"`

	// Store is "sqlite" (or empty, in runs made before PostgreSQL was
	// measured) or "postgres"; Replicas is how many imageshare processes
	// served the database (RSS is the largest of theirs).
	Store    string         `json:"store,omitempty"`
	Replicas int            `json:"replicas,omitempty"`
	PGLoad   *pgLoad        `json:"postgres_load,omitempty"`
	PGBench  *pgbenchResult `json:"pgbench,omitempty"`

	Scenarios []*scenarioReport `json:"scenarios"`
}

// targetKey names how the dataset was served: "sqlite", "postgres" or
// "postgres-2" (two replicas).
func (sr *sizeReport) targetKey() string {
	if sr.Store == "" || sr.Store == "sqlite" {
		return "sqlite"
	}
	if sr.Replicas > 1 {
		return fmt.Sprintf("%s-%d", sr.Store, sr.Replicas)
	}
	return sr.Store
}

// target says it in words.
func (sr *sizeReport) target() string {
	if sr.Store == "" || sr.Store == "sqlite" {
		return "SQLite"
	}
	if sr.Replicas > 1 {
		return fmt.Sprintf("PostgreSQL, %d replicas", sr.Replicas)
	}
	return "PostgreSQL, 1 replica"
}

// label heads the dataset's columns: the dataset alone when every run
// is on SQLite (as before PostgreSQL was measured).
func (r *report) label(sr *sizeReport) string {
	for _, s := range r.Sizes {
		if s.targetKey() != "sqlite" {
			return sr.Spec.Name + " " + sr.targetKey()
		}
	}
	return sr.Spec.Name
}

// rawCommits is the write limit of sr's store.
func (r *report) rawCommits(sr *sizeReport) *commitResult {
	if sr.targetKey() == "sqlite" {
		return r.Commits
	}
	return r.PGCommits
}

type scenarioReport struct {
	Name          string         `json:"name"`
	Dialect       string         `json:"dialect"`
	Describe      string         `json:"describe"`
	Write         bool           `json:"write"`
	Unmeasurable  string         `json:"unmeasurable,omitempty"`
	ResponseBytes int            `json:"response_bytes"`
	Imageshare    []*measurement `json:"imageshare"`
	Bare          []*measurement `json:"bare,omitempty"`
	// Profile is the CPU profile of the server at the fixed connection
	// count (-profile).
	Profile string `json:"profile,omitempty"`
}

// measurement is one load run and the CPU each side used during it, in
// cores (CPU seconds per wall second).
type measurement struct {
	loadResult
	ServerCPU float64 `json:"server_cpu_cores"`
	ClientCPU float64 `json:"client_cpu_cores"`
}

func (sr *sizeReport) scenario(name string) *scenarioReport {
	for _, s := range sr.Scenarios {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// at returns the measurement at conns connections, or nil.
func at(ms []*measurement, conns int) *measurement {
	for _, m := range ms {
		if m.Conns == conns {
			return m
		}
	}
	return nil
}

func newReport(o *options) *report {
	r := &report{
		Date:    time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Commit:  gitCommit(),
		Command: "go -C cmd/imageshare-bench run . " + strings.Join(os.Args[1:], " "),
		Go:      runtime.Version(),
		Options: settings{Conns: o.Conns, FixedConns: o.FixedConns, Warmup: o.Warmup.Seconds(), Duration: o.Duration.Seconds()},
	}
	r.Machine.Cores = runtime.NumCPU()
	r.Machine.CPU = cpuModel()
	r.Machine.MemoryGB = memTotalGB()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		r.Machine.Kernel = strings.TrimSpace(string(b))
	}
	r.Machine.LoadBefore = loadAvg()
	return r
}

func (r *report) finish() { r.Machine.LoadAfter = loadAvg() }

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if out, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(out) > 0 {
		commit += " (with uncommitted changes)"
	}
	return commit
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if name, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotalGB() float64 {
	b, _ := os.ReadFile("/proc/meminfo")
	var kb float64
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			fmt.Sscanf(strings.TrimPrefix(line, "MemTotal:"), "%f", &kb)
		}
	}
	return kb / (1 << 20)
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// write saves results.json, results.md and the plots in dir, and prints
// the tables.
func (r *report) write(dir string, say func(string, ...any)) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644); err != nil {
		return err
	}
	md := r.markdown()
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(md), 0o644); err != nil {
		return err
	}
	plots, err := r.plot(dir)
	if err != nil {
		return err
	}
	fmt.Print(md)
	say("wrote %s, %s and %d plots", filepath.Join(dir, "results.json"), filepath.Join(dir, "results.md"), len(plots))
	return nil
}

// markdown renders the results: ratios first, absolute numbers as context.
func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("Run of %s at commit %s, %s.\n\n", r.Date, r.Commit, r.Go)
	w("Machine: %s, %d cores, %.0f GB; Linux %s; load average (1, 5, 15 min) %s before, %s after.\n\n",
		r.Machine.CPU, r.Machine.Cores, r.Machine.MemoryGB, r.Machine.Kernel, r.Machine.LoadBefore, r.Machine.LoadAfter)
	w("Command: `%s`; each run %.0fs after a %.0fs warm-up; sweep at %v connections, other scenarios at %d.\n\n",
		r.Command, r.Options.Duration, r.Options.Warmup, r.Options.Conns, r.Options.FixedConns)
	if c := r.Commits; c != nil {
		w("Raw durable single-row commits on this disk: %.0f/s (p50 %.2f ms, p99 %.2f ms).\n\n", c.PerSec, c.P50, c.P99)
	}
	if pg := r.Postgres; pg != nil {
		w("PostgreSQL %s: %s", pg.Version, pg.Server)
		if pg.Settings != "" {
			w(" (`%s`; fsync and synchronous_commit on)", pg.Settings)
		}
		w(".")
		if c := r.PGCommits; c != nil {
			w(" Its raw durable single-row commits: %.0f/s (p50 %.2f ms, p99 %.2f ms).", c.PerSec, c.P50, c.P99)
		}
		w(" Its raw read limit is pgbench's select-only rate (`pgbench -S -M prepared`, as many clients as connections), measured before each PostgreSQL run.\n\n")
	}

	w("### Throughput as a ratio of this machine's limit (at %d connections)\n\n", r.Options.FixedConns)
	w("Reads against the bare net/http server answering the same requests with as many bytes; writes against raw durable single-row commits.\n\n")
	w("| scenario | dialect |")
	for _, s := range r.Sizes {
		w(" %s: ratio | %s: req/s (limit) |", r.label(s), r.label(s))
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|---|", len(r.Sizes)) + "\n")
	for _, name := range r.scenarioNames() {
		w("| %s | %s |", name, r.dialect(name))
		for _, s := range r.Sizes {
			ratio, abs := r.ratioCell(s, name)
			w(" %s | %s |", ratio, abs)
		}
		w("\n")
	}

	w("\n### Latency at %d connections (ms)\n\n", r.Options.FixedConns)
	w("| scenario |")
	for _, s := range r.Sizes {
		w(" %s p50 | %s p99 | %s max | bare p99 |", r.label(s), r.label(s), r.label(s))
	}
	groups := r.targetGroups()
	for _, g := range groups {
		if len(g) > 1 {
			w(" p99 %s / p99 %s |", r.label(g[len(g)-1]), r.label(g[0]))
		}
	}
	b.WriteString("\n|---|" + strings.Repeat("---|---|---|---|", len(r.Sizes)))
	for _, g := range groups {
		if len(g) > 1 {
			w("---|")
		}
	}
	w("\n")
	for _, name := range r.scenarioNames() {
		w("| %s |", name)
		for _, s := range r.Sizes {
			sc := s.scenario(name)
			m := fixedOf(sc, r.Options.FixedConns)
			if m == nil {
				w(" – | – | – | – |")
				continue
			}
			bare := "–"
			if bm := at(sc.Bare, m.Conns); bm != nil {
				bare = fmt.Sprintf("%.2f", bm.P99)
			}
			w(" %.2f | %.2f | %.2f | %s |", m.P50, m.P99, m.Max, bare)
		}
		for _, g := range groups {
			if len(g) > 1 {
				if growth, ok := r.p99Growth(g, name); ok {
					w(" %.2f× |", growth)
				} else {
					w(" – |")
				}
			}
		}
		w("\n")
	}

	w("\n### Sweep: throughput (req/s) and p99 (ms) against connections\n\n")
	for _, s := range r.Sizes {
		for _, sc := range s.Scenarios {
			if len(sc.Imageshare) < 2 {
				continue
			}
			w("%s, dataset %s:\n\n| connections | imageshare req/s | p99 | bare req/s | bare p99 | ratio | server CPU | client CPU |\n|---|---|---|---|---|---|---|---|\n", sc.Name, r.label(s))
			for _, m := range sc.Imageshare {
				limit, lp99, ratio := "–", "–", "–"
				if bm := at(sc.Bare, m.Conns); bm != nil {
					limit, lp99 = fmt.Sprintf("%.0f", bm.RPS), fmt.Sprintf("%.2f", bm.P99)
					ratio = fmt.Sprintf("%.0f%%", 100*m.RPS/bm.RPS)
				} else if c := r.rawCommits(s); sc.Write && c != nil {
					ratio = fmt.Sprintf("%.0f%% of raw commits", 100*m.RPS/c.PerSec)
				}
				w("| %d | %.0f | %.2f | %s | %s | %s | %.2f | %.2f |\n", m.Conns, m.RPS, m.P99, limit, lp99, ratio, m.ServerCPU, m.ClientCPU)
			}
			w("\n")
		}
	}

	w("### Memory and start-up\n\n| dataset | images + versions | shares | database | generated in | ready after | RSS at start | RSS after load | peak RSS |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Sizes {
		size, took := float64(s.Dataset.Bytes)/1e6, fmt.Sprintf("%.0f s", s.Dataset.Seconds)
		if l := s.PGLoad; l != nil {
			size = float64(l.Bytes) / 1e6
			took = fmt.Sprintf("%.0f s (COPY) + %.0f s (VACUUM ANALYZE)", l.LoadSeconds, l.VacuumSeconds)
			if l.Reused {
				took += ", loaded by an earlier run"
			}
		}
		w("| %s | %d + %d | %d | %.0f MB | %s | %.0f ms | %.1f MB | %.1f MB | %.1f MB |\n", r.label(s), s.Spec.Images, s.Spec.Community,
			s.Spec.Shares, size, took, s.ReadyMs, s.RSSStartMB, s.RSSEndMB, s.RSSPeakMB)
	}
	if r.Postgres != nil {
		w("\nA PostgreSQL dataset is the SQLite one copied by the store's own export and import (COPY through pgx, one transaction); " +
			"with several replicas RSS is the largest replica's.\n")
	}
	for _, s := range r.Sizes {
		for _, sc := range s.Scenarios {
			if sc.Unmeasurable != "" {
				w("\n%s is not yet measurable on dataset %s: %s\n", sc.Name, r.label(s), sc.Unmeasurable)
			}
		}
	}
	w("\n")
	r.targetsMarkdown(w)
	r.Baseline.markdown(w)
	r.profilesMarkdown(w)
	return b.String()
}

// fixedOf is the measurement of sc at the ratio table's connections, or
// its only one.
func fixedOf(sc *scenarioReport, conns int) *measurement {
	if sc == nil {
		return nil
	}
	if m := at(sc.Imageshare, conns); m != nil {
		return m
	}
	if len(sc.Imageshare) == 1 {
		return sc.Imageshare[0]
	}
	return nil
}

func (r *report) ratioCell(s *sizeReport, name string) (string, string) {
	sc := s.scenario(name)
	m := fixedOf(sc, r.Options.FixedConns)
	if m == nil {
		return "–", "–"
	}
	if sc.Write {
		c := r.rawCommits(s)
		if c == nil {
			return "–", fmt.Sprintf("%.0f", m.RPS)
		}
		return fmt.Sprintf("**%.0f%%** of raw commits", 100*m.RPS/c.PerSec), fmt.Sprintf("%.0f (%.0f)", m.RPS, c.PerSec)
	}
	bm := at(sc.Bare, m.Conns)
	if bm == nil || bm.RPS == 0 {
		return "–", fmt.Sprintf("%.0f", m.RPS)
	}
	ratio, abs := fmt.Sprintf("**%.0f%%**", 100*m.RPS/bm.RPS), fmt.Sprintf("%.0f (%.0f)", m.RPS, bm.RPS)
	if pb := s.PGBench; pb != nil && pb.TPS > 0 {
		ratio += fmt.Sprintf(" of bare, %.0f%% of pgbench -S", 100*m.RPS/pb.TPS)
		abs = fmt.Sprintf("%.0f (%.0f bare, %.0f pgbench)", m.RPS, bm.RPS, pb.TPS)
	}
	return ratio, abs
}

func (r *report) scenarioNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range r.Sizes {
		for _, sc := range s.Scenarios {
			if !seen[sc.Name] {
				seen[sc.Name] = true
				names = append(names, sc.Name)
			}
		}
	}
	return names
}

func (r *report) dialect(name string) string {
	for _, s := range r.Sizes {
		if sc := s.scenario(name); sc != nil {
			return sc.Dialect
		}
	}
	return ""
}
