package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// End-to-end tests of the UCloud CompShare dialect: a real server on
// loopback, driven by ucloudclient, which encodes, signs and decodes as
// ucloud-sdk-go does (typed responses prove the SDK's strict decoder
// accepts what the server sends).

const ucRegion = "cn-wlcb"

// ucUser is an account with a key and a client signing with it.
type ucUser struct {
	ID   int64
	Name string
	Key  *imageshare.AccessKey
	C    *ucloudclient.Client
	srv  *apptest.Server
}

func newUCUser(t *testing.T, srv *apptest.Server, opts ...ucloudclient.Option) *ucUser {
	t.Helper()
	a, k := srv.Account(t, "")
	u := &ucUser{ID: a.ID, Name: a.Name, Key: k, srv: srv}
	u.C = u.client(opts...)
	return u
}

// client returns another client for u's key.
func (u *ucUser) client(opts ...ucloudclient.Option) *ucloudclient.Client {
	return ucloudclient.New(u.srv.URL, u.Key.PublicKey, u.Key.PrivateKey, append([]ucloudclient.Option{ucloudclient.WithRegion(ucRegion)}, opts...)...)
}

// customImage creates a Custom image owned by u.
func (u *ucUser) customImage(t *testing.T) *imageshare.Image {
	t.Helper()
	return u.srv.Image(t, &imageshare.Image{OwnerID: u.ID, Type: imageshare.ImageCustom})
}

// modify shares id with add and stops sharing it with remove; it fails the
// test on an error and returns InvalidAccounts.
func (u *ucUser) modify(t *testing.T, id string, add, remove []int) []int {
	t.Helper()
	var out ucloudclient.ModifyCompShareImageShareAccountResponse
	err := u.C.Call(context.Background(), "ModifyCompShareImageShareAccount",
		map[string]any{"CompShareImageId": id, "AddAccounts": add, "RemoveAccounts": remove}, &out)
	if err != nil {
		t.Fatalf("ModifyCompShareImageShareAccount(%s, +%v -%v): %v", id, add, remove, err)
	}
	if out.InvalidAccounts == nil {
		t.Fatal("InvalidAccounts is null")
	}
	return out.InvalidAccounts
}

// shared returns the AccountSet of id as the Go SDK decodes it.
func (u *ucUser) shared(t *testing.T, id string) []ucloudclient.Projects {
	t.Helper()
	var out ucloudclient.DescribeCompShareImageShareAccountsResponse
	if err := u.C.Call(context.Background(), "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": id}, &out); err != nil {
		t.Fatalf("DescribeCompShareImageShareAccounts(%s): %v", id, err)
	}
	if out.AccountSet == nil {
		t.Fatal("AccountSet is null")
	}
	return out.AccountSet
}

// sharingImages returns the ids in u's DescribeCompShareSharingImages.
func (u *ucUser) sharingImages(t *testing.T) []ucloudclient.CompShareImage {
	t.Helper()
	var out ucloudclient.DescribeCompShareSharingImagesResponse
	if err := u.C.Call(context.Background(), "DescribeCompShareSharingImages", nil, &out); err != nil {
		t.Fatalf("DescribeCompShareSharingImages: %v", err)
	}
	if out.TotalCount != len(out.ImageSet) {
		t.Errorf("TotalCount %d with %d images", out.TotalCount, len(out.ImageSet))
	}
	return out.ImageSet
}

func (u *ucUser) project() ucloudclient.Projects {
	return ucloudclient.Projects{AccountId: strconv.FormatInt(u.ID, 10), AccountName: u.Name}
}

// ucFail runs a call that must fail and returns its RetCode and Message.
func ucFail(t *testing.T, c *ucloudclient.Client, action string, params map[string]any) (int, string) {
	t.Helper()
	err := c.Call(context.Background(), action, params, nil)
	var rc *ucloudclient.RetCodeError
	if !errors.As(err, &rc) {
		t.Fatalf("%s %v: error %v (%T), want a RetCode error", action, params, err, err)
	}
	if rc.RetCode >= 2000 {
		t.Errorf("%s: RetCode %d is one the SDK retries", action, rc.RetCode)
	}
	return rc.RetCode, rc.Message
}

