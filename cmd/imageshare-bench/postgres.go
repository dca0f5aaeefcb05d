package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/transfer"
	"github.com/imageshare/imageshare/postgres"
)

// PostgreSQL runs: the same datasets, copied from their SQLite files into
// one database each with the store's own import (app/transfer: COPY
// through pgx, one transaction), served by one or more imageshare
// processes on that database. The server is either one the operator
// names (-pg-dsn, a postgres:// URL whose user may create databases) or
// a cluster of the harness's own under DATA/postgres: initdb on first
// use, started for the run and stopped at its end, kept between runs so
// that a loaded dataset is reused. Unlike scripts/with-postgres.sh, that
// cluster is durable (fsync and synchronous_commit on), as SQLite is in
// these runs (synchronous=FULL).

// pgCluster is the PostgreSQL server of a run.
type pgCluster struct {
	dsn     *url.URL // the maintenance database, where databases are created
	bindir  string   // server binaries (pgbench comes from here or PATH)
	dataDir string   // our own cluster's data directory ("" with -pg-dsn)
	asOwner []string // runuser -u postgres -- when we are root
	Version string
}

// pgInfo is what the report says about the PostgreSQL server.
type pgInfo struct {
	Version  string `json:"version"`
	Server   string `json:"server"` // "own cluster (DIR)" or the DSN without password
	Settings string `json:"settings,omitempty"`
}

// ownClusterSettings are the settings of the harness's own cluster:
// durable commits (the defaults), room for the replicas' pools, and a
// WAL large enough that the 1M import does not checkpoint constantly.
const ownClusterSettings = "-c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB"

// startPostgres connects to -pg-dsn, or starts the harness's own cluster.
func startPostgres(ctx context.Context, o *options, say func(string, ...any)) (*pgCluster, error) {
	c := &pgCluster{bindir: pgBindir()}
	if o.PGDSN != "" {
		u, err := url.Parse(o.PGDSN)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, errors.New("-pg-dsn: want a postgres:// URL")
		}
		c.dsn = u
	} else {
		if c.bindir == "" {
			return nil, errors.New("no PostgreSQL server binaries (install the postgresql package, or give -pg-dsn)")
		}
		if err := c.startOwn(ctx, filepath.Join(o.DataDir, "postgres"), say); err != nil {
			return nil, err
		}
	}
	conn, err := pgx.Connect(ctx, c.dsn.String())
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&c.Version); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *pgCluster) info() *pgInfo {
	i := &pgInfo{Version: c.Version}
	if c.dataDir != "" {
		i.Server, i.Settings = "the harness's own cluster ("+c.dataDir+")", ownClusterSettings
	} else {
		i.Server = c.dsn.Redacted()
	}
	return i
}

// pgBindir finds the server binaries as scripts/with-postgres.sh does.
func pgBindir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return va - vb
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(r)
		}
	}
	return ""
}

