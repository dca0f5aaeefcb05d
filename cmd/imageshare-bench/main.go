// Command imageshare-bench measures imageshare beside the limits of the
// machine it runs on, in one run: a bare net/http server answering the
// same requests with a fixed body of the same size, and raw durable
// single-row commits of the same store on the same disk. Absolute numbers
// on a shared machine mean little; the ratios are the result.
//
//	go -C cmd/imageshare-bench run .            # the 1k dataset, a few minutes
//	go -C cmd/imageshare-bench run . -sizes 1k,1M -report ../../docs/benchmarks
//
// Datasets are generated through the store under -data (bench-data/,
// ignored by git) and reused by later runs. See BENCHMARKS.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command line.
type options struct {
	Sizes      []string
	Custom     Spec // when Images > 0, the one dataset to run
	Conns      []int
	FixedConns int
	Warmup     time.Duration
	Duration   time.Duration
	CommitTime time.Duration
	DataDir    string
	ReportDir  string
	Scenarios  string // comma-separated name filter
	From       string // a results.json to report again
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-bare-server" {
		if err := serveBare(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bare server:", err)
			os.Exit(1)
		}
		return
	}
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(os.Stderr, "imageshare-bench:", err)
			os.Exit(2)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "imageshare-bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("imageshare-bench", flag.ContinueOnError)
	sizes := fs.String("sizes", "1k", "datasets to run, by number of custom images (1k, 100k, 1M): each also has that many community versions, ten shares per image and an account per ten images (at least 1,000, at most 100,000)")
	images := fs.Int("images", 0, "instead of -sizes, one dataset of this many custom images (at most 1,000,000)")
	accounts := fs.Int("accounts", 0, "with -images: accounts (at most 100,000; default one per ten images, at least 1,000)")
	shares := fs.Int("shares", -1, "with -images: shares (at most 10,000,000; default ten per image)")
	community := fs.Int("community", 0, "with -images: community versions (at most 1,000,000; default as many as images)")
	conns := fs.String("conns", "1,4,16,64", "connection counts of the sweep (the hot read and the modify scenarios)")
	fixed := fs.Int("fixed-conns", 16, "connections of the other scenarios, and of the ratio table")
	warmup := fs.Duration("warmup", time.Second, "warm-up before each measured period (not counted)")
	duration := fs.Duration("duration", 5*time.Second, "measured period of each run")
	commitTime := fs.Duration("commit-time", 5*time.Second, "how long to measure raw durable commits")
	dataDir := fs.String("data", "bench-data", "where datasets, binaries and logs live (reused between runs)")
	reportDir := fs.String("report", "", "where to write results.json, results.md and the plots (default DATA/report)")
	only := fs.String("scenarios", "", "run only the scenarios whose names contain one of these comma-separated words")
	from := fs.String("from", "", "measure nothing: write the report and plots of a saved results.json")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o := &options{From: *from, Warmup: *warmup, Duration: *duration, CommitTime: *commitTime, DataDir: *dataDir,
		ReportDir: *reportDir, FixedConns: *fixed, Scenarios: *only}
	if o.ReportDir == "" {
		o.ReportDir = filepath.Join(o.DataDir, "report")
	}
	for _, f := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 200 {
			return nil, fmt.Errorf("-conns: %q is not a number from 1 to 200", f)
		}
		o.Conns = append(o.Conns, n)
	}
	if o.FixedConns < 1 || o.FixedConns > 200 {
		return nil, fmt.Errorf("-fixed-conns: want 1 to 200")
	}
	if o.Duration < 100*time.Millisecond || o.Warmup < 0 {
		return nil, fmt.Errorf("-duration must be at least 100ms and -warmup not negative")
	}
	if *images > 0 {
		s, err := sizeSpec(strconv.Itoa(*images))
		if err != nil {
			return nil, err
		}
		s.Name = "custom-" + strconv.Itoa(*images)
		if *accounts > 0 {
			s.Accounts = *accounts
		}
		if *shares >= 0 {
			s.Shares = *shares
		}
		if *community > 0 {
			s.Community = *community
		}
		if err := s.validate(); err != nil {
			return nil, err
		}
		o.Custom = s
		return o, nil
	}
	for _, f := range strings.Split(*sizes, ",") {
		if _, err := sizeSpec(f); err != nil {
			return nil, err
		}
		o.Sizes = append(o.Sizes, strings.TrimSpace(f))
	}
	return o, nil
}