func TestUCloud_ShareLifecycle(t *testing.T) {
	srv := apptest.Start(t)
	owner, b, c := newUCUser(t, srv), newUCUser(t, srv), newUCUser(t, srv)
	im := owner.customImage(t)

	if got := owner.shared(t, im.ID); len(got) != 0 {
		t.Fatalf("new image shared with %v", got)
	}
	if got := b.sharingImages(t); len(got) != 0 {
		t.Fatalf("b sees %v before any share", got)
	}
	if inv := owner.modify(t, im.ID, []int{int(b.ID), int(c.ID)}, nil); len(inv) != 0 {
		t.Fatalf("InvalidAccounts = %v", inv)
	}
	if got, want := owner.shared(t, im.ID), []ucloudclient.Projects{b.project(), c.project()}; !reflect.DeepEqual(got, want) {
		t.Fatalf("AccountSet = %v, want %v", got, want)
	}
	// Visible at once to the consumer, with its owner.
	got := b.sharingImages(t)
	if len(got) != 1 || got[0].CompShareImageId != im.ID || got[0].Owner != owner.project() || got[0].ImageType != "Custom" {
		t.Fatalf("b's sharing images = %+v", got)
	}
	// Stable order: the same list on every read, in sharing order.
	for range 3 {
		if got, want := owner.shared(t, im.ID), []ucloudclient.Projects{b.project(), c.project()}; !reflect.DeepEqual(got, want) {
			t.Fatalf("AccountSet = %v, want %v", got, want)
		}
	}
	// Gone at once after removal, for that consumer only.
	owner.modify(t, im.ID, nil, []int{int(b.ID)})
	if got := b.sharingImages(t); len(got) != 0 {
		t.Fatalf("b still sees %v after removal", got)
	}
	if got := c.sharingImages(t); len(got) != 1 || got[0].CompShareImageId != im.ID {
		t.Fatalf("c's sharing images = %+v", got)
	}
	if got, want := owner.shared(t, im.ID), []ucloudclient.Projects{c.project()}; !reflect.DeepEqual(got, want) {
		t.Fatalf("AccountSet = %v, want %v", got, want)
	}
}

func TestUCloud_InvalidAccountsApplyTheRest(t *testing.T) {
	srv := apptest.Start(t)
	owner, b, c := newUCUser(t, srv), newUCUser(t, srv), newUCUser(t, srv)
	im := owner.customImage(t)
	const unknown = 987654321

	inv := owner.modify(t, im.ID, []int{unknown, int(owner.ID), int(b.ID), -5}, nil)
	if want := []int{unknown, int(owner.ID), -5}; !reflect.DeepEqual(inv, want) {
		t.Errorf("InvalidAccounts = %v, want %v (request order)", inv, want)
	}
	if got, want := owner.shared(t, im.ID), []ucloudclient.Projects{b.project()}; !reflect.DeepEqual(got, want) {
		t.Fatalf("AccountSet = %v, want only the valid account %v", got, want)
	}
	// Re-adding a shared account and removing an unshared one are no-ops.
	if inv := owner.modify(t, im.ID, []int{int(b.ID)}, []int{int(c.ID)}); len(inv) != 0 {
		t.Errorf("no-op change reported %v", inv)
	}
	if got, want := owner.shared(t, im.ID), []ucloudclient.Projects{b.project()}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after no-ops AccountSet = %v, want %v", got, want)
	}
	// Removing an unknown account is reported too.
	if inv := owner.modify(t, im.ID, nil, []int{unknown}); !reflect.DeepEqual(inv, []int{unknown}) {
		t.Errorf("InvalidAccounts = %v, want [%d]", inv, unknown)
	}
}

