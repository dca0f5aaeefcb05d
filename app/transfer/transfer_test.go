package transfer

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
	"github.com/imageshare/imageshare/sqlite"
)

var base = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// populate fills a store with one of everything, including the values
// that are easy to lose: nanoseconds, ids past 2^53, floats without an
// exact decimal form, unicode, quotes and NULL owners.
func populate(t *testing.T, s imageshare.Store) {
	t.Helper()
	ctx := context.Background()
	for _, r := range []string{"cn-wlcb", "bj", "cn-hangzhou"} {
		ok(t, s.AddRegion(ctx, r))
	}
	alice := &imageshare.Account{Name: "alice@example.com", CreatedAt: base}
	ok(t, s.CreateAccount(ctx, alice))
	big := &imageshare.Account{ID: 1<<53 + 1, Name: `Bj\örk "b" 'q'@例子.cn`, OrganizationID: 777, CreatedAt: base.Add(1)}
	ok(t, s.CreateAccount(ctx, big))
	carol := &imageshare.Account{Name: "carol@example.com", OrganizationID: 777}
	ok(t, s.CreateAccount(ctx, carol))
	// Two keys created in the same nanosecond, in an order their names do not have.
	for _, k := range []*imageshare.AccessKey{
		{PublicKey: "KZ", PrivateKey: "s1", AccountID: alice.ID, Enabled: true, CreatedAt: base},
		{PublicKey: "KA", PrivateKey: "s2", AccountID: alice.ID, Enabled: false, CreatedAt: base},
		{PublicKey: "KB", PrivateKey: "s3", AccountID: big.ID, Enabled: true, CreatedAt: base.Add(time.Nanosecond)},
	} {
		ok(t, s.CreateAccessKey(ctx, k))
	}
	ok(t, s.CreateInstance(ctx, &imageshare.Instance{ID: "uhost-1", OwnerID: alice.ID, Region: "cn-wlcb", GPUType: "4090", CreatedAt: base}))
	ok(t, s.CreateImage(ctx, &imageshare.Image{ID: "sys-1", Region: "bj", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable,
		Name: "Ubuntu 22.04", Tags: []string{"base"}, OSName: "Ubuntu", OSType: "linux", CreatedAt: base}))
	full := &imageshare.Image{ID: "img-full", Region: "cn-wlcb", OwnerID: alice.ID, Type: imageshare.ImageCustom,
		Status: imageshare.StatusMaking, Name: `My 100%_ "image" \ 'ü'`, Description: "line\nbreak\ttab", SizeMB: 1 << 40,
		Tags: []string{"zeta", "alpha", "alpha"}, CreatedAt: base.Add(2), Readme: "# 标题", Cover: "https://example.com/c.png",
		Author: "Ålice", AuthInfo: 2, AutoStart: true, Container: true, ImageCharge: true, Price: 0.1, IsOfficial: true,
		Visibility: 1, Softwares: imageshare.Software{Applications: []string{"jupyter"}, CUDAVersion: "12.4"},
		SourceGPUType: "4090", SourceInstance: "uhost-1", FailedReason: "none", GroupID: "g-1", VersionName: "v1",
		VersionDesc: "first", CreatedCount: 3, FavoritesCount: 4, ImageUseTime: 5, PublishedAt: base.Add(3), IsPublic: true,
		OSName: "Ubuntu 22.04 64位", OSType: "linux", BuildStartedAt: base.Add(4), BuildDoneAt: base.Add(5),
		OSNameEn: "Ubuntu 22.04 64 bit", OSVersion: "22.04", OSLang: "ENG", Platform: "Ubuntu", Architecture: "arm64",
		BootMode: "UEFI", ImageFamily: "fam", ImageVersion: "v'1", IsSupportIoOptimized: true, IsSupportCloudinit: true,
		KeyTags: []imageshare.Tag{{Key: "env", Value: "prod"}, {Key: "ключ", Value: ""}}}
	ok(t, s.CreateCustomImage(ctx, full, imageshare.Quota{}))
	ok(t, s.CreateCustomImage(ctx, &imageshare.Image{ID: "img-2", Region: "cn-wlcb", OwnerID: alice.ID, Type: imageshare.ImageCustom,
		Status: imageshare.StatusAvailable, Name: "second", Price: 1e-300, CreatedAt: base.Add(6)}, imageshare.Quota{}))
	ok(t, s.CreateVersion(ctx, &imageshare.Image{ID: "ver-1", Region: "cn-wlcb", OwnerID: alice.ID, Type: imageshare.ImageCommunity,
		Status: imageshare.StatusAvailable, Name: "Stable Diffusion XL", Author: "Ålice", GroupID: "g-1", VersionName: "v1",
		Visibility: 1, Price: 2.5, Tags: []string{"aigc"}, CreatedAt: base.Add(7), PublishedAt: base.Add(8)}, "img-full", imageshare.Quota{}))
	_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img-full", Add: []int64{big.ID, carol.ID}, By: alice.ID, At: base.Add(9)})
	ok(t, err)
	ok(t, s.UseNonce(ctx, "live-nonce", time.Now(), time.Now().Add(time.Hour)))
	ok(t, s.UseNonce(ctx, "old-nonce", base, base.Add(time.Minute)))
}

func openSQLiteStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	ok(t, err)
	return s
}

// sqliteRows reads every row of every table of a SQLite file, rowid
// included where there is one, except the FTS index internals and when
// migrations ran. It reads the file directly, independently of the code
// under test.
func sqliteRows(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	ok(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	ok(t, err)
	type tbl struct{ name, ddl string }
	var tbls []tbl
	for rows.Next() {
		var x tbl
		ok(t, rows.Scan(&x.name, &x.ddl))
		tbls = append(tbls, x)
	}
	ok(t, rows.Err())
	rows.Close()
	out := map[string][]string{}
	for _, x := range tbls {
		switch {
		case strings.HasPrefix(x.name, "community_trigrams"), strings.HasPrefix(x.name, "community_words"),
			x.name == "community_search_keys":
			continue // derived search data: its keys depend on write history
		case x.name == "cache_changes":
			continue // the read caches' change log: write history (docs/caching.md)
		case x.name == "schema_migrations":
			out[x.name] = query(t, db, `SELECT version, name FROM schema_migrations ORDER BY version`)
			continue
		}
		// By content: a rowid is not data (the order that matters, access
		// keys created in the same nanosecond, is compared through the
		// store in wantSameStore).
		rows := query(t, db, `SELECT * FROM "`+x.name+`"`)
		slices.Sort(rows)
		out[x.name] = rows
	}
	return out
}

func query(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	ok(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	ok(t, err)
	var out []string
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		ok(t, rows.Scan(ptrs...))
		out = append(out, fmt.Sprintf("%#v", values))
	}
	ok(t, rows.Err())
	return out
}

func export(t *testing.T, dsn string) []byte {
	t.Helper()
	var buf bytes.Buffer
	_, err := Export(context.Background(), dsn, &buf)
	ok(t, err)
	return buf.Bytes()
}

func importInto(t *testing.T, dsn string, stream []byte) Stats {
	t.Helper()
	stats, err := Import(context.Background(), dsn, bytes.NewReader(stream))
	ok(t, err)
	return stats
}

// wantSameRows fails unless two SQLite files hold the same rows.
func wantSameRows(t *testing.T, a, b string) {
	t.Helper()
	ra, rb := sqliteRows(t, a), sqliteRows(t, b)
	if len(ra) < len(tables) {
		t.Fatalf("only %d tables read", len(ra))
	}
	n := 0
	for name, rows := range ra {
		if !slices.Equal(rows, rb[name]) {
			t.Errorf("table %s differs:\n%s\n%s", name, strings.Join(rows, "\n"), strings.Join(rb[name], "\n"))
		}
		n += len(rows)
	}
	if len(ra) != len(rb) {
		t.Errorf("%d tables, then %d", len(ra), len(rb))
	}
	t.Logf("compared %d rows in %d tables", n, len(ra))
}

// wantSameStore compares what two stores answer through the interface.
func wantSameStore(t *testing.T, a, b imageshare.Store) {
	t.Helper()
	ctx := context.Background()
	same := func(what string, x, y any) {
		t.Helper()
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%s differs:\n%#v\n%#v", what, x, y)
		}
	}
	for _, s := range []imageshare.Store{a, b} {
		ok(t, s.Ping(ctx))
	}
	accA, _, err := a.ListAccounts(ctx, imageshare.Page{})
	ok(t, err)
	accB, _, err := b.ListAccounts(ctx, imageshare.Page{})
	ok(t, err)
	same("accounts", accA, accB)
	for _, acc := range accA {
		ka, err := a.ListAccessKeys(ctx, acc.ID)
		ok(t, err)
		kb, err := b.ListAccessKeys(ctx, acc.ID)
		ok(t, err)
		same("keys of "+acc.Name, ka, kb)
	}
	imA, _, err := a.FindImages(ctx, imageshare.ImageFilter{})
	ok(t, err)
	imB, _, err := b.FindImages(ctx, imageshare.ImageFilter{})
	ok(t, err)
	same("images", imA, imB)
	for _, im := range imA {
		sa, _, err := a.ListShares(ctx, im.ID, imageshare.Page{})
		ok(t, err)
		sb, _, err := b.ListShares(ctx, im.ID, imageshare.Page{})
		ok(t, err)
		same("shares of "+im.ID, sa, sb)
	}
	ra, err := a.ListRegions(ctx)
	ok(t, err)
	rb, err := b.ListRegions(ctx)
	ok(t, err)
	same("regions", ra, rb)
	// The derived search data was built again: long and short queries.
	for _, q := range []string{"diffusion", "XL", "ålic"} {
		ca, _, err := a.FindCommunityImages(ctx, imageshare.CommunityFilter{Fuzzy: q})
		ok(t, err)
		cb, _, err := b.FindCommunityImages(ctx, imageshare.CommunityFilter{Fuzzy: q})
		ok(t, err)
		if len(ca) != 1 {
			t.Errorf("search %q in the source found %d images, want 1", q, len(ca))
		}
		same("search "+q, ca, cb)
	}
}

