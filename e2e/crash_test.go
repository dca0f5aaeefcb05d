package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/bce"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/childproc"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// The crash harness runs the real binary as a child process on a store
// that outlives it (a SQLite file, or a PostgreSQL schema under
// IMAGESHARE_TEST_DB=postgres), drives acknowledged changes through every
// dialect from several clients at once, SIGKILLs the server at a random
// moment, restarts it on the same store and checks:
//   - every acknowledged change is there (shares added and removed through
//     UCloud form, UCloud JSON, Alibaba's SDK and Baidu's SDK; images
//     created through UCloud);
//   - no call is half applied: a share call changes a pair of accounts at
//     once, so both members of a pair always agree, even for the calls in
//     flight at the kill; an image whose creation was in flight either
//     does not exist or exists whole, once, with the name it was given.
//
// IMAGESHARE_CRASH_CYCLES sets the number of kills (default 3, the CI
// short mode); the report's figures come from
//
//	IMAGESHARE_CRASH_CYCLES=50 go test ./e2e -run TestCrash -v
//	IMAGESHARE_CRASH_CYCLES=50 IMAGESHARE_TEST_DB=postgres scripts/with-postgres.sh go test ./e2e -run TestCrash -v
const envCrashCycles = "IMAGESHARE_CRASH_CYCLES"

const (
	crashConsumers = 8 // accounts 100..107, changed in pairs (100,101), (102,103), ...
	crashOwner     = 1 // owns every image; one key per client, so each client's history is its own
	crashCreator   = 2 // creates images from its instance
)

// crashImage is one client's image: only that client changes it, so its
// acknowledged history is sequential.
type crashImage struct {
	id, region string
	dialect    string // who changes it: ucloud, ucloud-json, aliyun, baidu
	pairs      bool   // changed two accounts per call (Baidu's share takes one)
}

var crashImages = []crashImage{
	{"crash-uc-form", ucRegion, "ucloud", true},
	{"crash-uc-json", ucRegion, "ucloud-json", true},
	{"crash-aliyun", aliyunRegion, "aliyun", true},
	{"crash-baidu", baiduRegion, "baidu", false},
}

func crashKey(dialect string) (string, string) {
	return "crash-" + dialect, "crash-" + dialect + "-secret"
}

// crashSeed writes the harness's accounts, keys, images and instance.
func crashSeed(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("accounts:\n")
	fmt.Fprintf(&b, "  - {id: %d, name: owner@example.com, keys: [", crashOwner)
	for i, im := range crashImages {
		pub, priv := crashKey(im.dialect)
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "{public_key: %s, private_key: %s}", pub, priv)
	}
	b.WriteString("]}\n")
	pub, priv := crashKey("creator")
	fmt.Fprintf(&b, "  - {id: %d, name: creator@example.com, keys: [{public_key: %s, private_key: %s}]}\n", crashCreator, pub, priv)
	for i := 0; i < crashConsumers; i++ {
		fmt.Fprintf(&b, "  - {id: %d, name: consumer%d@example.com}\n", 100+i, i)
	}
	b.WriteString("images:\n")
	for _, im := range crashImages {
		fmt.Fprintf(&b, "  - {id: %s, region: %s, owner: %d, type: Custom, name: %s}\n", im.id, im.region, crashOwner, im.id)
	}
	fmt.Fprintf(&b, "instances:\n  - {id: crash-host, owner: %d, region: %s, gpu_type: \"4090\"}\n", crashCreator, ucRegion)
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// crashState is what the acknowledged history says. A pair or account is
// unknown while a call on it was in flight at a kill (it may or may not
// have committed); the next check adopts what the server says.
type crashState struct {
	mu      sync.Mutex
	shared  map[string]bool // "image/account" -> shared
	unknown map[string]bool
	created map[string]string // acknowledged image id -> name
	pending map[string]bool   // names of creations in flight at a kill
	acked   int               // acknowledged calls
	checked int               // acknowledged facts checked after restarts
}

func pairKey(image string, account int) string { return image + "/" + strconv.Itoa(account) }