func TestUCloud_OwnerOnly(t *testing.T) {
	srv := apptest.Start(t)
	owner, other := newUCUser(t, srv), newUCUser(t, srv)
	im := owner.customImage(t)
	owner.modify(t, im.ID, []int{int(other.ID)}, nil)
	ctx := context.Background()

	calls := []struct {
		action string
		params map[string]any
	}{
		{"DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID}},
		{"ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "AddAccounts": []int{int(other.ID)}}},
		{"ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "RemoveAccounts": []int{int(other.ID)}}},
	}
	// Another tenant's image, even one shared with the caller, and the
	// owner's own image asked for in another region...
	foreign := make([][2]any, len(calls))
	for i, call := range calls {
		code, msg := ucFail(t, other.C, call.action, call.params)
		foreign[i] = [2]any{code, msg}
		if code != 300 {
			t.Errorf("%s on another tenant's image: RetCode %d %q, want 300", call.action, code, msg)
		}
		if code2, msg2 := ucFail(t, owner.client(ucloudclient.WithRegion("bj")), call.action, call.params); code2 != code || msg2 != msg {
			t.Errorf("%s in another region: %d %q, want %d %q", call.action, code2, msg2, code, msg)
		}
	}
	// ...answer exactly like a missing image: delete it and ask again.
	if err := srv.Svc.DeleteImage(ctx, imageshare.Caller{AccountID: owner.ID}, im.ID, "", true); err != nil {
		t.Fatal(err)
	}
	for i, call := range calls {
		if code, msg := ucFail(t, other.C, call.action, call.params); code != foreign[i][0] || msg != foreign[i][1] {
			t.Errorf("%s on a missing image: %d %q, want %v", call.action, code, msg, foreign[i])
		}
	}
	// Nothing changed on the other tenant's side while it was refused.
	if got := other.sharingImages(t); len(got) != 0 {
		t.Errorf("sharing images after delete: %+v", got)
	}
}

func TestUCloud_OnlyCustomShareable(t *testing.T) {
	srv := apptest.Start(t)
	owner, b := newUCUser(t, srv), newUCUser(t, srv)
	community := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Type: imageshare.ImageCommunity})
	platform := srv.Image(t, &imageshare.Image{Type: imageshare.ImageSystem})

	for _, call := range []struct {
		action string
		params map[string]any
	}{
		{"ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": community.ID, "AddAccounts": []int{int(b.ID)}}},
		{"DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": community.ID}},
	} {
		if code, msg := ucFail(t, owner.C, call.action, call.params); code != 301 {
			t.Errorf("%s on a Community image: %d %q, want 301", call.action, code, msg)
		}
	}
	// A platform image is seen by everyone, so the core says it cannot be
	// shared (301), as the Baidu dialect says Image.UnCustomImageCannotBeShared.
	for _, call := range []struct {
		action string
		params map[string]any
	}{
		{"ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": platform.ID, "AddAccounts": []int{int(b.ID)}}},
		{"DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": platform.ID}},
	} {
		if code, msg := ucFail(t, owner.C, call.action, call.params); code != 301 {
			t.Errorf("%s on a platform image: %d %q, want 301", call.action, code, msg)
		}
	}
	if got := b.sharingImages(t); len(got) != 0 {
		t.Errorf("b sees %+v", got)
	}
}

func TestUCloud_ModifyLimits(t *testing.T) {
	srv := apptest.Start(t)
	owner := newUCUser(t, srv)
	im := owner.customImage(t)
	var ten []int
	for range 10 {
		ten = append(ten, int(newUCUser(t, srv).ID))
	}
	eleven := append(append([]int{}, ten...), 987654321)

	tests := []struct {
		name         string
		add, remove  []int
		code         int
		wantInMessge string
	}{
		{"eleven adds", eleven, nil, 302, "at most 10"},
		{"eleven removes", nil, eleven, 302, "at most 10"},
		{"none", nil, nil, 303, "no account"},
		{"empty lists", []int{}, []int{}, 303, "no account"},
		{"add and remove the same", []int{ten[0], ten[1]}, []int{ten[1]}, 304, strconv.Itoa(ten[1])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := ucFail(t, owner.C, "ModifyCompShareImageShareAccount",
				map[string]any{"CompShareImageId": im.ID, "AddAccounts": tt.add, "RemoveAccounts": tt.remove})
			if code != tt.code || !bytes.Contains([]byte(msg), []byte(tt.wantInMessge)) {
				t.Errorf("RetCode %d %q, want %d with %q", code, msg, tt.code, tt.wantInMessge)
			}
			if got := owner.shared(t, im.ID); len(got) != 0 {
				t.Errorf("a refused change applied %v", got)
			}
		})
	}
	// Exactly ten in one call is allowed.
	if inv := owner.modify(t, im.ID, ten, nil); len(inv) != 0 {
		t.Fatalf("InvalidAccounts = %v", inv)
	}
	if got := owner.shared(t, im.ID); len(got) != 10 {
		t.Fatalf("%d accounts shared, want 10", len(got))
	}
}

func TestUCloud_ShareCap(t *testing.T) {
	srv := apptest.Start(t, func(c *app.Config) { c.MaxSharesPerImage = 3 })
	owner := newUCUser(t, srv)
	im := owner.customImage(t)
	var ids []int
	for range 4 {
		ids = append(ids, int(newUCUser(t, srv).ID))
	}
	owner.modify(t, im.ID, ids[:2], nil)
	code, msg := ucFail(t, owner.C, "ModifyCompShareImageShareAccount",
		map[string]any{"CompShareImageId": im.ID, "AddAccounts": ids[2:4]})
	if code != 305 || !bytes.Contains([]byte(msg), []byte("at most 3")) {
		t.Errorf("over the cap: %d %q, want 305 naming the cap", code, msg)
	}
	if got := owner.shared(t, im.ID); len(got) != 2 {
		t.Fatalf("a refused change applied: %v", got)
	}
	// Removing and adding in one call stays within the cap.
	owner.modify(t, im.ID, ids[2:4], ids[:1])
	if got := owner.shared(t, im.ID); len(got) != 3 {
		t.Fatalf("%d shared, want 3", len(got))
	}
}