var newAccounts int

// wantUsable checks that a store that received an import works on: a live
// nonce stays used and a new account gets an id past every moved one.
func wantUsable(t *testing.T, s imageshare.Store) {
	t.Helper()
	ctx := context.Background()
	err := s.UseNonce(ctx, "live-nonce", time.Now(), time.Now().Add(time.Minute))
	if imageshare.ErrorReason(err) != imageshare.ReasonNonceUsed {
		t.Errorf("live nonce reuse: err %v, want NonceUsed", err)
	}
	newAccounts++
	acc := &imageshare.Account{Name: fmt.Sprintf("new-%d@example.com", newAccounts)}
	ok(t, s.CreateAccount(ctx, acc))
	if acc.ID <= 1<<53+1 {
		t.Errorf("new account id %d collides with the moved ids", acc.ID)
	}
}

func TestRoundTripSQLiteToSQLite(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	s := openSQLiteStore(t, src)
	populate(t, s)
	ok(t, s.Close())
	stream := export(t, "sqlite:"+src)
	stats := importInto(t, "sqlite:"+dst, stream)
	if stats["images"] != 4 || stats["shares"] != 2 || stats["accounts"] != 3 || stats["nonces"] != 2 || stats["image_key_tags"] != 2 {
		t.Errorf("imported %v", stats)
	}
	wantSameRows(t, src, dst)
	a, b := openSQLiteStore(t, src), openSQLiteStore(t, dst)
	defer a.Close()
	defer b.Close()
	wantSameStore(t, a, b)
	wantUsable(t, b)
}

