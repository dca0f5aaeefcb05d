package sqlstore

import (
	"testing"
	"testing/fstest"
)

func TestReadMigrations(t *testing.T) {
	ms, err := ReadMigrations(fstest.MapFS{
		"m/010_later.sql": {Data: []byte("B")},
		"m/002_first.sql": {Data: []byte("A")},
		"m/README.txt":    {Data: []byte("ignored")},
		"m/sub/003_x.sql": {Data: []byte("not read: a subdirectory")},
	}, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0] != (Migration{2, "first", "A"}) || ms[1] != (Migration{10, "later", "B"}) {
		t.Fatalf("got %+v", ms)
	}
	for name, files := range map[string]fstest.MapFS{
		"unnumbered":     {"m/init.sql": {}},
		"zero version":   {"m/000_x.sql": {}},
		"shared version": {"m/001_a.sql": {}, "m/1_b.sql": {}},
	} {
		if _, err := ReadMigrations(files, "m"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
