package e2e

import (
	"context"
	"errors"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// TestRAM_UnparseableForwardedAddressFailsSafe (finding 6 of SECURITY.md):
// behind a trusted proxy (127.0.0.1 here), an X-Forwarded-For hop that is
// not an address ("ip:port", "unknown") leaves the caller's address
// unknown. It must not become the proxy's own address: a Deny on the
// client's network (198.51.100.0/24) then still applies, and an Allow on
// the proxy's network (127.0.0.0/8) does not.
func TestRAM_UnparseableForwardedAddressFailsSafe(t *testing.T) {
	const (
		denyClientNet = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["198.51.100.0/24"]}}}]}`
		allowFromLoop = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["127.0.0.0/8"]}}}]}`
	)
	ctx := context.Background()
	proxies, err := app.ParseTrustedProxies("127.0.0.1/32")
	mustOK(t, err)
	srv := apptest.Start(t, func(c *app.Config) { c.TrustedProxies = proxies })
	owner, _ := srv.Account(t, "")
	im := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Type: imageshare.ImageCustom})
	for name, doc := range map[string]string{"All": ramAll, "DenyClientNet": denyClientNet, "AllowFromLoop": allowFromLoop} {
		_, err := srv.Svc.CreatePolicy(ctx, owner.ID, name, "", doc)
		mustOK(t, err)
	}
	// "denied" has everything allowed except from the client's network;
	// "loop" is allowed from the proxy's network only.
	keys := map[string]*imageshare.AccessKey{}
	for user, policies := range map[string][]string{"denied": {"All", "DenyClientNet"}, "loop": {"AllowFromLoop"}} {
		u, err := srv.Svc.CreateUser(ctx, owner.ID, user)
		mustOK(t, err)
		for _, p := range policies {
			mustOK(t, srv.Svc.AttachPolicy(ctx, owner.ID, p, imageshare.PrincipalUser, user))
		}
		keys[user], err = srv.Svc.CreateUserKey(ctx, u)
		mustOK(t, err)
	}
	call := func(user, xff string) error {
		k := keys[user]
		c := ucloudclient.New(srv.URL, k.PublicKey, k.PrivateKey, ucloudclient.WithRegion(ucRegion))
		req, err := c.NewRequest(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID})
		mustOK(t, err)
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := c.Send(req)
		mustOK(t, err)
		return ucloudclient.Decode(resp, nil)
	}
	denied := func(err error) bool {
		var rc *ucloudclient.RetCodeError
		return errors.As(err, &rc) && rc.RetCode == 175
	}
	// Controls: the policies do what they say for parseable addresses.
	mustOK(t, call("denied", "203.0.113.9"))
	if err := call("denied", "198.51.100.7"); !denied(err) {
		t.Fatalf("from the denied network: %v, want RetCode 175", err)
	}
	if err := call("loop", "203.0.113.9"); !denied(err) {
		t.Fatalf("loop-only user from elsewhere: %v, want RetCode 175", err)
	}
	for _, hop := range []string{"198.51.100.7:5678", "unknown", "198.51.100.7, unknown", "[198.51.100.7]"} {
		if err := call("denied", hop); !denied(err) {
			t.Errorf("Deny on the client's network, X-Forwarded-For %q: %v, want RetCode 175 (an unknown address matches a Deny)", hop, err)
		}
		if err := call("loop", hop); !denied(err) {
			t.Errorf("Allow from the proxy's network, X-Forwarded-For %q: %v, want RetCode 175 (an unknown address is not the proxy's)", hop, err)
		}
	}
}