// specs returns the datasets to run.
func (o *options) specs() []Spec {
	if o.Custom.Images > 0 {
		return []Spec{o.Custom}
	}
	var out []Spec
	for _, s := range o.Sizes {
		spec, _ := sizeSpec(s)
		out = append(out, spec)
	}
	return out
}

func run(ctx context.Context, o *options) error {
	if o.From != "" {
		return rewrite(o)
	}
	for _, dir := range []string{o.DataDir, filepath.Join(o.DataDir, "bin"), filepath.Join(o.DataDir, "logs"), o.ReportDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	rep := newReport(o)
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	say("imageshare-bench: %s, %d cores; datasets %v", rep.Machine.CPU, rep.Machine.Cores, specNames(o.specs()))

	progress := newProgressReporter(os.Stderr)
	var dbs []string
	for _, spec := range o.specs() {
		db, m, err := ensureDataset(ctx, o.DataDir, spec, progress)
		if err != nil {
			return err
		}
		say("dataset %s: %s (%.0f MB, generated in %.1fs)", spec.Name, db, float64(m.Bytes)/1e6, m.Seconds)
		rep.Sizes = append(rep.Sizes, &sizeReport{Spec: spec, Dataset: m})
		dbs = append(dbs, db)
	}

	say("building the server")
	bin, err := buildServer(ctx, filepath.Join(o.DataDir, "bin"))
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	say("raw durable single-row commits for %s", o.CommitTime)
	if rep.Commits, err = measureCommits(ctx, o.DataDir, o.CommitTime); err != nil {
		return err
	}
	say("  %.0f commits/s (p50 %.2f ms, p99 %.2f ms)", rep.Commits.PerSec, rep.Commits.P50, rep.Commits.P99)

	for k, sr := range rep.Sizes {
		if err := benchSize(ctx, o, bin, self, dbs[k], sr, say); err != nil {
			return err
		}
	}
	rep.finish()
	return rep.write(o.ReportDir, say)
}

// rewrite reports a saved run again (after a change to the report or
// the plots).
func rewrite(o *options) error {
	b, err := os.ReadFile(o.From)
	if err != nil {
		return err
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("%s: %w", o.From, err)
	}
	if err := os.MkdirAll(o.ReportDir, 0o755); err != nil {
		return err
	}
	return rep.write(o.ReportDir, func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) })
}

func specNames(specs []Spec) []string {
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	return names
}

// benchSize runs every scenario on one dataset: imageshare first, then the
// bare server with the same requests and answer sizes.
func benchSize(ctx context.Context, o *options, bin, self, db string, sr *sizeReport, say func(string, ...any)) error {
	spec := sr.Spec
	say("== dataset %s", spec.Name)
	if w := maxModifyWorkers(spec); w < slices.Max(append(o.Conns, o.FixedConns)) {
		return fmt.Errorf("dataset %s has too few accounts for more than %d modify connections", spec.Name, w)
	}
	srv, err := startProcess(ctx, bin, []string{"serve", "--listen", "127.0.0.1:0", "--db", "sqlite:" + db,
		"--baidu-default-region", benchRegion}, "imageshare listening on", "/readyz",
		filepath.Join(o.DataDir, "logs", "imageshare-"+spec.Name+".log"))
	if err != nil {
		return err
	}
	defer func() {
		if srv != nil {
			srv.Kill()
		}
	}()
	sr.ListeningMs, sr.ReadyMs = ms(srv.ListeningAfter), ms(srv.ReadyAfter)
	if m, err := readMemory(srv.Pid()); err == nil {
		sr.RSSStartMB = float64(m.RSS) / (1 << 20)
	}
	say("imageshare ready in %.0f ms (listening after %.0f ms), RSS %.1f MB", sr.ReadyMs, sr.ListeningMs, sr.RSSStartMB)

	community := true
	for _, sc := range scenarios(spec, community) {
		if !o.wants(sc.Name) {
			continue
		}
		res := &scenarioReport{Name: sc.Name, Dialect: sc.Dialect, Describe: sc.Describe, Write: sc.Write}
		sr.Scenarios = append(sr.Scenarios, res)
		if err := benchTarget(ctx, o, sc, res, srv, true, say); err != nil {
			return err
		}
	}
	if m, err := readMemory(srv.Pid()); err == nil {
		sr.RSSEndMB, sr.RSSPeakMB = float64(m.RSS)/(1<<20), float64(m.Peak)/(1<<20)
	}
	say("imageshare RSS after the load %.1f MB (peak %.1f MB)", sr.RSSEndMB, sr.RSSPeakMB)
	err = srv.Stop()
	srv = nil
	if err != nil {
		return err
	}

	bare, err := startProcess(ctx, self, []string{"-bare-server", "127.0.0.1:0"}, bareListening, "/",
		filepath.Join(o.DataDir, "logs", "bare-"+spec.Name+".log"))
	if err != nil {
		return err
	}
	defer bare.Kill()
	for _, sc := range scenarios(spec, community) {
		res := sr.scenario(sc.Name)
		if res == nil || sc.Write || res.Unmeasurable != "" {
			continue
		}
		if err := setBareSize(bare.URL, res.ResponseBytes); err != nil {
			return err
		}
		if err := benchTarget(ctx, o, sc, res, bare, false, say); err != nil {
			return err
		}
	}
	return nil
}