func TestUCloud_DeleteImageDeletesShares(t *testing.T) {
	srv := apptest.Start(t)
	owner, b := newUCUser(t, srv), newUCUser(t, srv)
	im, kept := owner.customImage(t), owner.customImage(t)
	owner.modify(t, im.ID, []int{int(b.ID)}, nil)
	owner.modify(t, kept.ID, []int{int(b.ID)}, nil)
	if got := b.sharingImages(t); len(got) != 2 {
		t.Fatalf("b sees %d images, want 2", len(got))
	}
	if err := srv.Svc.DeleteImage(context.Background(), imageshare.Caller{AccountID: owner.ID}, im.ID, "", true); err != nil {
		t.Fatal(err)
	}
	if got := b.sharingImages(t); len(got) != 1 || got[0].CompShareImageId != kept.ID {
		t.Fatalf("after delete b sees %+v, want only %s", got, kept.ID)
	}
	if code, _ := ucFail(t, owner.C, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID}); code != 300 {
		t.Errorf("deleted image: RetCode %d, want 300", code)
	}
}

// ucRaw decodes a response body keeping numbers as json.Number, to tell a
// JSON number from a JSON string.
func ucRaw(t *testing.T, resp *ucloudclient.Response) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	return m
}

func TestUCloud_AccountIdEncoding(t *testing.T) {
	const browserUA = "python-requests/2.31"
	tests := []struct {
		setting  string
		ua       string // "" is the Go SDK's
		asString bool
	}{
		{"auto", "", true},
		{"auto", browserUA, false},
		{"", browserUA, false}, // unset means auto
		{"integer", "", false},
		{"integer", browserUA, false},
		{"string", "", true},
		{"string", browserUA, true},
	}
	for _, tt := range tests {
		t.Run(tt.setting+"/"+strconv.Quote(tt.ua), func(t *testing.T) {
			srv := apptest.Start(t, func(c *app.Config) { c.UCloudAccountIDType = tt.setting })
			owner, b := newUCUser(t, srv), newUCUser(t, srv)
			im := owner.customImage(t)
			var opts []ucloudclient.Option
			if tt.ua != "" {
				opts = append(opts, ucloudclient.WithUserAgent(tt.ua))
			}
			c := owner.client(opts...)
			ctx := context.Background()

			resp, err := c.Do(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID})
			if err != nil {
				t.Fatal(err)
			}
			if set, ok := ucRaw(t, resp)["AccountSet"].([]any); !ok || len(set) != 0 {
				t.Fatalf("empty AccountSet is %s, want []", resp.Body)
			}
			owner.modify(t, im.ID, []int{int(b.ID)}, nil)
			resp, err = c.Do(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID})
			if err != nil {
				t.Fatal(err)
			}
			set := ucRaw(t, resp)["AccountSet"].([]any)
			id := set[0].(map[string]any)["AccountId"]
			want := any(json.Number(strconv.FormatInt(b.ID, 10)))
			if tt.asString {
				want = strconv.FormatInt(b.ID, 10)
			}
			if id != want {
				t.Errorf("AccountId = %#v, want %#v", id, want)
			}
			// What the Go SDK's strict decoder makes of it.
			var typed ucloudclient.DescribeCompShareImageShareAccountsResponse
			err = ucloudclient.Decode(resp, &typed)
			var bodyErr *ucloudclient.BodyError
			if tt.asString && err != nil || !tt.asString && !errors.As(err, &bodyErr) {
				t.Errorf("SDK decode: %v", err)
			}
			// InvalidAccounts are numbers whatever the setting ([]int in the SDK).
			resp, err = c.Do(ctx, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "AddAccounts": []int{42424242}})
			if err != nil {
				t.Fatal(err)
			}
			if inv := ucRaw(t, resp)["InvalidAccounts"]; !reflect.DeepEqual(inv, []any{json.Number("42424242")}) {
				t.Errorf("InvalidAccounts = %#v", inv)
			}
			resp, err = c.Do(ctx, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "AddAccounts": []int{int(b.ID)}})
			if err != nil {
				t.Fatal(err)
			}
			if inv, ok := ucRaw(t, resp)["InvalidAccounts"].([]any); !ok || len(inv) != 0 {
				t.Errorf("no invalid accounts gave %s, want []", resp.Body)
			}
		})
	}
}