// TestCrash_AcknowledgedChangesSurviveSIGKILL: see the harness comment.
func TestCrash_AcknowledgedChangesSurviveSIGKILL(t *testing.T) {
	cycles := 3
	if s := os.Getenv(envCrashCycles); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a number of cycles", envCrashCycles, s)
		}
		cycles = n
	}
	seed, dsn := crashSeed(t), apptest.StoreDSN(t)
	st := &crashState{shared: map[string]bool{}, unknown: map[string]bool{}, created: map[string]string{}, pending: map[string]bool{}}
	start := func() *childproc.Server {
		// The creator makes images as fast as it can for every cycle: no
		// quota on them, or it would be refused, not killed.
		return childproc.Start(t, "--db", dsn, "--seed", seed, "--build-duration", "0", "--max-custom-images-per-account", "-1")
	}
	for cycle := 0; cycle < cycles; cycle++ {
		srv := start()
		crashVerify(t, srv.URL, st)
		var killed atomic.Bool
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for i, im := range crashImages {
			wg.Add(1)
			go func() {
				defer wg.Done()
				crashShareClient(t, ctx, srv.URL, im, st, rand.New(rand.NewPCG(uint64(cycle), uint64(i))), &killed)
			}()
		}
		wg.Add(1)
		go func() { defer wg.Done(); crashCreateClient(t, ctx, srv.URL, cycle, st, &killed) }()
		time.Sleep(time.Duration(150+rand.IntN(450)) * time.Millisecond)
		killed.Store(true)
		srv.Kill()
		cancel()
		wg.Wait()
	}
	srv := start()
	crashVerify(t, srv.URL, st)
	if st.acked < 4*cycles {
		t.Fatalf("only %d calls were acknowledged in %d cycles: the harness did not exercise the server", st.acked, cycles)
	}
	t.Logf("%d SIGKILL cycles survived (store %s): %d acknowledged calls (share changes through 4 clients, %d image creations), %d acknowledged facts checked after restarts",
		cycles, apptest.StoreKind(), st.acked, len(st.created), st.checked)
}

// crashShareClient toggles pairs (or single accounts) of its image until
// the server dies: add if its state is not-shared, remove otherwise.
func crashShareClient(t *testing.T, ctx context.Context, url string, im crashImage, st *crashState, rng *rand.Rand, killed *atomic.Bool) {
	pub, priv := crashKey(im.dialect)
	var do func(add bool, accounts []int) error
	switch im.dialect {
	case "ucloud", "ucloud-json":
		opts := []ucloudclient.Option{ucloudclient.WithRegion(im.region)}
		if im.dialect == "ucloud-json" {
			opts = append(opts, ucloudclient.WithJSON())
		}
		c := ucloudclient.New(url, pub, priv, opts...)
		do = func(add bool, accounts []int) error {
			param := map[bool]string{true: "AddAccounts", false: "RemoveAccounts"}[add]
			return c.Call(ctx, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.id, param: accounts}, nil)
		}
	case "aliyun":
		c, err := ecs.NewClientWithAccessKey(im.region, pub, priv)
		if err != nil {
			t.Error(err)
			return
		}
		c.Domain = strings.TrimPrefix(url, "http://")
		do = func(add bool, accounts []int) error {
			ids := make([]string, len(accounts))
			for i, a := range accounts {
				ids[i] = strconv.Itoa(a)
			}
			if add {
				return modifyShares(c, im.id, ids, nil)
			}
			return modifyShares(c, im.id, nil, ids)
		}
	case "baidu":
		c := baiduClientWith(t, url, pub, priv)
		c.Config.Retry = bce.NewNoRetryPolicy()
		do = func(add bool, accounts []int) error {
			u := &api.SharedUser{AccountId: strconv.Itoa(accounts[0])}
			if add {
				return c.ShareImage(im.id, u)
			}
			return c.UnShareImage(im.id, u)
		}
	}
	for ctx.Err() == nil {
		accounts := []int{100 + rng.IntN(crashConsumers)}
		if im.pairs {
			first := 100 + 2*rng.IntN(crashConsumers/2)
			accounts = []int{first, first + 1}
		}
		st.mu.Lock()
		add := !st.shared[pairKey(im.id, accounts[0])]
		for _, a := range accounts {
			st.unknown[pairKey(im.id, a)] = true // in flight until acknowledged
		}
		st.mu.Unlock()
		if err := do(add, accounts); err != nil {
			if !killed.Load() && isAPIError(err) {
				t.Errorf("%s on %s refused while the server was up: %v", im.dialect, im.id, err)
			}
			return // the server is gone: this call's outcome stays unknown
		}
		st.mu.Lock()
		for _, a := range accounts {
			st.shared[pairKey(im.id, a)] = add
			delete(st.unknown, pairKey(im.id, a))
		}
		st.acked++
		st.mu.Unlock()
	}
}