func (o *options) wants(name string) bool {
	if o.Scenarios == "" {
		return true
	}
	for _, w := range strings.Split(o.Scenarios, ",") {
		if w = strings.TrimSpace(w); w != "" && strings.Contains(strings.ToLower(name), strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// sweeps says whether a scenario runs at every -conns count or only at
// -fixed-conns: the hot read and the modify sweep.
func sweeps(sc *scenario) bool {
	return sc.Name == "DescribeCompShareImageShareAccounts" || sc.Name == "ModifyCompShareImageShareAccount"
}

// benchTarget runs sc against p (imageshare when isImageshare, else the
// bare server) at each connection count, recording into res.
func benchTarget(ctx context.Context, o *options, sc *scenario, res *scenarioReport, p *process, isImageshare bool, say func(string, ...any)) error {
	newRequest, err := sc.requests(p.Addr)
	if err != nil {
		return fmt.Errorf("%s: %w", sc.Name, err)
	}
	if isImageshare {
		// A short sequential probe: is the action there, and how large
		// are its answers (the bare server answers as many bytes)?
		probe, err := runLoad(ctx, loadConfig{Addr: p.Addr, Conns: 1, Duration: 300 * time.Millisecond}, newRequest, sc.check)
		if err != nil {
			return err
		}
		if probe.Requests == 0 {
			res.Unmeasurable = probe.FirstError
			say("%-36s not measurable: %s", sc.Name, probe.FirstError)
			return nil
		}
		res.ResponseBytes = probe.MeanBytes
	}
	check := sc.check
	if !isImageshare {
		check = httpOK // the bare answer is a fixed body
	}
	conns := []int{o.FixedConns}
	if sweeps(sc) {
		conns = o.Conns
	}
	for _, c := range conns {
		selfBefore, srvBefore := cpuSeconds(os.Getpid()), cpuSeconds(p.Pid())
		r, err := runLoad(ctx, loadConfig{Addr: p.Addr, Conns: c, Warmup: o.Warmup, Duration: o.Duration}, newRequest, check)
		if err != nil {
			return err
		}
		wall := (o.Warmup + o.Duration).Seconds()
		m := &measurement{loadResult: *r,
			ServerCPU: (cpuSeconds(p.Pid()) - srvBefore) / wall, ClientCPU: (cpuSeconds(os.Getpid()) - selfBefore) / wall}
		who := "bare      "
		if isImageshare {
			who = "imageshare"
			res.Imageshare = append(res.Imageshare, m)
		} else {
			res.Bare = append(res.Bare, m)
		}
		say("%-36s %s conns %3d: %8.0f req/s  p50 %6.2f  p90 %6.2f  p99 %6.2f  max %7.2f ms  errors %d  cpu server %.2f client %.2f",
			sc.Name, who, c, r.RPS, r.P50, r.P90, r.P99, r.Max, r.Errors, m.ServerCPU, m.ClientCPU)
		if r.Errors > 0 {
			say("    first error: %.300s", r.FirstError)
		}
	}
	return nil
}
