// Package dsn is the one reader of store DSNs: the server, config check,
// migrate, export and import all parse a DSN here, and print one only as
// Redact (or DSN.String) gives it, so that a password never reaches a
// message or a log, whether the DSN is valid or not.
//
// A DSN is one of (see docs/postgres.md):
//
//	sqlite:PATH                       a SQLite file; PATH ":memory:" is in memory
//	postgres://USER:PASS@HOST/DB?...  a PostgreSQL URL (also postgresql://)
//	host=H user=U password=P dbname=D a PostgreSQL key=value string
package dsn

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kind is the store a DSN names.
type Kind string

const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// DSN is a parsed store DSN.
type DSN struct {
	Kind Kind
	// Path is the SQLite file (Kind SQLite).
	Path string
	// Conn is the PostgreSQL connection string as given, URL or key=value
	// (Kind Postgres), for the driver.
	Conn string

	raw       string
	passwords []string
}

// String is the DSN with its password hidden.
func (d DSN) String() string { return Redact(d.raw) }

// Scrub returns err with the DSN's password, wherever it appears in the
// message, hidden: a driver's error may quote what it was given.
func (d DSN) Scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, p := range d.passwords {
		msg = strings.ReplaceAll(msg, p, hidden)
	}
	if msg == err.Error() {
		return err
	}
	return scrubbed{err: err, msg: msg}
}

// scrubbed keeps the wrapped error for errors.Is and As but not its text.
type scrubbed struct {
	err error
	msg string
}

func (s scrubbed) Error() string { return s.msg }
func (s scrubbed) Unwrap() error { return s.err }

// hidden stands for a password in printed DSNs.
const hidden = "xxxxx"

// Want is the shapes a DSN may take, for messages.
const Want = "sqlite:PATH, postgres://USER@HOST/DB or host=HOST dbname=DB ..."

// keyValue matches the start of a PostgreSQL key=value string.
var keyValue = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// Parse reads a DSN. Its error quotes the DSN redacted, never as given.
func Parse(s string) (DSN, error) {
	d := DSN{raw: s, passwords: passwords(s)}
	switch {
	case s == "":
		return d, errors.New("store DSN is empty: want " + Want)
	case strings.HasPrefix(s, "sqlite:"):
		d.Kind, d.Path = SQLite, strings.TrimPrefix(s, "sqlite:")
		if d.Path == "" {
			return d, fmt.Errorf("store DSN %q names no file: want sqlite:PATH", s)
		}
		return d, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		// The driver checks the rest (an empty host is its default).
		d.Kind, d.Conn = Postgres, s
		return d, nil
	case !strings.Contains(s, "://") && keyValue.MatchString(s):
		d.Kind, d.Conn = Postgres, s
		return d, nil
	}
	return d, fmt.Errorf("store DSN %q: want %s", d, Want)
}

// passwordParam matches a password given as a key=value pair or a query
// parameter (also sslpassword), quoted or not.
var passwordParam = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)`)

// userinfo matches "user:password@" after a scheme, a mistyped one
// included; noScheme matches it in "user:password@host/db". A password
// runs to the last '@': hiding too much beats showing some of it.
var (
	userinfo = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):(.*)@`)
	noScheme = regexp.MustCompile(`^([^:/@=\s]*):(.*)@`)
)

// userinfoOf is the pattern for s's shape.
func userinfoOf(s string) *regexp.Regexp {
	if strings.Contains(s, "://") {
		return userinfo
	}
	return noScheme
}

// passwords returns the passwords s carries.
func passwords(s string) []string {
	if strings.HasPrefix(s, "sqlite:") {
		return nil
	}
	var out []string
	if m := userinfoOf(s).FindStringSubmatch(s); m != nil && m[2] != "" {
		out = append(out, m[2])
	}
	for _, m := range passwordParam.FindAllStringSubmatch(s, -1) {
		if p := strings.Trim(m[2], "'"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Redact returns s with any password it carries hidden, whether or not
// s is a valid DSN.
func Redact(s string) string {
	if strings.HasPrefix(s, "sqlite:") {
		return s
	}
	s = passwordParam.ReplaceAllString(s, "${1}"+hidden)
	return userinfoOf(s).ReplaceAllString(s, "${1}:"+hidden+"@")
}
