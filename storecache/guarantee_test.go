package storecache_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres/pgtest"
	"github.com/imageshare/imageshare/sqlite"
	"github.com/imageshare/imageshare/storecache"
)

var at = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seedKey makes account 1 with the enabled key PUB1, and image img1 of it
// shared with account 2.
func seedKey(t testing.TB, st imageshare.Store) {
	t.Helper()
	must(t, st.CreateAccount(ctx, &imageshare.Account{ID: 1, Name: "one@example.com", CreatedAt: at}))
	must(t, st.CreateAccount(ctx, &imageshare.Account{ID: 2, Name: "two@example.com", CreatedAt: at}))
	must(t, st.CreateAccessKey(ctx, &imageshare.AccessKey{PublicKey: "PUB1", PrivateKey: "priv", AccountID: 1, Enabled: true, CreatedAt: at}))
	must(t, st.CreateImage(ctx, &imageshare.Image{ID: "img1", Region: "cn-wlcb", OwnerID: 1, Type: imageshare.ImageCustom,
		Status: imageshare.StatusAvailable, Name: "one", CreatedAt: at, Tags: []string{}}))
	_, err := st.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img1", Add: []int64{2}, By: 1, At: at})
	must(t, err)
}

// warm reads PUB1 through c until the cache answers (checked through
// the hit counter, so the test proves the cache held it): the first read
// fills it, the second one's check may drop it for the writes that made
// it (their log rows), the third is a hit.
func warm(t *testing.T, c *storecache.Store) {
	t.Helper()
	for range 3 {
		k, err := c.FindAccessKey(ctx, "PUB1")
		if err != nil || !k.Enabled {
			t.Fatalf("FindAccessKey = %+v, %v", k, err)
		}
	}
	if c.Stats().Hits == 0 {
		t.Fatal("the second read was not a cache hit")
	}
}

// TestSecondHandleDisableRefusedAtOnce: a key disabled through a second
// store handle on the same SQLite file (what the admin CLI does while
// serve runs) is disabled on the cached store's very next call.
func TestSecondHandleDisableRefusedAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.db")
	c := wrap(t, openSQLite(t, path), 0)
	seedKey(t, c)
	warm(t, c)
	cli := openSQLite(t, path)
	defer cli.Close()
	must(t, cli.SetAccessKeyEnabled(ctx, "PUB1", false))
	if k, err := c.FindAccessKey(ctx, "PUB1"); err != nil || k.Enabled {
		t.Fatalf("FindAccessKey after the CLI disabled the key = %+v, %v; want it disabled", k, err)
	}
	// A share removed through the CLI handle is gone from the next list.
	_, _, n, err := c.FindImageShares(ctx, "img1", 1, imageshare.Page{Limit: 10})
	if err != nil || n != 1 {
		t.Fatalf("FindImageShares = %d, %v", n, err)
	}
	_, err = cli.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img1", Remove: []int64{2}, By: 1, At: at})
	must(t, err)
	if _, _, n, err := c.FindImageShares(ctx, "img1", 1, imageshare.Page{Limit: 10}); err != nil || n != 0 {
		t.Fatalf("FindImageShares after the CLI unshared = %d, %v; want 0", n, err)
	}
}

// TestReplicasPostgres: two replicas (two stores on one database, each
// with its caches). A key disabled, a policy attached and a user disabled
// on one, acknowledged, are seen by the other's next call.
func TestReplicasPostgres(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	dsn := pgtest.NewSchema(t)
	a := wrap(t, openPostgres(t, dsn), 0)
	b := wrap(t, openPostgres(t, dsn), 0)
	seedKey(t, a)
	warm(t, b)
	must(t, a.SetAccessKeyEnabled(ctx, "PUB1", false))
	if k, err := b.FindAccessKey(ctx, "PUB1"); err != nil || k.Enabled {
		t.Fatalf("replica b after a disabled the key: %+v, %v", k, err)
	}

	u := &imageshare.User{AccountID: 1, Name: "dev", Enabled: true, CreatedAt: at}
	must(t, a.CreateUser(ctx, u))
	p := &imageshare.Policy{AccountID: 1, Name: "all", Description: "d",
		Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, CreatedAt: at}
	must(t, a.CreatePolicy(ctx, p))
	for range 3 { // the third from b's cache
		pr, err := b.LoadPrincipal(ctx, u.ID)
		if err != nil || len(pr.Policies) != 0 {
			t.Fatalf("LoadPrincipal = %+v, %v", pr, err)
		}
	}
	v, err := b.RAMVersion(ctx)
	must(t, err)
	must(t, a.AttachPolicy(ctx, imageshare.Attachment{PolicyID: p.ID, PrincipalType: imageshare.PrincipalUser, PrincipalID: u.ID, AttachedAt: at}, 10))
	if v2, err := b.RAMVersion(ctx); err != nil || v2 <= v {
		t.Fatalf("RAMVersion on b after a attached a policy = %d, %v; want above %d", v2, err, v)
	}
	if pr, err := b.LoadPrincipal(ctx, u.ID); err != nil || len(pr.Policies) != 1 {
		t.Fatalf("LoadPrincipal on b after a attached a policy = %+v, %v", pr, err)
	}
	must(t, a.SetUserEnabled(ctx, u.ID, false))
	if pr, err := b.LoadPrincipal(ctx, u.ID); err != nil || pr.User.Enabled {
		t.Fatalf("LoadPrincipal on b after a disabled the user = %+v, %v", pr.User, err)
	}
}

