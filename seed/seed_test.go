package seed_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"imageshare"
	"imageshare/core"
	"imageshare/seed"
	"imageshare/sqlite"
)

func openService(t *testing.T) *core.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return core.New(st, core.Config{})
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
	svc := openService(t)
	ctx := context.Background()
	if err := seed.Apply(ctx, svc, seed.Demo()); err != nil {
		t.Fatal(err)
	}
	first := snapshot(t, svc.Store())
	if err := seed.Apply(ctx, svc, seed.Demo()); err != nil {
		t.Fatal(err)
	}
	if second := snapshot(t, svc.Store()); second != first {
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
	cases := map[string]string{
		"unknown key":           "acounts: []\n",
		"system with owner":     "accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: System, name: n}]\n",
		"custom without owner":  "images: [{id: i, region: r, type: Custom, name: n}]\n",
		"bad type":              "accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Weird, name: n}]\n",
		"bad status":            "accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Custom, status: Gone, name: n}]\n",
		"share system image":    "images: [{id: i, region: r, type: System, name: n}]\naccounts: [{id: 1, name: a}]\nshares: [{image: i, account: 1}]\n",
		"share with owner":      "accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Custom, name: n}]\nshares: [{image: i, account: 1}]\n",
		"share unknown account": "accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Custom, name: n}]\nshares: [{image: i, account: 2}]\n",
		"account without name":  "accounts: [{id: 1}]\n",
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := seed.Parse([]byte(data))
			if err == nil {
				err = seed.Apply(context.Background(), openService(t), f)
			}
			if err == nil {
				t.Fatalf("seed %q was accepted", data)
			}
		})
	}
}
