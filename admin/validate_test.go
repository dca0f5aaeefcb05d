package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// TestAdmin_RefusesControlCharacters (finding 10 of SECURITY.md): the
// admin API refuses NUL, other control characters, invalid UTF-8 and
// over-long values in every field it takes, with a 400 and its JSON
// error naming the field, and stores nothing; the same requests with
// clean values succeed. On the store the tests run on (SQLite, or
// PostgreSQL with IMAGESHARE_TEST_DB=postgres), through the real server.
func TestAdmin_RefusesControlCharacters(t *testing.T) {
	const token = "validate-token"
	ctx := context.Background()
	srv := apptest.Start(t, func(c *app.Config) { c.AdminToken, c.BuildDuration = token, -1 })
	owner, _ := srv.Account(t, "")
	src := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Type: imageshare.ImageCustom})
	v, err := srv.Svc.PublishImage(ctx, imageshare.Caller{AccountID: owner.ID}, imageshare.PublishRequest{ImageID: src.ID, Region: src.Region})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string) (int, string, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error.Code, e.Error.Message
	}
	instance := func(id, region, gpu string) string {
		b, _ := json.Marshal(map[string]any{"id": id, "account_id": owner.ID, "region": region, "gpu_type": gpu})
		return string(b)
	}
	for _, tc := range []struct{ name, method, path, body, field string }{
		{"instance id with NUL", "POST", "/admin/instances", instance("uhost-a\x00b", src.Region, "4090"), "id"},
		{"instance id with ESC", "POST", "/admin/instances", instance("uhost-\x1b[31m", src.Region, "4090"), "id"},
		{"instance id too long", "POST", "/admin/instances", instance("uhost-"+strings.Repeat("x", 200), src.Region, "4090"), "id"},
		{"region with NUL", "POST", "/admin/instances", instance("uhost-r", src.Region+"\x00", "4090"), "region"},
		{"gpu type with a bell", "POST", "/admin/instances", instance("uhost-g", src.Region, "40\x0790"), "gpu_type"},
		{"body with invalid UTF-8", "POST", "/admin/instances", `{"id":"uhost-` + "\xff" + `","account_id":1,"region":"x"}`, "UTF-8"},
		{"reject reason with NUL", "POST", "/admin/reviews/" + v.ID + "/reject", `{"reason":"bad\u0000"}`, "reason"},
		{"reject reason too long", "POST", "/admin/reviews/" + v.ID + "/reject", `{"reason":"` + strings.Repeat("r", imageshare.MaxDescriptionBytes+1) + `"}`, "reason"},
		{"version id with NUL in the path", "POST", "/admin/reviews/" + v.ID + "%00/approve", "", "version id"},
		{"version id with SOH in the path", "POST", "/admin/versions/" + v.ID + "%01/offline", "", "version id"},
		{"region query with NUL", "GET", "/admin/reviews?region=%00", "", "region"},
		{"status query with ESC", "GET", "/admin/reviews?status=Reviewing%1b", "", "status"},
	} {
		status, code, msg := do(tc.method, tc.path, tc.body)
		if status != http.StatusBadRequest || code != "invalid" || !strings.Contains(msg, tc.field) {
			t.Errorf("%s: %d %q %q, want 400 invalid naming %s", tc.name, status, code, msg, tc.field)
		}
	}
	// Nothing was stored or decided: the version is still under review,
	// and each instance id is still free.
	got, _, err := srv.Svc.ReviewQueue(ctx, imageshare.CommunityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != v.ID || got[0].Status != imageshare.StatusReviewing {
		t.Fatalf("review queue after refused requests: %+v", got)
	}
	for _, id := range []string{"uhost-r", "uhost-g"} {
		if status, code, msg := do("POST", "/admin/instances", instance(id, src.Region, "4090")); status != http.StatusCreated {
			t.Errorf("clean instance %s: %d %s %s", id, status, code, msg)
		}
	}
	if status, code, msg := do("POST", "/admin/reviews/"+v.ID+"/reject", `{"reason":"needs a readme\nand a cover\t."}`); status != http.StatusOK {
		t.Errorf("clean reject: %d %s %s", status, code, msg)
	}
}