// pausing is a SQLite store whose next FindAccessKey, once armed, reads
// the key and then waits for release before answering: a read that
// overlaps a write.
type pausing struct {
	*sqlite.Store
	mu      sync.Mutex
	armed   bool
	read    chan struct{}
	release chan struct{}
}

func (p *pausing) FindAccessKey(ctx context.Context, pub string) (*imageshare.AccessKey, error) {
	k, err := p.Store.FindAccessKey(ctx, pub)
	p.mu.Lock()
	armed := p.armed
	p.armed = false
	p.mu.Unlock()
	if armed {
		close(p.read)
		<-p.release
	}
	return k, err
}

// TestFillRaceNeverLeavesStale: a read that began before a key was
// disabled, and returns after the disable was applied to the cache, does
// not put its stale answer in the cache: the next call sees the key
// disabled. Without the generation check, that call hits the stale entry
// (its check finds nothing new in the log to drop it with).
func TestFillRaceNeverLeavesStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.db")
	p := &pausing{Store: openSQLite(t, path), read: make(chan struct{}), release: make(chan struct{})}
	c := wrap(t, p, 0)
	seedKey(t, c)
	for range 2 { // account 1 cached: reading it again runs a check
		_, err := c.FindAccountByID(ctx, 1)
		must(t, err)
	}
	p.mu.Lock()
	p.armed = true
	p.mu.Unlock()
	done := make(chan *imageshare.AccessKey)
	go func() {
		k, _ := c.FindAccessKey(ctx, "PUB1") // a miss: read from the store
		done <- k
	}()
	<-p.read // the slow read has the enabled key
	cli := openSQLite(t, path)
	defer cli.Close()
	must(t, cli.SetAccessKeyEnabled(ctx, "PUB1", false))
	// This call's check applies the disable (dropping the key's group).
	if _, err := c.FindAccountByID(ctx, 1); err != nil {
		t.Fatal(err)
	}
	close(p.release)
	if k := <-done; k == nil || !k.Enabled {
		t.Fatalf("the slow read answered %+v; want the enabled key it read", k)
	}
	// Its fill was refused: nothing new is in the log, yet the key is
	// disabled.
	if k, err := c.FindAccessKey(ctx, "PUB1"); err != nil || k.Enabled {
		t.Fatalf("FindAccessKey after the slow fill = %+v, %v; want it disabled", k, err)
	}
}

// TestCopiesOut: a caller changing what it was given does not change the
// cache (Authenticate sets AccessKey.RAMVersion on the key it reads).
func TestCopiesOut(t *testing.T) {
	c := wrap(t, openSQLite(t, filepath.Join(t.TempDir(), "c.db")), 0)
	seedKey(t, c)
	for range 2 { // past the seed's log rows
		c.FindAccessKey(ctx, "PUB1")
		c.FindImageByID(ctx, "img1")
	}
	k, _ := c.FindAccessKey(ctx, "PUB1")
	k.Enabled, k.RAMVersion = false, 99
	im, _ := c.FindImageByID(ctx, "img1")
	im.Tags = append(im.Tags, "x")
	im.Name = "changed"
	if k, _ := c.FindAccessKey(ctx, "PUB1"); !k.Enabled || k.RAMVersion != 0 {
		t.Fatalf("cached key changed by its caller: %+v", k)
	}
	if im, _ := c.FindImageByID(ctx, "img1"); im.Name != "one" || len(im.Tags) != 0 {
		t.Fatalf("cached image changed by its caller: %+v", im)
	}
	if c.Stats().Hits < 2 {
		t.Fatal("the reads were not cache hits")
	}
}

// TestEvictionBound: the caches hold about their budget, however much is
// read through them.
func TestEvictionBound(t *testing.T) {
	const budget = 256 << 10
	c := wrap(t, openSQLite(t, filepath.Join(t.TempDir(), "e.db")), budget)
	b := c.Store.(*sqlite.Store).NewBulkLoader(0)
	for i := 1; i <= 4000; i++ {
		must(t, b.Account(ctx, &imageshare.Account{ID: int64(i), Name: fmt.Sprintf("u%d@example.com", i), CreatedAt: at}))
		must(t, b.AccessKey(ctx, &imageshare.AccessKey{PublicKey: fmt.Sprintf("PUB%d", i), PrivateKey: "priv", AccountID: int64(i), Enabled: true, CreatedAt: at}))
	}
	must(t, b.Close(ctx))
	for i := 1; i <= 4000; i++ {
		if _, err := c.FindAccessKey(ctx, fmt.Sprintf("PUB%d", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.FindAccountByID(ctx, int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	st := c.Stats()
	if st.Bytes > budget || st.Evictions == 0 {
		t.Fatalf("after 8000 reads: %d bytes held (budget %d), %d evictions", st.Bytes, budget, st.Evictions)
	}
	if st.Entries < budget/1024 { // an access key or account is counted as well under 1 KiB
		t.Fatalf("only %d entries held within %d bytes", st.Entries, budget)
	}
}
