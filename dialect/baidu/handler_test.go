package baidu

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

func TestHandler_Authentication(t *testing.T) {
	env := newTestEnv(t)
	owner, key := env.account("owner@example.com")
	_, disabled := env.account("disabled@example.com")
	if err := env.svc.SetKeyEnabled(context.Background(), disabled.PublicKey, false); err != nil {
		t.Fatal(err)
	}
	env.image(&imageshare.Image{ID: "m-auth", OwnerID: owner.ID})
	const target = "/v2/image/m-auth/sharedUsers"

	t.Run("OK", func(t *testing.T) {
		env.serve(env.signer(key).newRequest(t, "GET", target, nil)).expect(t, 200, "")
	})
	t.Run("MissingAuthorization", func(t *testing.T) {
		r := env.signer(key).newRequest(t, "GET", target, nil)
		r.Header.Del("Authorization")
		env.serve(r).expect(t, 400, codeInvalidAuthHeader)
	})
	t.Run("MalformedAuthorization", func(t *testing.T) {
		r := env.signer(key).newRequest(t, "GET", target, nil)
		r.Header.Set("Authorization", "bce-auth-v1/"+key.PublicKey+"/garbage")
		env.serve(r).expect(t, 400, codeInvalidAuthHeader)
	})
	t.Run("UnknownAccessKey", func(t *testing.T) {
		s := env.signer(key)
		s.ak = "AKUNKNOWN"
		env.serve(s.newRequest(t, "GET", target, nil)).expect(t, 403, codeInvalidAccessKeyID)
	})
	t.Run("DisabledKey", func(t *testing.T) {
		env.serve(env.signer(disabled).newRequest(t, "GET", target, nil)).expect(t, 403, codeInvalidAccessKeyID)
	})
	t.Run("WrongSecret", func(t *testing.T) {
		s := env.signer(key)
		s.sk += "x"
		env.serve(s.newRequest(t, "GET", target, nil)).expect(t, 400, codeSignatureDoesNotMatch)
	})
	t.Run("TamperedPath", func(t *testing.T) {
		r := env.signer(key).newRequest(t, "GET", target, nil)
		r.URL.Path = "/v2/image/m-other/sharedUsers"
		env.serve(r).expect(t, 400, codeSignatureDoesNotMatch)
	})
	t.Run("Expired", func(t *testing.T) {
		s := env.signer(key)
		s.ts = env.clock().Add(-1801 * time.Second)
		env.serve(s.newRequest(t, "GET", target, nil)).expect(t, 400, codeRequestExpired)
	})
	t.Run("ExpiredWithWrongSecretIsSignatureError", func(t *testing.T) {
		s := env.signer(key)
		s.ts = env.clock().Add(-2 * time.Hour)
		s.sk += "x"
		env.serve(s.newRequest(t, "GET", target, nil)).expect(t, 400, codeSignatureDoesNotMatch)
	})
	t.Run("ShortExpiryStillValid", func(t *testing.T) {
		s := env.signer(key)
		s.ts = env.clock().Add(-50 * time.Second)
		s.exp = 60
		env.serve(s.newRequest(t, "GET", target, nil)).expect(t, 200, "")
	})
	t.Run("FromTheFuture", func(t *testing.T) {
		s := env.signer(key)
		s.ts = env.clock().Add(time.Hour)
		env.serve(s.newRequest(t, "GET", target, nil)).expect(t, 403, codeRequestTimeTooSkewed)
	})
	t.Run("BodyDoesNotMatchContentMD5", func(t *testing.T) {
		r := env.signer(key).newRequest(t, "POST", shareTarget("m-auth", "share"), []byte(`{"account":"owner@example.com"}`))
		r = cloneRequest(t, r, []byte(`{"account":"ownex@example.com"}`))
		env.serve(r).expect(t, 400, codeBadDigest)
	})
}

