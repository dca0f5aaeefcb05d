package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/sqlite"
)

var ctx = context.Background()

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := open(t, path)
	owner := &imageshare.Account{Name: "owner@example.com"}
	other := &imageshare.Account{Name: "other@example.com"}
	for _, a := range []*imageshare.Account{owner, other} {
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	created := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	if err := s.CreateImage(ctx, &imageshare.Image{ID: "img", OwnerID: owner.ID, Type: imageshare.ImageCustom,
		Name: "persisted", Tags: []string{"b", "a"}, CreatedAt: created}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{other.ID}, By: owner.ID, At: created}); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, "n", created, created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	defer s.Close()
	im, err := s.FindImageByID(ctx, "img")
	if err != nil {
		t.Fatal(err)
	}
	if im.Name != "persisted" || !im.CreatedAt.Equal(created) || len(im.Tags) != 2 || im.Tags[0] != "b" {
		t.Fatalf("reopened image = %+v", im)
	}
	if shared, err := s.IsSharedWith(ctx, "img", other.ID); err != nil || !shared {
		t.Fatalf("share lost across reopen: %v, %v", shared, err)
	}
	err = s.UseNonce(ctx, "n", created.Add(time.Minute), created.Add(2*time.Hour))
	if imageshare.ErrorReason(err) != imageshare.ReasonNonceUsed {
		t.Fatalf("nonce forgotten across reopen: %v", err)
	}
	// Ids keep counting from the stored accounts.
	next := &imageshare.Account{Name: "next@example.com"}
	if err := s.CreateAccount(ctx, next); err != nil {
		t.Fatal(err)
	}
	if next.ID <= other.ID {
		t.Fatalf("next id %d reuses an id at or below %d", next.ID, other.ID)
	}
}

func TestMigrateIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := open(t, path)
	if err := s.CreateAccount(ctx, &imageshare.Account{Name: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path) // Open migrates again
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindAccountByName(ctx, "a@example.com"); err != nil {
		t.Fatalf("data lost by re-migration: %v", err)
	}
	s.Close()

	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, err := filepath.Glob("migration/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	var rows, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != len(files) || distinct != len(files) {
		t.Fatalf("schema_migrations has %d rows (%d versions), want %d", rows, distinct, len(files))
	}
}

func TestOpenPathIsLiteral(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "odd ?name#with%25.db")
	s := open(t, path)
	if err := s.AddRegion(ctx, "bj"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the given path: %v", err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "store.db"))
	defer s.Close()
	const writers = 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	for i := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- s.CreateAccount(ctx, &imageshare.Account{Name: fmt.Sprintf("w%d@example.com", i)})
		}()
		go func() {
			defer wg.Done()
			_, _, err := s.ListAccounts(ctx, imageshare.Page{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, total, err := s.ListAccounts(ctx, imageshare.Page{})
	if err != nil || total != writers {
		t.Fatalf("%d accounts (%v), want %d", total, err, writers)
	}
}

// TestDurableAfterKill runs a child process that acknowledges each write
// on stdout, kills it with SIGKILL mid-stream, and checks that every
// acknowledged write is in the reopened database.
func TestDurableAfterKill(t *testing.T) {
	if path := os.Getenv("SQLITE_KILL_CHILD_DB"); path != "" {
		killChild(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "store.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurableAfterKill$")
	cmd.Env = append(os.Environ(), "SQLITE_KILL_CHILD_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			continue // test framework output
		}
		acked = n
		if acked >= 50 {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if acked < 50 {
		t.Fatalf("child acknowledged only %d writes before it stopped", acked)
	}

	s := open(t, path)
	defer s.Close()
	for i := 0; i <= acked; i++ {
		if _, err := s.FindAccountByName(ctx, fmt.Sprintf("k%d@example.com", i)); err != nil {
			t.Fatalf("acknowledged write %d lost after kill -9: %v", i, err)
		}
	}
}

// killChild writes accounts forever, printing each index once committed.
func killChild(path string) {
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		if err := s.CreateAccount(ctx, &imageshare.Account{Name: fmt.Sprintf("k%d@example.com", i)}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(i)
	}
}

// TestSignatureNoncesSurviveKill runs a child process that records
// signature nonces (committed without an fsync, synchronous=NORMAL) and
// acknowledges each on stdout, kills it with SIGKILL mid-stream, and
// checks that every acknowledged nonce is refused as a replay by the
// reopened store: a crash of the process loses none (they are in the
// page cache), so no floor is needed and none is set.
func TestSignatureNoncesSurviveKill(t *testing.T) {
	if path := os.Getenv("SQLITE_NONCE_CHILD_DB"); path != "" {
		nonceChild(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "store.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignatureNoncesSurviveKill$")
	cmd.Env = append(os.Environ(), "SQLITE_NONCE_CHILD_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			continue // test framework output
		}
		acked = n
		if acked >= 200 {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if acked < 200 {
		t.Fatalf("child acknowledged only %d nonces before it stopped", acked)
	}

	s := open(t, path)
	defer s.Close()
	now := time.Now()
	for i := 0; i <= acked; i++ {
		err := s.UseSignatureNonce(ctx, fmt.Sprintf("aliyun:k:%d", i), now, now, now.Add(time.Hour))
		if imageshare.ErrorReason(err) != imageshare.ReasonNonceUsed {
			t.Fatalf("acknowledged nonce %d after kill -9: %v, want NonceUsed", i, err)
		}
	}
}

// nonceChild records nonces forever, printing each index once recorded.
func nonceChild(path string) {
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		now := time.Now()
		if err := s.UseSignatureNonce(ctx, fmt.Sprintf("aliyun:k:%d", i), now, now, now.Add(time.Hour)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(i)
	}
}
