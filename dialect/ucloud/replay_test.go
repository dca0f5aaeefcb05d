package ucloud

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/internal/ucloudclient"
	"github.com/imageshare/imageshare/sqlite"
)

// TestReplay_RenamedParameterRefused: UCloud's JSON signing string writes
// each key followed by its value with no separator, so a captured request
// carrying "RemoveAccounts":[N] signs exactly as one carrying
// "RemoveAccounts<N>":null, or "RemoveAccount":"s<N>". Before unknown
// names were refused such a replay shared with the added account and
// silently dropped the revocation, with RetCode 0; now it is refused and
// changes nothing.
func TestReplay_RenamedParameterRefused(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.AddRegion(ctx, "cn-wlcb"); err != nil {
		t.Fatal(err)
	}
	svc := core.New(store, core.Config{BuildDuration: -1})
	owner := &imageshare.Account{Name: "owner@example.com"}
	key, err := svc.CreateAccount(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	revoked, added := &imageshare.Account{Name: "revoked@example.com"}, &imageshare.Account{Name: "added@example.com"}
	for _, a := range []*imageshare.Account{revoked, added} {
		if _, err := svc.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	im := &imageshare.Image{ID: "compshareImage-abc", Region: "cn-wlcb", OwnerID: owner.ID, Type: imageshare.ImageCustom,
		Status: imageshare.StatusAvailable, Name: "mine", CreatedAt: time.Now().UTC()}
	if err := store.CreateImage(ctx, im); err != nil {
		t.Fatal(err)
	}
	h := New(svc, Options{})
	post := func(payload map[string]any) int {
		t.Helper()
		body, _ := json.Marshal(payload)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var env struct{ RetCode int }
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("answer %q: %v", rec.Body, err)
		}
		return env.RetCode
	}
	signed := func(params map[string]any) map[string]any {
		payload := map[string]any{"Action": "ModifyCompShareImageShareAccount", "Region": "cn-wlcb",
			"PublicKey": key.PublicKey, "CompShareImageId": im.ID}
		for k, v := range params {
			payload[k] = v
		}
		payload["Signature"] = ucloudclient.SignJSON(payload, key.PrivateKey)
		return payload
	}
	if code := post(signed(map[string]any{"AddAccounts": []any{revoked.ID}})); code != CodeOK {
		t.Fatalf("first share: RetCode %d", code)
	}
	// The captured request: add one account, revoke the other.
	captured := signed(map[string]any{"AddAccounts": []any{added.ID}, "RemoveAccounts": []any{revoked.ID}})
	rid := strconv.FormatInt(revoked.ID, 10)
	for name, rename := range map[string]func(p map[string]any){
		"list renamed to a null key":     func(p map[string]any) { p["RemoveAccounts"+rid] = nil },
		"list renamed to a shorter name": func(p map[string]any) { p["RemoveAccount"] = "s" + rid },
	} {
		t.Run(name, func(t *testing.T) {
			replay := map[string]any{}
			for k, v := range captured {
				if k != "RemoveAccounts" {
					replay[k] = v
				}
			}
			rename(replay)
			// The signature still matches: only the refusal of the name stops it.
			sig := replay["Signature"]
			delete(replay, "Signature")
			if ucloudclient.SignJSON(replay, key.PrivateKey) != sig {
				t.Fatal("the renamed request does not sign as the captured one: the test proves nothing")
			}
			replay["Signature"] = sig
			if code := post(replay); code != CodeInvalidParams {
				t.Fatalf("replay with a renamed parameter: RetCode %d, want %d", code, CodeInvalidParams)
			}
			shares, _, err := store.ListShares(ctx, im.ID, imageshare.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(shares) != 1 || shares[0].AccountID != revoked.ID {
				t.Fatalf("shares after the refused replay = %+v, want only the first one", shares)
			}
		})
	}
	// The captured request itself still does what it says.
	if code := post(captured); code != CodeOK {
		t.Fatalf("captured request: RetCode %d", code)
	}
}