// The SDK resends the identical request after a network error or a 5xx:
// the resent share must succeed although the first attempt was applied.
func TestHandler_RetriedRequestsSucceed(t *testing.T) {
	env := newTestEnv(t)
	owner, key := env.account("owner@example.com")
	friend, _ := env.account("friend@example.com")
	env.image(&imageshare.Image{ID: "m-retry", OwnerID: owner.ID})
	body := jsonBody(map[string]string{"accountId": accountIDString(friend)})

	share := env.signer(key).newRequest(t, "POST", shareTarget("m-retry", "share"), body)
	env.serve(cloneRequest(t, share, body)).expect(t, 200, "")
	env.advance(20 * time.Second)
	env.serve(cloneRequest(t, share, body)).expect(t, 200, "")

	// A new request (new x-bce-request-id) sharing again is a duplicate.
	env.serve(env.signer(key).newRequest(t, "POST", shareTarget("m-retry", "share"), body)).expect(t, 409, codeAccountHasBeenShared)

	// A resent request is still subject to expiry.
	env.advance(1800 * time.Second)
	env.serve(cloneRequest(t, share, body)).expect(t, 400, codeRequestExpired)

	unshare := env.signer(key).newRequest(t, "POST", shareTarget("m-retry", "unshare"), body)
	env.serve(cloneRequest(t, unshare, body)).expect(t, 200, "")
	env.serve(cloneRequest(t, unshare, body)).expect(t, 200, "")

	del := env.signer(key).newRequest(t, "DELETE", "/v2/image/m-retry", nil)
	env.serve(cloneRequest(t, del, nil)).expect(t, 200, "")
	env.serve(cloneRequest(t, del, nil)).expect(t, 200, "")
	env.serve(env.signer(key).newRequest(t, "DELETE", "/v2/image/m-retry", nil)).expect(t, 404, codeNoSuchObject)
}

// TestHandler_Routing: every call the dialect does not serve (an unknown
// path, a method not served on a path, a POST naming no served action,
// some of them real BCC calls: RenameImage, CreateImage, RemoteCopyImage)
// gets the one "unsupported" answer, 404 InvalidURI, never NoSuchObject;
// a malformed request keeps its own code.
func TestHandler_Routing(t *testing.T) {
	env := newTestEnv(t)
	owner, key := env.account("owner@example.com")
	env.image(&imageshare.Image{ID: "m-route", OwnerID: owner.ID})
	s := env.signer(key)
	for _, tc := range []struct {
		method, target string
		status         int
		code           string
	}{
		{"GET", "/v2/instances", 404, codeInvalidURI},
		{"GET", "/v2/instance/i-1/other", 404, codeInvalidURI},
		{"GET", "/v2/image/m-route/other", 404, codeInvalidURI},
		{"GET", "/v2/image/m-missing/other", 404, codeInvalidURI},
		{"GET", "/v2/image//sharedUsers", 404, codeInvalidURI},
		{"GET", "/v2/imagex", 404, codeInvalidURI},
		{"GET", "/v1/image", 404, codeInvalidURI},
		{"PUT", "/v2/image?rename", 404, codeInvalidURI},
		{"PUT", "/v2/image/m-route", 404, codeInvalidURI},
		{"GET", "/v2/image/rename", 404, codeInvalidURI},
		{"GET", "/v2/image/m-route/tag", 404, codeInvalidURI},
		{"PUT", "/v2/image/m-route/tag", 404, codeInvalidURI},
		{"DELETE", "/v2/image/m-route/sharedUsers", 404, codeInvalidURI},
		{"POST", "/v2/image/m-route?frobnicate", 404, codeInvalidURI},
		{"POST", "/v2/image/m-route?remoteCopy&share", 400, codeInvalidHTTPRequest},
		{"POST", "/v2/image/m-route?share&unshare", 400, codeInvalidHTTPRequest},
		{"GET", "/v2/image?a=%zz", 400, codeInvalidURI},
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			w := env.serve(s.newRequest(t, tc.method, tc.target, nil))
			w.expect(t, tc.status, tc.code)
		})
	}
}

