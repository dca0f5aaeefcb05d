package dsn_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/internal/dsn"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in         string
		kind       dsn.Kind
		path, conn string
		shown      string
	}{
		{"sqlite:./imageshare.db", dsn.SQLite, "./imageshare.db", "", "sqlite:./imageshare.db"},
		{"sqlite::memory:", dsn.SQLite, ":memory:", "", "sqlite::memory:"},
		{"sqlite:/tmp/a:b@c.db", dsn.SQLite, "/tmp/a:b@c.db", "", "sqlite:/tmp/a:b@c.db"},
		{"postgres://u@db/x", dsn.Postgres, "", "postgres://u@db/x", "postgres://u@db/x"},
		{"postgres://u:secret@db:5432/x?sslmode=disable", dsn.Postgres, "", "postgres://u:secret@db:5432/x?sslmode=disable", "postgres://u:xxxxx@db:5432/x?sslmode=disable"},
		{"postgresql://u@db/x?password=secret&sslmode=disable", dsn.Postgres, "", "postgresql://u@db/x?password=secret&sslmode=disable", "postgresql://u@db/x?password=xxxxx&sslmode=disable"},
		{"host=db user=u password=secret dbname=x", dsn.Postgres, "", "host=db user=u password=secret dbname=x", "host=db user=u password=xxxxx dbname=x"},
		{"host=db password='se cret' dbname=x", dsn.Postgres, "", "host=db password='se cret' dbname=x", "host=db password=xxxxx dbname=x"},
	} {
		d, err := dsn.Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if d.Kind != tc.kind || d.Path != tc.path || d.Conn != tc.conn || d.String() != tc.shown {
			t.Errorf("Parse(%q) = %+v shown %q; want kind %s path %q conn %q shown %q", tc.in, d, d.String(), tc.kind, tc.path, tc.conn, tc.shown)
		}
	}
}

// A DSN that does not parse is quoted in the error without its password,
// whatever its shape: a mistyped scheme, no scheme, a key=value string in
// a URL, a query parameter.
func TestParseErrorsHidePasswords(t *testing.T) {
	for _, in := range []string{
		"postgress://user:secret@host/db",
		"mysql://user:secret@host/db",
		"user:secret@host/db",
		"pg://h/db?password=secret",
		"postgress://user:se@cret@host/db",
		"sqlite:",
		"",
		"imageshare.db",
	} {
		_, err := dsn.Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) accepted it", in)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "cret") {
			t.Errorf("Parse(%q): %q shows the password", in, err)
		}
		if !strings.Contains(err.Error(), "want") {
			t.Errorf("Parse(%q): %q does not say what a DSN looks like", in, err)
		}
	}
}

func TestRedactAndScrub(t *testing.T) {
	for in, want := range map[string]string{
		"postgress://user:secret@host/db":           "postgress://user:xxxxx@host/db",
		"host=x password=secret":                    "host=x password=xxxxx",
		"host=x PASSWORD = secret port=5432":        "host=x PASSWORD = xxxxx port=5432",
		"postgres://u:a@host/db?sslpassword=secret": "postgres://u:xxxxx@host/db?sslpassword=xxxxx",
		"user:secret@host/db":                       "user:xxxxx@host/db",
		"postgres://host:5432/db":                   "postgres://host:5432/db",
		"postgres://user@host:5432/db":              "postgres://user@host:5432/db",
	} {
		if got := dsn.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	d, err := dsn.Parse("host=x user=u password=hunter2 dbname=y")
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("driver said: cannot connect with password hunter2")
	err = d.Scrub(fmt.Errorf("open: %w", cause))
	if strings.Contains(err.Error(), "hunter2") || !errors.Is(err, cause) {
		t.Fatalf("Scrub: %q (wraps the cause: %v)", err, errors.Is(err, cause))
	}
}
