package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"imageshare/internal/childproc"
	"imageshare/internal/ucloudclient"
)

// crashSeed writes a seed with one owner, consumers and images to share.
func crashSeed(t *testing.T, images, consumers int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("accounts:\n  - {id: 1, name: owner@example.com, keys: [{public_key: crash-owner, private_key: crash-owner-secret}]}\n")
	for i := 0; i < consumers; i++ {
		fmt.Fprintf(&b, "  - {id: %d, name: consumer%d@example.com}\n", 100+i, i)
	}
	b.WriteString("images:\n")
	for i := 0; i < images; i++ {
		fmt.Fprintf(&b, "  - {id: crash-image-%d, region: cn-wlcb, owner: 1, type: Custom, name: crash %d}\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pairState is what the acknowledged history says about one (image,
// account) share: shared or not, or unknown while a call was in flight
// when the server died (it may or may not have committed).
type pairState struct {
	shared  bool
	unknown bool
}

// TestCrash_AcknowledgedSharesSurviveSIGKILL runs the real binary, streams
// share changes from several clients, SIGKILLs the server at a random
// moment, restarts it on the same SQLite file and checks that every
// acknowledged change is there.
func TestCrash_AcknowledgedSharesSurviveSIGKILL(t *testing.T) {
	cycles := 3
	if !testing.Short() && os.Getenv("IMAGESHARE_CRASH_CYCLES") != "" {
		fmt.Sscan(os.Getenv("IMAGESHARE_CRASH_CYCLES"), &cycles)
	}
	const images, consumers, clients = 4, 8, 4
	seed := crashSeed(t, images, consumers)
	db := "sqlite:" + filepath.Join(t.TempDir(), "crash.db")

	state := map[string]*pairState{} // "image/account"
	key := func(img int, acct int64) string { return fmt.Sprintf("crash-image-%d/%d", img, acct) }
	for i := 0; i < images; i++ {
		for a := 0; a < consumers; a++ {
			state[key(i, int64(100+a))] = &pairState{}
		}
	}
	var acked, checked int
	for cycle := 0; cycle < cycles; cycle++ {
		srv := childproc.Start(t, "--db", db, "--seed", seed)
		client := ucloudclient.New(srv.URL, "crash-owner", "crash-owner-secret", ucloudclient.WithRegion("cn-wlcb"))

		verify(t, client, images, consumers, state, &checked)

		var mu sync.Mutex
		var wg sync.WaitGroup
		ctx, cancel := context.WithCancel(context.Background())
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(img int) { // each client owns one image, so its history is sequential
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(cycle), uint64(img)))
				for ctx.Err() == nil {
					acct := int64(100 + rng.IntN(consumers))
					add := rng.IntN(2) == 0
					k := key(img, acct)
					mu.Lock()
					state[k].unknown = true // in flight until acknowledged
					mu.Unlock()
					param := "RemoveAccounts"
					if add {
						param = "AddAccounts"
					}
					err := client.Call(ctx, "ModifyCompShareImageShareAccount", map[string]any{
						"CompShareImageId": fmt.Sprintf("crash-image-%d", img), param: []int64{acct},
					}, nil)
					if err != nil {
						return // the server is gone; this call's outcome stays unknown
					}
					mu.Lock()
					state[k] = &pairState{shared: add}
					acked++
					mu.Unlock()
				}
			}(c)
		}
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
		srv.Kill()
		cancel()
		wg.Wait()
	}
	srv := childproc.Start(t, "--db", db, "--seed", seed)
	client := ucloudclient.New(srv.URL, "crash-owner", "crash-owner-secret", ucloudclient.WithRegion("cn-wlcb"))
	verify(t, client, images, consumers, state, &checked)
	if acked < cycles {
		t.Fatalf("only %d modifications were acknowledged in %d cycles: the test did not exercise the server", acked, cycles)
	}
	t.Logf("%d crash cycles, %d acknowledged modifications, %d share states checked", cycles, acked, checked)
}

// verify reads every image's share list and compares it with the
// acknowledged history; unknown pairs adopt what the server now says.
func verify(t *testing.T, client *ucloudclient.Client, images, consumers int, state map[string]*pairState, checked *int) {
	t.Helper()
	for i := 0; i < images; i++ {
		var out ucloudclient.DescribeCompShareImageShareAccountsResponse
		if err := client.Call(context.Background(), "DescribeCompShareImageShareAccounts",
			map[string]any{"CompShareImageId": fmt.Sprintf("crash-image-%d", i)}, &out); err != nil {
			t.Fatalf("describe crash-image-%d after restart: %v", i, err)
		}
		present := map[string]bool{}
		for _, a := range out.AccountSet {
			present[a.AccountId] = true
		}
		for a := 0; a < consumers; a++ {
			id := int64(100 + a)
			st := state[fmt.Sprintf("crash-image-%d/%d", i, id)]
			got := present[fmt.Sprint(id)]
			if st.unknown {
				st.unknown, st.shared = false, got
				continue
			}
			*checked++
			if got != st.shared {
				t.Errorf("crash-image-%d account %d: shared=%v after restart, acknowledged state says %v", i, id, got, st.shared)
			}
		}
	}
}
