package transfer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

// exported populates a fresh SQLite store and returns its DSN and export.
func exported(t *testing.T) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.db")
	s := openSQLiteStore(t, path)
	populate(t, s)
	ok(t, s.Close())
	return "sqlite:" + path, export(t, "sqlite:"+path)
}

func lines(b []byte) []string {
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestExportStream(t *testing.T) {
	_, stream := exported(t)
	ls := lines(stream)
	var h header
	ok(t, json.Unmarshal([]byte(ls[0]), &h))
	if h.Format != FormatName || h.Version != FormatVersion || h.Source != "sqlite" || h.ExportedAt == "" {
		t.Fatalf("header %+v", h)
	}
	var order []string
	var trailer marker
	for _, l := range ls[1:] {
		if strings.HasPrefix(l, "{") {
			var m marker
			ok(t, json.Unmarshal([]byte(l), &m))
			if m.End {
				trailer = m
			} else {
				order = append(order, m.Table)
			}
		}
	}
	var want []string
	for _, tb := range tables {
		want = append(want, tb.name)
	}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("tables %v, want %v", order, want)
	}
	if !trailer.End || trailer.Rows["images"] != 4 || trailer.Rows["image_tags"] != 5 {
		t.Errorf("trailer %+v", trailer)
	}
	// Exact values: ids past 2^53, nanoseconds, floats marked as floats.
	for _, frag := range []string{`9007199254740993`, `1714979289123456789`, `1e-300`, `0.1`, `2.5`, `0.0`} {
		if !bytes.Contains(stream, []byte(frag)) {
			t.Errorf("stream lacks %s", frag)
		}
	}
	if !strings.HasSuffix(ls[len(ls)-1], "}") || !strings.Contains(ls[len(ls)-1], `"end":true`) {
		t.Errorf("last line %q is not the trailer", ls[len(ls)-1])
	}
}

// wantEmpty fails unless the SQLite store at dsn has no accounts.
func wantEmptySQLite(t *testing.T, path string) {
	t.Helper()
	s := openSQLiteStore(t, path)
	defer s.Close()
	_, n, err := s.ListAccounts(context.Background(), imageshare.Page{})
	ok(t, err)
	if n != 0 {
		t.Fatalf("a failed import left %d accounts", n)
	}
}

func TestImportRefusals(t *testing.T) {
	_, stream := exported(t)
	ls := lines(stream)
	for _, tc := range []struct {
		name   string
		stream string
		want   string
	}{
		{"Truncated", strings.Join(ls[:len(ls)-3], "\n"), "truncated"},
		{"WrongCount", strings.Join(ls[:len(ls)-1], "\n") + "\n" + strings.Replace(ls[len(ls)-1], `"images":4`, `"images":5`, 1), "announces 5"},
		{"NotAStream", "hello\n", "header"},
		{"OtherVersion", strings.Replace(ls[0], `"version":1`, `"version":2`, 1) + "\n", "version 2"},
		{"UnknownTable", ls[0] + "\n" + `{"table":"secrets","columns":["x"]}` + "\n", `unknown table "secrets"`},
		{"UnknownColumn", ls[0] + "\n" + `{"table":"regions","columns":["name","planet"]}` + "\n", `no column "planet"`},
		{"FloatIntoInteger", ls[0] + "\n" + `{"table":"accounts","columns":["id","name","organization_id","created_at"]}` + "\n" +
			`[1.5,"a@example.com",1,0]` + "\n", "not an integer"},
		{"NumberIntoText", ls[0] + "\n" + `{"table":"regions","columns":["name"]}` + "\n" + `[7]` + "\n", "number 7 for a column of type text"},
		{"ShortRow", ls[0] + "\n" + `{"table":"accounts","columns":["id","name","organization_id","created_at"]}` + "\n" +
			`[1,"a@example.com"]` + "\n", "2 values for 4 columns"},
		{"DanglingReference", ls[0] + "\n" + `{"table":"access_keys","columns":["public_key","private_key","account_id","enabled","created_at"]}` + "\n" +
			`["K","S",42,1,0]` + "\n" + `{"end":true,"rows":{"access_keys":1}}` + "\n", "FOREIGN KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dst.db")
			_, err := Import(context.Background(), "sqlite:"+path, strings.NewReader(tc.stream))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			wantEmptySQLite(t, path)
		})
	}
	t.Run("NotEmpty", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "dst.db")
		s := openSQLiteStore(t, path)
		ok(t, s.AddRegion(context.Background(), "cn-wlcb"))
		ok(t, s.Close())
		_, err := Import(context.Background(), "sqlite:"+path, bytes.NewReader(stream))
		if err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("err = %v, want not empty", err)
		}
	})
}

// TestBytesSurvive checks text that is not UTF-8 (SQLite keeps it, JSON
// strings cannot) crosses as base64 between SQLite stores, and that
// PostgreSQL, which cannot store it, refuses the whole import.
func TestBytesSurvive(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	s := openSQLiteStore(t, src)
	odd := "caf\xe9\xff@example.com"
	ok(t, s.CreateAccount(context.Background(), &imageshare.Account{Name: odd}))
	ok(t, s.Close())
	stream := export(t, "sqlite:"+src)
	if !bytes.Contains(stream, []byte(`{"base64":`)) {
		t.Fatalf("invalid UTF-8 not carried as base64:\n%s", stream)
	}
	importInto(t, "sqlite:"+dst, stream)
	d := openSQLiteStore(t, dst)
	defer d.Close()
	got, err := d.FindAccountByName(context.Background(), odd)
	ok(t, err)
	if got.Name != odd {
		t.Fatalf("name %q, want %q", got.Name, odd)
	}

	if pgtest.ServerDSN() == "" {
		return
	}
	pg := pgtest.NewSchema(t)
	if _, err := Import(context.Background(), pg, bytes.NewReader(stream)); err == nil {
		t.Fatal("PostgreSQL accepted text that is not UTF-8")
	}
	p, err := postgres.Open(context.Background(), pg)
	ok(t, err)
	defer p.Close()
	if _, n, err := p.ListAccounts(context.Background(), imageshare.Page{}); err != nil || n != 0 {
		t.Fatalf("after a refused import: %d accounts, %v", n, err)
	}
}

// TestExportOneValuePerLine checks every line is one complete JSON value,
// so that the stream can be read line by line.
func TestExportOneValuePerLine(t *testing.T) {
	_, stream := exported(t)
	sc := bufio.NewScanner(bytes.NewReader(stream))
	n := 0
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			t.Fatalf("line %d is not one JSON value: %s", n+1, sc.Bytes())
		}
		n++
	}
	ok(t, sc.Err())
	if n < 20 {
		t.Fatalf("%d lines", n)
	}
}
