package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/baidubce/bce-sdk-go/services/bcc"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// resendTransport sends each write's first attempt to the first replica
// and throws its answer away (a network error to the SDK, which resends
// the identical request); the resend goes to the last replica. between
// runs after the first attempt, before the resend.
type resendTransport struct {
	mu       sync.Mutex
	replicas []*url.URL
	attempts int
	between  func()
}

func (rt *resendTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		return http.DefaultTransport.RoundTrip(r)
	}
	rt.mu.Lock()
	rt.attempts++
	first := rt.attempts == 1
	rt.mu.Unlock()
	to := rt.replicas[len(rt.replicas)-1]
	if first {
		to = rt.replicas[0]
	}
	r2 := r.Clone(r.Context())
	// The Host the SDK signed travels unchanged, as behind a load balancer.
	r2.Host = r.URL.Host
	r2.URL.Scheme, r2.URL.Host = to.Scheme, to.Host
	if r.GetBody != nil {
		body, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		r2.Body = body
	}
	resp, err := http.DefaultTransport.RoundTrip(r2)
	if err != nil || !first {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if rt.between != nil {
		rt.between()
	}
	return nil, errors.New("connection reset by peer (simulated)")
}

// TestBaidu_ResendGetsTheFirstAnswer: a resent write is answered with
// exactly what its first attempt got, on any replica (two PostgreSQL
// replicas under IMAGESHARE_TEST_DB=postgres), and is not run again
// (finding 7 of issue 17: a resent DELETE that got 404 on another
// tenant's image, and a resent share that got 409, answered 200).
func TestBaidu_ResendGetsTheFirstAnswer(t *testing.T) {
	replicas := 1
	if apptest.StoreKind() == "postgres" {
		replicas = 2
	}
	dsn := apptest.StoreDSN(t)
	var servers []*apptest.Server
	var urls []*url.URL
	for range replicas {
		s := apptest.Start(t, func(c *app.Config) { c.DB = dsn })
		servers = append(servers, s)
		u, err := url.Parse(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, u)
	}
	srv := servers[0]
	owner, key := srv.Account(t, "owner@example.com")
	other, otherKey := srv.Account(t, "other@example.com")
	alice, _ := srv.Account(t, "alice@example.com")
	plain := baiduClient(t, srv, key)
	resending := func(k *imageshare.AccessKey, between func()) (*bcc.Client, *resendTransport) {
		rt := &resendTransport{replicas: urls, between: between}
		c := baiduClient(t, srv, k)
		c.HTTPClient = &http.Client{Transport: rt, Timeout: 30 * time.Second}
		return c, rt
	}
	exists := func(id string) bool {
		_, err := srv.Store.FindImageByID(context.Background(), id)
		return err == nil
	}

	t.Run("DeleteOfAnotherTenantsImage", func(t *testing.T) {
		im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
		c, rt := resending(otherKey, nil)
		wantBceError(t, c.DeleteImage(im.ID), "NoSuchObject", 404)
		if rt.attempts != 2 || !exists(im.ID) {
			t.Fatalf("attempts %d, image there %v: want a resend and the image kept", rt.attempts, exists(im.ID))
		}
	})
	t.Run("ShareAlreadyShared", func(t *testing.T) {
		im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
		baiduOK(t, plain.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
		c, rt := resending(key, nil)
		wantBceError(t, c.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}), "Image.AccountHasBeenShared", 409)
		if rt.attempts != 2 {
			t.Fatalf("attempts %d, want a resend", rt.attempts)
		}
	})
	t.Run("RefusedDeleteNotRunAgain", func(t *testing.T) {
		// The first attempt is refused because the image is shared; the
		// share is gone before the resend, which still gets the refusal
		// and deletes nothing.
		im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
		baiduOK(t, plain.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
		c, _ := resending(key, func() {
			baiduOK(t, plain.UnShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
		})
		wantBceError(t, c.DeleteImage(im.ID), "Image.ImageHasBeenSharedToOthers", 409)
		if !exists(im.ID) {
			t.Fatal("the resend of a refused delete deleted the image")
		}
	})
	t.Run("AppliedShareAnswersSuccess", func(t *testing.T) {
		im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
		c, rt := resending(key, nil)
		baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: other.Name}))
		if rt.attempts != 2 {
			t.Fatalf("attempts %d, want a resend", rt.attempts)
		}
		if got := sharedUsers(t, plain, im.ID); len(got) != 1 || got[0].Account != other.Name {
			t.Fatalf("users = %v, want %s", got, other.Name)
		}
	})
}