// TestRoundTripSQLitePostgresSQLite moves a deployment to PostgreSQL and
// back, and compares every row of the first and last SQLite files, the
// PostgreSQL rows with the first file, and what the stores answer.
func TestRoundTripSQLitePostgresSQLite(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	dir := t.TempDir()
	first, last := filepath.Join(dir, "first.db"), filepath.Join(dir, "last.db")
	pg := pgtest.NewSchema(t)
	s := openSQLiteStore(t, first)
	populate(t, s)
	ok(t, s.Close())

	toPG := export(t, "sqlite:"+first)
	importInto(t, pg, toPG)
	wantPostgresRows(t, pg, first)
	wantOneFlushLogged(t, pg)
	fromPG := export(t, pg)
	importInto(t, "sqlite:"+last, fromPG)
	wantSameRows(t, first, last)

	a := openSQLiteStore(t, first)
	defer a.Close()
	p, err := postgres.Open(context.Background(), pg)
	ok(t, err)
	defer p.Close()
	wantSameStore(t, a, p)
	b := openSQLiteStore(t, last)
	defer b.Close()
	wantSameStore(t, a, b)
	wantUsable(t, p)
	wantUsable(t, b)
}

// wantOneFlushLogged: an import into PostgreSQL logs one flush in the
// read caches' change log, not a row per loaded row, and leaves the log's
// triggers on (postgres.BeforeImport; docs/caching.md).
func wantOneFlushLogged(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	ok(t, err)
	defer conn.Close(ctx)
	var kinds []string
	rows, err := conn.Query(ctx, `SELECT kind FROM cache_changes ORDER BY id`)
	ok(t, err)
	kinds, err = pgx.CollectRows(rows, pgx.RowTo[string])
	ok(t, err)
	if len(kinds) != 1 || kinds[0] != "*" {
		t.Fatalf("change log after the import: %v, want one flush", kinds)
	}
	var disabled int
	ok(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgname = 'cache_log' AND tgenabled = 'D'`).Scan(&disabled))
	if disabled != 0 {
		t.Fatalf("%d cache_log triggers left disabled after the import", disabled)
	}
}

// wantPostgresRows compares every row of every data table in PostgreSQL
// with the SQLite file's, column by column (booleans as SQLite's 0/1).
func wantPostgresRows(t *testing.T, dsn, path string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	ok(t, err)
	defer conn.Close(ctx)
	db, err := sql.Open("sqlite", "file:"+path)
	ok(t, err)
	defer db.Close()
	n := 0
	for _, tb := range tables {
		order := strings.Join(tb.key, ", ")
		prows, err := conn.Query(ctx, `SELECT * FROM `+tb.name+` ORDER BY `+order)
		ok(t, err)
		var pgRows []map[string]any
		for prows.Next() {
			values, err := prows.Values()
			ok(t, err)
			row := map[string]any{}
			for i, f := range prows.FieldDescriptions() {
				if slices.Contains(postgres.DerivedColumns[tb.name], f.Name) {
					continue
				}
				v := values[i]
				if b, isBool := v.(bool); isBool {
					v = int64(0)
					if b {
						v = int64(1)
					}
				}
				row[f.Name] = v
			}
			pgRows = append(pgRows, row)
		}
		ok(t, prows.Err())
		srows, err := db.Query(`SELECT * FROM "` + tb.name + `" ORDER BY ` + order)
		ok(t, err)
		cols, err := srows.Columns()
		ok(t, err)
		var sqRows []map[string]any
		for srows.Next() {
			values := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range values {
				ptrs[i] = &values[i]
			}
			ok(t, srows.Scan(ptrs...))
			row := map[string]any{}
			for i, c := range cols {
				row[c] = values[i]
			}
			sqRows = append(sqRows, row)
		}
		srows.Close()
		if !reflect.DeepEqual(pgRows, sqRows) {
			t.Errorf("table %s: PostgreSQL has\n%v\nSQLite has\n%v", tb.name, pgRows, sqRows)
		}
		n += len(sqRows)
	}
	t.Logf("compared %d PostgreSQL rows with SQLite", n)
}
