package seed_test

import (
	"context"
	"os"
	"testing"

	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/seed"
	"github.com/imageshare/imageshare/sqlite"
)

// FuzzParseApply: any bytes parse or are refused without a panic; a file
// that parses is applied to a fresh store or refused with an error, and a
// file that applies applies again without changing anything. Seeded with
// the demo data, the README's example shape and a few hostile ones.
func FuzzParseApply(f *testing.F) {
	demo, err := os.ReadFile("demo.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(demo)
	for _, s := range []string{
		"regions: [cn-wlcb, bj]\naccounts:\n  - {id: 10001, name: a@example.com, keys: [{public_key: AK, private_key: SK}]}\nimages:\n  - {id: img-1, region: cn-wlcb, owner: 10001, type: Custom, status: Available, name: \"'; DROP TABLE images; --\"}\nshares:\n  - {image: img-1, account: 10001}\n",
		`{"accounts":[{"id":1,"name":"x"}],"images":[{"id":"i","region":"bj","type":"System","name":"n"}]}`,
		"instances:\n  - {id: uhost-1, owner: 1, region: cn-wlcb, gpu_type: \"4090\"}\n",
		"accounts: &a [{id: 1, name: x}]\nshares: *a\n",
		"images:\n  - {id: i, region: nowhere, type: Bogus, status: Gone}\n",
		"regions: [\"\"]\n",
		"unknown: key\n",
		"- a\n- b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := seed.Parse(data)
		if err != nil {
			return
		}
		// Opening a store costs milliseconds: only files with something
		// to apply, and not too much, are worth one.
		if n := len(file.Accounts) + len(file.Images) + len(file.Shares) + len(file.Instances) + len(file.Regions); n == 0 || n > 200 {
			return
		}
		ctx := context.Background()
		st, err := sqlite.Open(ctx, ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		svc := core.New(st, core.Config{})
		if err := seed.Apply(ctx, svc, file); err != nil {
			return
		}
		before := snapshot(t, st)
		if err := seed.Apply(ctx, svc, file); err != nil {
			t.Fatalf("a file that applied once fails the second time: %v", err)
		}
		if after := snapshot(t, st); after != before {
			t.Fatalf("applying the file again changed the store:\n%s\n---\n%s", before, after)
		}
	})
}