// JSON bodies (req.SetEncoder(request.NewJSONEncoder(...)) in the SDK)
// work end to end, including lists, null lists and errors.
func TestUCloud_JSONBodies(t *testing.T) {
	srv := apptest.Start(t)
	owner, b := newUCUser(t, srv), newUCUser(t, srv)
	im := owner.customImage(t)
	jc := owner.client(ucloudclient.WithJSON())
	ctx := context.Background()

	var mod ucloudclient.ModifyCompShareImageShareAccountResponse
	if err := jc.Call(ctx, "ModifyCompShareImageShareAccount", map[string]any{
		"CompShareImageId": im.ID, "AddAccounts": []int{int(b.ID), 55555555}, "RemoveAccounts": []int(nil),
	}, &mod); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(mod.InvalidAccounts, []int{55555555}) {
		t.Errorf("InvalidAccounts = %v", mod.InvalidAccounts)
	}
	var desc ucloudclient.DescribeCompShareImageShareAccountsResponse
	if err := jc.Call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID}, &desc); err != nil {
		t.Fatal(err)
	}
	if want := []ucloudclient.Projects{b.project()}; !reflect.DeepEqual(desc.AccountSet, want) {
		t.Errorf("AccountSet = %v, want %v", desc.AccountSet, want)
	}
	var list ucloudclient.DescribeCompShareCustomImagesResponse
	if err := jc.Call(ctx, "DescribeCompShareCustomImages", map[string]any{"Limit": 5, "Offset": 0}, &list); err != nil {
		t.Fatal(err)
	}
	if list.TotalCount != 1 || len(list.ImageSet) != 1 || list.ImageSet[0].CompShareImageId != im.ID {
		t.Errorf("custom images = %+v", list)
	}
	if code, msg := ucFail(t, jc, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "AddAccounts": []string{"abc"}}); code != 230 || msg != `Params [AddAccounts.0] not available: expected an integer, got "abc"` {
		t.Errorf("string in AddAccounts: %d %q", code, msg)
	}
	if code, msg := ucFail(t, jc, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "AddAccounts": 5}); code != 230 {
		t.Errorf("scalar AddAccounts: %d %q", code, msg)
	}
	// A JSON client with another key's signature is refused like a form one.
	bad := ucloudclient.New(srv.URL, owner.Key.PublicKey, "wrong", ucloudclient.WithJSON(), ucloudclient.WithRegion(ucRegion))
	if code, msg := ucFail(t, bad, "DescribeCompShareCustomImages", nil); code != 171 || msg != "Signature VerifyAC Error" {
		t.Errorf("bad JSON signature: %d %q", code, msg)
	}
}

// The SDK also puts ?Action=<Action> in the URL; only the body counts, for
// routing and for the signature, whatever the query says.
func TestUCloud_QueryActionDuplicate(t *testing.T) {
	srv := apptest.Start(t)
	owner, b := newUCUser(t, srv), newUCUser(t, srv)
	im := owner.customImage(t)
	ctx := context.Background()

	req, err := owner.C.NewRequest(ctx, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "AddAccounts": []int{int(b.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("Action", "DescribeCompShareImages")
	q.Set("Signature", "0000000000000000000000000000000000000000")
	q.Set("AddAccounts.0", "1")
	q.Set("Region", "nowhere")
	req.URL.RawQuery = q.Encode()
	resp, err := owner.C.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	var out ucloudclient.ModifyCompShareImageShareAccountResponse
	if err := ucloudclient.Decode(resp, &out); err != nil {
		t.Fatalf("query parameters confused the request: %v", err)
	}
	if out.Action != "ModifyCompShareImageShareAccountResponse" {
		t.Errorf("Action = %q", out.Action)
	}
	if got, want := owner.shared(t, im.ID), []ucloudclient.Projects{b.project()}; !reflect.DeepEqual(got, want) {
		t.Errorf("AccountSet = %v, want %v", got, want)
	}
}

// Every response carries the request id, as the SDK's GetRequestUUID reads it.
func TestUCloud_RequestUUID(t *testing.T) {
	srv := apptest.Start(t)
	u := newUCUser(t, srv)
	seen := map[string]bool{}
	for _, action := range []string{"DescribeCompShareCustomImages", "NoSuchAction"} {
		for range 2 {
			resp, err := u.C.Do(context.Background(), action, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || len(resp.RequestUUID) != 36 || seen[resp.RequestUUID] {
				t.Errorf("%s: status %d, request id %q (seen %v)", action, resp.StatusCode, resp.RequestUUID, seen[resp.RequestUUID])
			}
			seen[resp.RequestUUID] = true
		}
	}
}
