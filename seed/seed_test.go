package seed_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/seed"
	"github.com/imageshare/imageshare/sqlite"
)

func openService(t *testing.T) *core.Service {
	t.Helper()
	svc, _ := openStore(t, core.Config{})
	return svc
}

// openStore returns a service over a fresh SQLite store, and the store for
// the test to look at what a seed wrote.
func openStore(t *testing.T, cfg core.Config) (*core.Service, imageshare.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return core.New(st, cfg), st
}

// snapshot captures everything a seed can create, for comparing before and after.
func snapshot(t *testing.T, st imageshare.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	accounts, _, err := st.ListAccounts(ctx, imageshare.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		keys, err := st.ListAccessKeys(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(a.Name)
		for _, k := range keys {
			b.WriteString(" " + k.PublicKey)
		}
		b.WriteString("\n")
	}
	images, _, err := st.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeAll})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range images {
		shares, _, err := st.ListShares(ctx, im.ID, imageshare.Page{})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(im.ID + " " + im.CreatedAt.String())
		for _, s := range shares {
			b.WriteString(" " + s.AccountName + "@" + s.SharedAt.String())
		}
		b.WriteString("\n")
	}
	regions, _ := st.ListRegions(ctx)
	b.WriteString(strings.Join(regions, ","))
	return b.String()
}

func TestApply_TwiceChangesNothing(t *testing.T) {
	svc, st := openStore(t, core.Config{})
	ctx := context.Background()
	if err := seed.Apply(ctx, svc, seed.Demo()); err != nil {
		t.Fatal(err)
	}
	first := snapshot(t, st)
	if err := seed.Apply(ctx, svc, seed.Demo()); err != nil {
		t.Fatal(err)
	}
	if second := snapshot(t, st); second != first {
		t.Fatalf("second apply changed the store:\nbefore:\n%s\nafter:\n%s", first, second)
	}
	if !strings.Contains(first, "compshareImage-alice-comfy") || !strings.Contains(first, "carol@example.com@") {
		t.Fatalf("demo data incomplete:\n%s", first)
	}
}

func TestReadFile_JSONAndYAMLAgree(t *testing.T) {
	dir := t.TempDir()
	y := "regions: [r1]\naccounts:\n  - id: 7\n    name: a@x\n    keys: [{public_key: P, private_key: S}]\nimages:\n  - {id: i1, region: r1, owner: 7, type: Custom, name: n, tags: [t]}\n"
	j := `{"regions":["r1"],"accounts":[{"id":7,"name":"a@x","keys":[{"public_key":"P","private_key":"S"}]}],"images":[{"id":"i1","region":"r1","owner":7,"type":"Custom","name":"n","tags":["t"]}]}`
	os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(y), 0o600)
	os.WriteFile(filepath.Join(dir, "s.json"), []byte(j), 0o600)
	fy, err := seed.ReadFile(filepath.Join(dir, "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fj, err := seed.ReadFile(filepath.Join(dir, "s.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fy, fj) {
		t.Fatalf("YAML and JSON differ:\n%+v\n%+v", fy, fj)
	}
}

func TestApply_Errors(t *testing.T) {
	// Each file serves region r, so each is refused for its own fault.
	cases := map[string]struct{ data, want string }{
		"unknown key":           {"acounts: []\n", "field acounts not found"},
		"system with owner":     {"accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: System, name: n}]\n", "a System image has no owner"},
		"custom without owner":  {"images: [{id: i, region: r, type: Custom, name: n}]\n", "a Custom image needs an owner"},
		"bad type":              {"accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Weird, name: n}]\n", `type "Weird"`},
		"bad status":            {"accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Custom, status: Gone, name: n}]\n", `status "Gone"`},
		"unknown owner":         {"images: [{id: i, region: r, owner: 9, type: Custom, name: n}]\n", "images[0] (i)"},
		"share system image":    {"images: [{id: i, region: r, type: System, name: n}]\naccounts: [{id: 1, name: a}]\nshares: [{image: i, account: 1}]\n", "only Custom images can be shared"},
		"share with owner":      {"accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Custom, name: n}]\nshares: [{image: i, account: 1}]\n", "cannot be shared with its owner"},
		"share unknown account": {"accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Custom, name: n}]\nshares: [{image: i, account: 2}]\n", "account 2 does not exist"},
		"share unknown image":   {"shares: [{image: nope, account: 2}]\n", "shares[0] (nope → 2)"},
		"account without name":  {"accounts: [{id: 1}]\n", "id (positive) and name are required"},
		"instance unserved":     {"accounts: [{id: 1, name: a}]\ninstances: [{id: h, owner: 1, region: elsewhere}]\n", `region "elsewhere" is not served here`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := seed.Parse([]byte("regions: [r]\n" + tc.data))
			if err == nil {
				err = seed.Apply(context.Background(), openService(t), f)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("seed %q: err = %v, want one saying %q", tc.data, err, tc.want)
			}
		})
	}
}

// A seed shares through the core, so the per-image share cap holds for it
// as for a tenant's call: the share over the cap is refused, by name, with
// the cap in the message, and the shares before it stay.
func TestApply_ShareCap(t *testing.T) {
	svc, st := openStore(t, core.Config{MaxSharesPerImage: 2})
	f, err := seed.Parse([]byte(`regions: [r]
accounts: [{id: 1, name: owner}, {id: 2, name: b}, {id: 3, name: c}, {id: 4, name: d}]
images: [{id: img, region: r, owner: 1, type: Custom, name: n}]
shares: [{image: img, account: 2}, {image: img, account: 3}, {image: img, account: 4}]
`))
	if err != nil {
		t.Fatal(err)
	}
	err = seed.Apply(context.Background(), svc, f)
	const want = "shares[2] (img → 4): image \"img\" may be shared with at most 2 accounts"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	shares, total, err := st.ListShares(context.Background(), "img", imageshare.Page{})
	if err != nil || total != 2 || len(shares) != 2 {
		t.Fatalf("shares after the refused seed: %d (%v), want the first 2", total, err)
	}
}

// Records in a region the deployment does not serve are refused, as a
// tenant's call naming that region is.
func TestApply_UnservedRegion(t *testing.T) {
	f, err := seed.Parse([]byte("regions: [r]\naccounts: [{id: 1, name: a}]\nimages: [{id: i, region: elsewhere, owner: 1, type: Custom, name: n}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = seed.Apply(context.Background(), openService(t), f)
	if err == nil || !strings.Contains(err.Error(), `images[0] (i): region "elsewhere" is not served here`) {
		t.Fatalf("err = %v", err)
	}
}