// crashCreateClient creates images with unique names until the server dies.
func crashCreateClient(t *testing.T, ctx context.Context, url string, cycle int, st *crashState, killed *atomic.Bool) {
	pub, priv := crashKey("creator")
	c := ucloudclient.New(url, pub, priv, ucloudclient.WithRegion(ucRegion))
	for n := 0; ctx.Err() == nil; n++ {
		name := fmt.Sprintf("crash-created-%d-%d", cycle, n)
		st.mu.Lock()
		st.pending[name] = true
		st.mu.Unlock()
		var out struct{ CompShareImageId string }
		err := c.Call(ctx, "CreateCompShareCustomImage", map[string]any{"UHostId": "crash-host", "Name": name, "Description": "made under fire"}, &out)
		if err != nil {
			if !killed.Load() && isAPIError(err) {
				t.Errorf("create %s refused while the server was up: %v", name, err)
			}
			return
		}
		st.mu.Lock()
		delete(st.pending, name)
		st.created[out.CompShareImageId] = name
		st.acked++
		st.mu.Unlock()
	}
}

// isAPIError reports whether err is an answer of the server (a refusal),
// as opposed to a transport failure.
func isAPIError(err error) bool {
	var se *sdkerrors.ServerError
	var be *bce.BceServiceError
	return ucloudclient.RetCode(err) != 0 || errors.As(err, &se) || errors.As(err, &be)
}

// crashVerify reads every share list and the creator's images through
// UCloud and compares them with the acknowledged history.
func crashVerify(t *testing.T, url string, st *crashState) {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	ctx := context.Background()
	for _, im := range crashImages {
		pub, priv := crashKey(im.dialect)
		c := ucloudclient.New(url, pub, priv, ucloudclient.WithRegion(im.region))
		var out ucloudclient.DescribeCompShareImageShareAccountsResponse
		if err := c.Call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.id}, &out); err != nil {
			t.Fatalf("describe %s after restart: %v", im.id, err)
		}
		present := map[string]bool{}
		for _, a := range out.AccountSet {
			present[a.AccountId] = true
		}
		for a := 100; a < 100+crashConsumers; a++ {
			k, got := pairKey(im.id, a), present[strconv.Itoa(a)]
			if im.pairs && a%2 == 1 && got != present[strconv.Itoa(a-1)] {
				t.Errorf("%s: accounts %d and %d, always changed in one call, disagree after restart (%v, %v): a call was half applied",
					im.id, a-1, a, present[strconv.Itoa(a-1)], got)
			}
			if st.unknown[k] {
				delete(st.unknown, k)
				st.shared[k] = got
				continue
			}
			st.checked++
			if got != st.shared[k] {
				t.Errorf("%s account %d: shared=%v after restart, the acknowledged history says %v", im.id, a, got, st.shared[k])
			}
		}
	}

	pub, priv := crashKey("creator")
	c := ucloudclient.New(url, pub, priv, ucloudclient.WithRegion(ucRegion))
	byName := map[string][]ucloudclient.CompShareImage{}
	for offset := 0; ; offset += 100 {
		var out ucloudclient.DescribeCompShareImagesResponse
		if err := c.Call(ctx, "DescribeCompShareCustomImages", map[string]any{"Offset": offset, "Limit": 100}, &out); err != nil {
			t.Fatalf("list created images after restart: %v", err)
		}
		for _, im := range out.ImageSet {
			byName[im.Name] = append(byName[im.Name], im)
		}
		if len(out.ImageSet) == 0 || offset+len(out.ImageSet) >= out.TotalCount {
			break
		}
	}
	for name, ims := range byName {
		if len(ims) > 1 {
			t.Errorf("%d images named %s after restart: a creation was applied twice", len(ims), name)
		}
		if _, ok := st.created[ims[0].CompShareImageId]; !ok && !st.pending[name] {
			t.Errorf("image %s %q exists, but no creation of that name was ever sent or it was acknowledged under another id", ims[0].CompShareImageId, name)
		}
		if im := ims[0]; im.Description != "made under fire" || im.Owner.AccountId != strconv.Itoa(crashCreator) || (im.Status != "Available" && im.Status != "Making") {
			t.Errorf("image %s is not whole after restart: %+v", im.CompShareImageId, im)
		}
	}
	for name := range st.pending { // in flight at a kill: adopt what exists
		if ims := byName[name]; len(ims) == 1 {
			st.created[ims[0].CompShareImageId] = name
		}
		delete(st.pending, name)
	}
	for id, name := range st.created {
		st.checked++
		ims := byName[name]
		if len(ims) != 1 || ims[0].CompShareImageId != id {
			t.Errorf("acknowledged image %s %q is missing after restart (found %d of that name)", id, name, len(ims))
		}
	}
}