func TestHandler_ShareBody(t *testing.T) {
	env := newTestEnv(t)
	owner, key := env.account("owner@example.com")
	friend, _ := env.account("friend@example.com")
	env.account("other@example.com")
	fourth, _ := env.account("fourth@example.com")
	fifth, _ := env.account("fifth@example.com")
	env.image(&imageshare.Image{ID: "m-body", OwnerID: owner.ID})
	s := env.signer(key)
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"Malformed", `{"account":`, 400, codeMalformedJSON},
		{"TrailingData", `{"account":"friend@example.com"} {}`, 400, codeMalformedJSON},
		{"NumericAccountID", `{"accountId":` + accountIDString(friend) + `}`, 400, codeInappropriateJSON},
		{"Array", `["friend@example.com"]`, 400, codeInappropriateJSON},
		{"Empty", ``, 400, codeAccountListIsEmpty},
		{"EmptyObject", `{}`, 400, codeAccountListIsEmpty},
		{"BlankFields", `{"account":" ","accountId":""}`, 400, codeAccountListIsEmpty},
		{"NonNumericAccountID", `{"accountId":"abc"}`, 400, codeInvalidAccount},
		{"NegativeAccountID", `{"accountId":"-3"}`, 400, codeInvalidAccount},
		{"UnknownAccountID", `{"accountId":"987654"}`, 400, codeInvalidAccount},
		{"UnknownAccountName", `{"account":"nobody@example.com"}`, 400, codeInvalidAccount},
		{"Owner", `{"accountId":"` + accountIDString(owner) + `"}`, 403, codeCannotShareToOwner},
		{"Everyone", `{"accountId":"all"}`, 400, codeInvalidAccount},
		{"SameAccountBothWays", `{"account":"friend@example.com","accountId":"` + accountIDString(friend) + `"}`, 200, ""},
		{"UcAccount", `{"ucAccount":"other@example.com"}`, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.serve(s.newRequest(t, "POST", shareTarget("m-body", "share"), []byte(tc.body))).expect(t, tc.status, tc.code)
		})
	}
	// As BCC documents, account and accountId given together are
	// de-duplicated: two different accounts are both shared, in one
	// change (when one of them already is, the whole call fails and
	// shares neither); the same account twice is shared once (above).
	env.image(&imageshare.Image{ID: "m-two", OwnerID: owner.ID})
	env.serve(s.newRequest(t, "POST", shareTarget("m-two", "share"), []byte(`{"accountId":"`+accountIDString(friend)+`"}`))).expect(t, 200, "")
	env.serve(s.newRequest(t, "POST", shareTarget("m-two", "share"),
		[]byte(`{"account":"fourth@example.com","accountId":"`+accountIDString(friend)+`"}`))).expect(t, 409, codeAccountHasBeenShared)
	env.serve(s.newRequest(t, "POST", shareTarget("m-two", "share"),
		[]byte(`{"account":"fourth@example.com","accountId":"`+accountIDString(fifth)+`"}`))).expect(t, 200, "")
	var users sharedUsersResult
	env.serve(s.newRequest(t, "GET", "/v2/image/m-two/sharedUsers", nil)).decode(t, &users)
	var got []string
	for _, u := range users.Users {
		got = append(got, u.AccountID)
	}
	if want := []string{accountIDString(friend), accountIDString(fourth), accountIDString(fifth)}; !slices.Equal(got, want) {
		t.Errorf("shared with %q, want %q", got, want)
	}
	// Unshare takes both too.
	env.serve(s.newRequest(t, "POST", shareTarget("m-two", "unshare"),
		[]byte(`{"account":"fourth@example.com","accountId":"`+accountIDString(fifth)+`"}`))).expect(t, 200, "")
	env.serve(s.newRequest(t, "GET", "/v2/image/m-two/sharedUsers", nil)).decode(t, &users)
	if len(users.Users) != 1 || users.Users[0].AccountID != accountIDString(friend) {
		t.Errorf("after unsharing both: %v, want only %s", users.Users, accountIDString(friend))
	}
	t.Run("TooLarge", func(t *testing.T) {
		big := `{"account":"` + strings.Repeat("a", 5000) + `"}`
		env.serve(s.newRequest(t, "POST", shareTarget("m-body", "share"), []byte(big))).expect(t, 413, codeRequestEntityTooLarge)
	})
}