// startOwn initialises (once) and starts the cluster in dir on a free
// loopback port. initdb and pg_ctl refuse to run as root: as root they
// run as the postgres user, which owns dir.
func (c *pgCluster) startOwn(ctx context.Context, dir string, say func(string, ...any)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		if exec.Command("id", "postgres").Run() != nil {
			if out, err := exec.Command("useradd", "--system", "--no-create-home", "postgres").CombinedOutput(); err != nil {
				return fmt.Errorf("useradd postgres: %v: %s", err, out)
			}
		}
		if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
			return fmt.Errorf("chown %s: %v: %s", dir, err, out)
		}
		c.asOwner = []string{"runuser", "-u", "postgres", "--"}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	c.dataDir = filepath.Join(abs, "data")
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err != nil {
		say("postgres: initdb %s", c.dataDir)
		_ = os.RemoveAll(c.dataDir)
		if out, err := c.owner(ctx, filepath.Join(c.bindir, "initdb"), "-D", c.dataDir, "-U", "postgres", "-A", "trust",
			"-E", "UTF8", "--locale=C").CombinedOutput(); err != nil {
			return fmt.Errorf("initdb: %v\n%s", err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	logPath := filepath.Join(abs, "server.log")
	opts := fmt.Sprintf("-p %d -k %s %s", port, abs, ownClusterSettings)
	if out, err := c.owner(ctx, filepath.Join(c.bindir, "pg_ctl"), "-D", c.dataDir, "-l", logPath, "-w", "-t", "120",
		"-o", opts, "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, tail(log, 2000))
	}
	c.dsn = &url.URL{Scheme: "postgres", User: url.User("postgres"), Host: fmt.Sprintf("127.0.0.1:%d", port), Path: "/postgres",
		RawQuery: "sslmode=disable"}
	say("postgres: own cluster on %s", c.dsn.Host)
	return nil
}

func tail(b []byte, n int) []byte { return b[max(0, len(b)-n):] }

func (c *pgCluster) owner(ctx context.Context, name string, args ...string) *exec.Cmd {
	argv := append(append(slices.Clone(c.asOwner), name), args...)
	return exec.CommandContext(ctx, argv[0], argv[1:]...)
}

// stop stops the harness's own cluster (a server named by -pg-dsn is left
// alone).
func (c *pgCluster) stop() {
	if c == nil || c.dataDir == "" {
		return
	}
	_ = c.owner(context.Background(), filepath.Join(c.bindir, "pg_ctl"), "-D", c.dataDir, "-m", "fast", "-w", "stop").Run()
}

// dbDSN is the DSN of database name on the cluster.
func (c *pgCluster) dbDSN(name string) string {
	u := *c.dsn
	u.Path = "/" + name
	return u.String()
}

// pgLoad is how a dataset got into PostgreSQL.
type pgLoad struct {
	Database      string  `json:"database"`
	Key           string  `json:"key"` // the SQLite dataset's key (Spec.key)
	LoadSeconds   float64 `json:"load_seconds"`
	VacuumSeconds float64 `json:"vacuum_analyze_seconds"`
	Bytes         int64   `json:"bytes"`
	Rows          int64   `json:"rows"`
	FinishedAt    string  `json:"finished_at"`
	Reused        bool    `json:"reused"`
	// NoFKChecks says the import ran without foreign-key checks.
	NoFKChecks bool `json:"no_fk_checks,omitempty"`
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]`)

// ensureDataset returns the DSN of a database holding spec's dataset,
// loading it from the SQLite file db unless a finished load is there
// (the database's comment holds the load's record).
func (c *pgCluster) ensureDataset(ctx context.Context, spec Spec, db string, say func(string, ...any)) (string, *pgLoad, error) {
	name := "bench_" + nonIdent.ReplaceAllString(strings.ToLower(spec.key()), "_")
	admin, err := pgx.Connect(ctx, c.dsn.String())
	if err != nil {
		return "", nil, err
	}
	defer admin.Close(ctx)
	var comment *string
	err = admin.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	if err == nil && comment != nil {
		var l pgLoad
		if json.Unmarshal([]byte(*comment), &l) == nil && l.Key == spec.key() && l.FinishedAt != "" {
			l.Reused = true
			return c.dbDSN(name), &l, nil
		}
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", nil, err
	}
	// Missing or unfinished: load it again from nothing.
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+ident+` WITH (FORCE)`); err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+ident+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		return "", nil, err
	}
	dsn := c.dbDSN(name)
	say("postgres: loading dataset %s into %s (export from SQLite | import with COPY)", spec.Name, name)
	l := &pgLoad{Database: name, Key: spec.key()}
	start := time.Now()
	// The rows come from a SQLite file whose foreign keys SQLite enforced:
	// the import's session skips PostgreSQL's row-by-row foreign-key
	// checks (session_replication_role=replica, a superuser's setting),
	// which cost most of a load (about 25 s of 26 at 20k images). A
	// server that refuses it gets the import with every check.
	rows, err := copyDataset(ctx, "sqlite:"+db, withParam(dsn, "session_replication_role", "replica"))
	if err != nil {
		say("postgres: a load without foreign-key checks failed (%v); loading with them", err)
		if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+ident+` WITH (FORCE)`); err != nil {
			return "", nil, err
		}
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+ident+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
			return "", nil, err
		}
		start = time.Now()
		rows, err = copyDataset(ctx, "sqlite:"+db, dsn)
	} else {
		l.NoFKChecks = true
	}
	if err == nil && l.NoFKChecks {
		// What the load generator relies on, read back through the store:
		// a migration whose trigger derives data (which the session above
		// does not fire) and that the import does not rebuild shows here.
		if cerr := checkPGDataset(ctx, dsn, spec); cerr != nil {
			return "", nil, fmt.Errorf("dataset %s loaded into postgres without foreign-key checks reads wrong: %w "+
				"(-pg-dsn with a user that is not superuser loads with every check)", spec.Name, cerr)
		}
	}
	if err != nil {
		return "", nil, fmt.Errorf("load dataset %s into postgres: %w", spec.Name, err)
	}
	l.LoadSeconds, l.Rows = time.Since(start).Seconds(), rows
	say("postgres: %d rows in %.1fs; VACUUM ANALYZE", rows, l.LoadSeconds)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	start = time.Now()
	// Statistics and the visibility map, as autovacuum would leave them
	// some time after a load: plans and index-only scans as in service.
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return "", nil, err
	}
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return "", nil, err
	}
	l.VacuumSeconds = time.Since(start).Seconds()
	if err := conn.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&l.Bytes); err != nil {
		return "", nil, err
	}
	l.FinishedAt = time.Now().UTC().Format(time.RFC3339)
	b, _ := json.Marshal(l)
	if _, err := admin.Exec(ctx, `COMMENT ON DATABASE `+ident+` IS `+quoteLiteral(string(b))); err != nil {
		return "", nil, err
	}
	return dsn, l, nil
}

// checkPGDataset reads through the PostgreSQL store what the scenarios
// rely on: an image's owner and shares, a fuzzy catalog query's and a
// publisher's versions.
func checkPGDataset(ctx context.Context, dsn string, spec Spec) error {
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	im, err := st.FindImageByID(ctx, imageID(0))
	if err != nil || im.OwnerID != imageOwner(spec, 0) {
		return fmt.Errorf("image 0: %v", err)
	}
	if _, total, err := st.ListShares(ctx, im.ID, imageshare.Page{}); err != nil || total != sharesOf(spec, 0) {
		return fmt.Errorf("image 0 has %d shares (%v), want %d", total, err, sharesOf(spec, 0))
	}
	_, n, err := st.FindCommunityImages(ctx, imageshare.CommunityFilter{Region: benchRegion, Name: fuzzyQuery(0),
		Statuses: []imageshare.ImageStatus{imageshare.StatusAvailable}, PublicOnly: true})
	if err != nil || n != versionsPerPublisher {
		return fmt.Errorf("fuzzy query %q finds %d versions (%v), want %d", fuzzyQuery(0), n, err, versionsPerPublisher)
	}
	return nil
}

// withParam adds a run-time parameter to a postgres:// DSN.
func withParam(dsn, name, value string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// copyDataset streams the SQLite store's export into the PostgreSQL
// store's import (both app/transfer, the CLI's export/import) and returns
// the rows copied.
func copyDataset(ctx context.Context, from, to string) (int64, error) {
	pr, pw := io.Pipe()
	exported := make(chan error, 1)
	go func() {
		_, err := transfer.Export(ctx, from, pw)
		pw.CloseWithError(err)
		exported <- err
	}()
	stats, err := transfer.Import(ctx, to, pr)
	pr.CloseWithError(errors.New("import ended"))
	if eerr := <-exported; eerr != nil && err == nil {
		err = eerr
	}
	if err != nil {
		return 0, err
	}
	var n int64
	for _, v := range stats {
		n += int64(v)
	}
	return n, nil
}

// pgbenchResult is PostgreSQL's raw read limit on this machine:
// pgbench's select-only script (one primary-key read per transaction).
type pgbenchResult struct {
	Clients int     `json:"clients"`
	Scale   int     `json:"scale"`
	Seconds float64 `json:"seconds"`
	TPS     float64 `json:"tps"`
	Latency float64 `json:"latency_avg_ms"`
}

// pgbenchScale is the pgbench database's scale: 1M account rows.
const pgbenchScale = 10

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
var latLine = regexp.MustCompile(`latency average = ([0-9.]+) ms`)

// pgbench runs `pgbench -S -M prepared` with clients connections for d on
// a database of its own (initialised once), and returns its rate.
func (c *pgCluster) pgbench(ctx context.Context, clients int, d time.Duration) (*pgbenchResult, error) {
	bin := filepath.Join(c.bindir, "pgbench")
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("pgbench"); err != nil {
			return nil, errors.New("pgbench not found")
		}
	}
	admin, err := pgx.Connect(ctx, c.dsn.String())
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	var ready *string
	err = admin.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'bench_pgbench'`).Scan(&ready)
	want := fmt.Sprintf("pgbench scale %d", pgbenchScale)
	dsn := c.dbDSN("bench_pgbench")
	if err != nil || ready == nil || *ready != want {
		if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS bench_pgbench WITH (FORCE)`); err != nil {
			return nil, err
		}
		if _, err := admin.Exec(ctx, `CREATE DATABASE bench_pgbench`); err != nil {
			return nil, err
		}
		if out, err := exec.CommandContext(ctx, bin, "-i", "-q", "-s", strconv.Itoa(pgbenchScale), dsn).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("pgbench -i: %v\n%s", err, out)
		}
		if _, err := admin.Exec(ctx, `COMMENT ON DATABASE bench_pgbench IS `+quoteLiteral(want)); err != nil {
			return nil, err
		}
	}
	secs := max(1, int(d.Round(time.Second).Seconds()))
	out, err := exec.CommandContext(ctx, bin, "-S", "-M", "prepared", "-n", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 2)),
		"-T", strconv.Itoa(secs), dsn).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("pgbench -S: %v\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("pgbench -S: no tps in its output:\n%s", out)
	}
	r := &pgbenchResult{Clients: clients, Scale: pgbenchScale, Seconds: float64(secs)}
	r.TPS, _ = strconv.ParseFloat(string(m[1]), 64)
	if l := latLine.FindSubmatch(out); l != nil {
		r.Latency, _ = strconv.ParseFloat(string(l[1]), 64)
	}
	return r, nil
}

// measureCommits is PostgreSQL's raw durable single-row commits, as
// measureCommits (commits.go) is SQLite's: one INSERT per transaction,
// one after another, for d, on a scratch table of the maintenance
// database (dropped afterwards).
func (c *pgCluster) measureCommits(ctx context.Context, d time.Duration) (*commitResult, error) {
	admin, err := pgx.Connect(ctx, c.dsn.String())
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_commit_probe (id bigint PRIMARY KEY, name text NOT NULL, created_at bigint NOT NULL)`); err != nil {
		return nil, err
	}
	defer admin.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS bench_commit_probe`)
	if _, err := admin.Exec(ctx, `TRUNCATE bench_commit_probe`); err != nil {
		return nil, err
	}
	var lat []time.Duration
	start := time.Now()
	for id := int64(1); time.Since(start) < d; id++ {
		t := time.Now()
		// Outside a transaction block each statement commits on its own.
		if _, err := admin.Exec(ctx, `INSERT INTO bench_commit_probe (id, name, created_at) VALUES ($1, $2, $3)`,
			id, fmt.Sprintf("probe%d@example.com", id), t.UnixNano()); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	took := time.Since(start)
	slices.Sort(lat)
	return &commitResult{Commits: len(lat), Seconds: took.Seconds(), PerSec: float64(len(lat)) / took.Seconds(),
		P50: ms(percentile(lat, 0.5)), P99: ms(percentile(lat, 0.99))}, nil
}
