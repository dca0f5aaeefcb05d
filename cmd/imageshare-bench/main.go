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
	"errors"
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

	Stores     []string // "sqlite", "postgres"
	PGDSN      string   // a PostgreSQL server to use instead of our own cluster
	PGReplicas []int    // imageshare processes on one PostgreSQL database

	Baseline          string // a commit to compare with, back to back
	BaselineBin       string // or a server binary
	BaselineRounds    int
	BaselineScenarios string // name filter of the comparison (default Scenarios)

	ProfileDir string // CPU profiles of the server under each scenario
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
	pool := fs.Int("pool", poolSize, "distinct pre-signed requests each pre-signed read scenario draws from (the working set of the server's caches; Alibaba requests are signed per request and draw from every image)")
	fixed := fs.Int("fixed-conns", 16, "connections of the other scenarios, and of the ratio table")
	warmup := fs.Duration("warmup", time.Second, "warm-up before each measured period (not counted)")
	duration := fs.Duration("duration", 5*time.Second, "measured period of each run")
	commitTime := fs.Duration("commit-time", 5*time.Second, "how long to measure raw durable commits")
	dataDir := fs.String("data", "bench-data", "where datasets, binaries and logs live (reused between runs)")
	reportDir := fs.String("report", "", "where to write results.json, results.md and the plots (default DATA/report)")
	only := fs.String("scenarios", "", "run only the scenarios whose names contain one of these comma-separated words")
	from := fs.String("from", "", "measure nothing: write the report and plots of a saved results.json")
	stores := fs.String("store", "sqlite", "stores to run, comma-separated: sqlite, postgres (the same datasets, copied into PostgreSQL with the store's import)")
	pgDSN := fs.String("pg-dsn", "", "with -store postgres: a postgres:// URL of a server whose user may create databases (default: a cluster of the harness's own under DATA/postgres, initdb on first use)")
	pgReplicas := fs.String("pg-replicas", "1,2", "with -store postgres: imageshare processes serving one database, one run per count (the load spreads its connections over them)")
	baseline := fs.String("baseline", "", "a commit (any git revision) whose server is measured back to back with this build on the same datasets (SQLite), for a before/after table")
	baselineBin := fs.String("baseline-bin", "", "instead of -baseline, a server binary to compare with")
	baselineRounds := fs.Int("baseline-rounds", 2, "rounds of the before/after comparison (ordered before-after, after-before, ...)")
	baselineScenarios := fs.String("baseline-scenarios", "", "scenarios of the before/after comparison, as -scenarios (default: those of -scenarios)")
	profile := fs.String("profile", "", "write CPU profiles of the server under each scenario (at -fixed-conns) into this directory (the server runs with --admin-listen and --pprof)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o := &options{From: *from, Warmup: *warmup, Duration: *duration, CommitTime: *commitTime, DataDir: *dataDir,
		ReportDir: *reportDir, FixedConns: *fixed, Scenarios: *only, PGDSN: *pgDSN, Baseline: *baseline, BaselineBin: *baselineBin,
		BaselineRounds: *baselineRounds, BaselineScenarios: *baselineScenarios, ProfileDir: *profile}
	if o.BaselineScenarios == "" {
		o.BaselineScenarios = o.Scenarios
	}
	if o.Baseline != "" && o.BaselineBin != "" {
		return nil, fmt.Errorf("-baseline and -baseline-bin: give one")
	}
	if o.BaselineRounds < 1 || o.BaselineRounds > 20 {
		return nil, fmt.Errorf("-baseline-rounds: want 1 to 20")
	}
	for _, f := range strings.Split(*stores, ",") {
		switch f = strings.TrimSpace(f); f {
		case "sqlite", "postgres":
			if !slices.Contains(o.Stores, f) {
				o.Stores = append(o.Stores, f)
			}
		default:
			return nil, fmt.Errorf("-store: %q is not sqlite or postgres", f)
		}
	}
	for _, f := range strings.Split(*pgReplicas, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 8 {
			return nil, fmt.Errorf("-pg-replicas: %q is not a number from 1 to 8", f)
		}
		o.PGReplicas = append(o.PGReplicas, n)
	}
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
	if *pool < 1 || *pool > 1_000_000 {
		return nil, fmt.Errorf("-pool: want 1 to 1000000")
	}
	poolSize = *pool
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
	dirs := []string{o.DataDir, filepath.Join(o.DataDir, "bin"), filepath.Join(o.DataDir, "logs"), o.ReportDir}
	if o.ProfileDir != "" {
		dirs = append(dirs, o.ProfileDir)
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	rep := newReport(o)
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	say("imageshare-bench: %s, %d cores, load average %s; datasets %v, stores %v", rep.Machine.CPU, rep.Machine.Cores, rep.Machine.LoadBefore,
		specNames(o.specs()), o.Stores)

	progress := newProgressReporter(os.Stderr)
	var dbs []string
	var manifests []*manifest
	for _, spec := range o.specs() {
		db, m, err := ensureDataset(ctx, o.DataDir, spec, progress)
		if err != nil {
			return err
		}
		say("dataset %s: %s (%.0f MB, generated in %.1fs)", spec.Name, db, float64(m.Bytes)/1e6, m.Seconds)
		dbs, manifests = append(dbs, db), append(manifests, m)
	}

	// The baseline's copies are made before anything of this build
	// opens the dataset files (baseline.go).
	var base *baselineSetup
	if o.Baseline != "" || o.BaselineBin != "" {
		var err error
		if base, err = prepareBaseline(ctx, o, dbs, say); err != nil {
			return err
		}
		defer base.cleanup()
		rep.Baseline = &baselineReport{Rev: base.Rev, Rounds: o.BaselineRounds}
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

	if slices.Contains(o.Stores, "sqlite") {
		say("raw durable single-row commits (SQLite) for %s", o.CommitTime)
		if rep.Commits, err = measureCommits(ctx, o.DataDir, o.CommitTime); err != nil {
			return err
		}
		say("  %.0f commits/s (p50 %.2f ms, p99 %.2f ms)", rep.Commits.PerSec, rep.Commits.P50, rep.Commits.P99)
	}
	var pg *pgCluster
	pgDSNs := make([]string, len(dbs))
	pgLoads := make([]*pgLoad, len(dbs))
	if slices.Contains(o.Stores, "postgres") {
		if pg, err = startPostgres(ctx, o, say); err != nil {
			return err
		}
		defer pg.stop()
		rep.Postgres = pg.info()
		say("raw durable single-row commits (PostgreSQL %s) for %s", pg.Version, o.CommitTime)
		if rep.PGCommits, err = pg.measureCommits(ctx, o.CommitTime); err != nil {
			return err
		}
		say("  %.0f commits/s (p50 %.2f ms, p99 %.2f ms)", rep.PGCommits.PerSec, rep.PGCommits.P50, rep.PGCommits.P99)
		for k, spec := range o.specs() {
			if pgDSNs[k], pgLoads[k], err = pg.ensureDataset(ctx, spec, dbs[k], say); err != nil {
				return err
			}
			say("dataset %s in PostgreSQL: %s (loaded in %.1fs + VACUUM ANALYZE %.1fs, %.0f MB)", spec.Name, pgLoads[k].Database,
				pgLoads[k].LoadSeconds, pgLoads[k].VacuumSeconds, float64(pgLoads[k].Bytes)/1e6)
		}
	}

	for k, spec := range o.specs() {
		var first *sizeReport // the run that measured this dataset's bare limit
		for _, t := range o.targets() {
			sr := &sizeReport{Spec: spec, Dataset: manifests[k], Store: t.store, Replicas: t.replicas}
			db := "sqlite:" + dbs[k]
			if t.store == "postgres" {
				db, sr.PGLoad = pgDSNs[k], pgLoads[k]
				say("pgbench -S at %d clients for %s", o.FixedConns, o.Duration)
				if sr.PGBench, err = pg.pgbench(ctx, o.FixedConns, o.Duration); err != nil {
					return err
				}
				say("  %.0f transactions/s (latency average %.2f ms)", sr.PGBench.TPS, sr.PGBench.Latency)
			}
			rep.Sizes = append(rep.Sizes, sr)
			if err := benchSize(ctx, o, bin, self, db, sr, first, say); err != nil {
				return err
			}
			if first == nil {
				first = sr
			}
		}
		if base != nil {
			if err := compareBaseline(ctx, o, base, bin, &sizeReport{Spec: spec}, dbs[k], rep.Baseline, say); err != nil {
				return err
			}
		}
	}
	rep.finish()
	return rep.write(o.ReportDir, say)
}

// target is one way of serving a dataset: a store and how many
// imageshare processes serve it.
type target struct {
	store    string
	replicas int
}

func (o *options) targets() []target {
	var ts []target
	for _, s := range o.Stores {
		if s == "postgres" {
			for _, n := range o.PGReplicas {
				ts = append(ts, target{store: s, replicas: n})
			}
			continue
		}
		ts = append(ts, target{store: s, replicas: 1})
	}
	return ts
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

// serveArgs are the server's flags for a store DSN.
func serveArgs(db string) []string {
	return []string{"serve", "--listen", "127.0.0.1:0", "--db", db, "--baidu-default-region", benchRegion}
}

// benchSize runs every scenario on one dataset served by sr's target
// (db is the store DSN): imageshare first, then the bare server with the
// same requests and answer sizes, unless bareFrom (an earlier target on
// the same dataset) measured it already.
func benchSize(ctx context.Context, o *options, bin, self, db string, sr *sizeReport, bareFrom *sizeReport, say func(string, ...any)) error {
	spec := sr.Spec
	say("== dataset %s, %s", spec.Name, sr.target())
	if w := maxModifyWorkers(spec); w < slices.Max(append(o.Conns, o.FixedConns)) {
		return fmt.Errorf("dataset %s has too few accounts for more than %d modify connections", spec.Name, w)
	}
	args := serveArgs(db)
	var admin []string
	if o.ProfileDir != "" {
		args, admin = append(args, profileFlags...), []string{adminListening}
	}
	var procs []*process
	defer func() {
		for _, p := range procs {
			p.Kill()
		}
	}()
	for r := range max(sr.Replicas, 1) {
		logName := "imageshare-" + spec.Name + "-" + fileName(sr.targetKey())
		if r > 0 {
			logName += "-" + strconv.Itoa(r+1)
		}
		srv, err := startProcess(ctx, bin, args, "imageshare listening on", "/readyz", filepath.Join(o.DataDir, "logs", logName+".log"), admin...)
		if err != nil {
			return err
		}
		procs = append(procs, srv)
		if r == 0 {
			sr.ListeningMs, sr.ReadyMs = ms(srv.ListeningAfter), ms(srv.ReadyAfter)
			if m, err := readMemory(srv.Pid()); err == nil {
				sr.RSSStartMB = float64(m.RSS) / (1 << 20)
			}
			say("imageshare ready in %.0f ms (listening after %.0f ms), RSS %.1f MB", sr.ReadyMs, sr.ListeningMs, sr.RSSStartMB)
		}
	}

	community := true
	for _, sc := range scenarios(spec, community) {
		if !o.wants(sc.Name) {
			continue
		}
		res := &scenarioReport{Name: sc.Name, Dialect: sc.Dialect, Describe: sc.Describe, Write: sc.Write}
		sr.Scenarios = append(sr.Scenarios, res)
		if err := benchTarget(ctx, o, sc, res, procs, true, sr, say); err != nil {
			return err
		}
	}
	// The largest of the replicas' (they serve alike).
	for _, p := range procs {
		if m, err := readMemory(p.Pid()); err == nil {
			sr.RSSEndMB, sr.RSSPeakMB = max(sr.RSSEndMB, float64(m.RSS)/(1<<20)), max(sr.RSSPeakMB, float64(m.Peak)/(1<<20))
		}
	}
	say("imageshare RSS after the load %.1f MB (peak %.1f MB)", sr.RSSEndMB, sr.RSSPeakMB)
	var stopErr error
	for _, p := range procs {
		stopErr = errors.Join(stopErr, p.Stop())
	}
	procs = nil
	if stopErr != nil {
		return stopErr
	}

	if bareFrom != nil {
		// The bare server is the same for every target of a dataset.
		for _, res := range sr.Scenarios {
			if prev := bareFrom.scenario(res.Name); prev != nil {
				res.Bare = prev.Bare
			}
		}
		return nil
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
		if err := benchTarget(ctx, o, sc, res, []*process{bare}, false, sr, say); err != nil {
			return err
		}
	}
	return nil
}

func (o *options) wants(name string) bool { return matches(o.Scenarios, name) }

func (o *options) wantsBaseline(name string) bool { return matches(o.BaselineScenarios, name) }

// matches says whether name contains one of filter's comma-separated
// words (an empty filter matches every name).
func matches(filter, name string) bool {
	if filter == "" {
		return true
	}
	for _, w := range strings.Split(filter, ",") {
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

// benchTarget runs sc against procs (imageshare replicas when
// isImageshare, else the bare server) at each connection count, recording
// into res. With several processes the workers spread over them.
func benchTarget(ctx context.Context, o *options, sc *scenario, res *scenarioReport, procs []*process, isImageshare bool,
	sr *sizeReport, say func(string, ...any)) error {
	var makers []func(int) requestFunc
	var addrs []string
	for _, p := range procs {
		m, err := sc.requests(p.Addr)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.Name, err)
		}
		makers, addrs = append(makers, m), append(addrs, p.Addr)
	}
	// Worker w talks to procs[w % n] (loadConfig.Addrs) with that
	// process's requests (Baidu signs the host).
	newRequest := func(w int) requestFunc { return makers[w%len(makers)](w) }
	if isImageshare {
		// A short sequential probe: is the action there, and how large
		// are its answers (the bare server answers as many bytes)?
		probe, err := runLoad(ctx, loadConfig{Addr: addrs[0], Conns: 1, Duration: 300 * time.Millisecond}, makers[0], sc.check)
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
		var wait func() (string, error)
		if isImageshare && o.ProfileDir != "" && c == o.FixedConns && procs[0].AdminURL != "" {
			name := fileName(sr.Spec.Name + "-" + sr.targetKey() + "-" + sc.Name)
			wait = startProfile(ctx, procs[0], o.ProfileDir, name, o.Warmup, o.Duration)
		}
		selfBefore, srvBefore := cpuSeconds(os.Getpid()), cpuOf(procs)
		r, err := runLoad(ctx, loadConfig{Addrs: addrs, Conns: c, Warmup: o.Warmup, Duration: o.Duration}, newRequest, check)
		if err != nil {
			return err
		}
		wall := (o.Warmup + o.Duration).Seconds()
		m := &measurement{loadResult: *r,
			ServerCPU: (cpuOf(procs) - srvBefore) / wall, ClientCPU: (cpuSeconds(os.Getpid()) - selfBefore) / wall}
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
		if wait != nil {
			path, err := wait()
			if err != nil {
				return fmt.Errorf("%s: CPU profile: %w", sc.Name, err)
			}
			res.Profile = path
			if err := profileTop(ctx, procs[0].cmd.Path, path); err != nil {
				say("    %v", err)
			}
			say("    CPU profile %s", path)
		}
	}
	return nil
}

// cpuOf is the CPU time the processes have used together.
func cpuOf(procs []*process) float64 {
	var t float64
	for _, p := range procs {
		t += cpuSeconds(p.Pid())
	}
	return t
}
