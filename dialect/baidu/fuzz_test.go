package baidu

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/baidubce/bce-sdk-go/bce"
	"github.com/baidubce/bce-sdk-go/services/bcc"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare"
)

// sentRequest is what the SDK put on the wire for one call.
type sentRequest struct {
	method, path, rawQuery string
	body                   []byte
}

// sdkRequests drives the official SDK through every call this dialect
// serves against a recording server, and returns the requests it sent:
// the fuzz seeds are what the SDK really sends, not what we think it does.
func sdkRequests(t testing.TB, imageID, accountName, accountID string) []sentRequest {
	t.Helper()
	var mu sync.Mutex
	var sent []sentRequest
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		sent = append(sent, sentRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, body})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer rec.Close()
	c, err := bcc.NewClient("AK-RECORD", "SK-RECORD", rec.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.Config.Retry = bce.NewNoRetryPolicy()
	calls := []func() error{
		func() error { _, err := c.ListImage(nil); return err },
		func() error {
			_, err := c.ListImage(&api.ListImageArgs{ImageType: "Custom", ImageName: "web server", Marker: imageID, MaxKeys: 10})
			return err
		},
		func() error { _, err := c.ListImage(&api.ListImageArgs{ImageType: "Sharing"}); return err },
		func() error { _, err := c.GetImageDetail(imageID); return err },
		func() error { _, err := c.GetImageSharedUser(imageID); return err },
		func() error { return c.ShareImage(imageID, &api.SharedUser{Account: accountName}) },
		func() error { return c.ShareImage(imageID, &api.SharedUser{AccountId: accountID}) },
		func() error { return c.UnShareImage(imageID, &api.SharedUser{AccountId: accountID}) },
		func() error { return c.UnShareImage(imageID, &api.SharedUser{UcAccount: accountName}) },
		func() error { return c.DeleteImage(imageID) },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("SDK call %d against the recorder: %v", i, err)
		}
	}
	if len(sent) != len(calls) {
		t.Fatalf("recorded %d requests for %d calls", len(sent), len(calls))
	}
	return sent
}

func TestSDKRequestsAreServed(t *testing.T) {
	env := newTestEnv(t)
	owner, key := env.account("owner@example.com")
	friend, _ := env.account("friend@example.com")
	env.image(&imageshare.Image{ID: "m-sdk", OwnerID: owner.ID})
	want := []int{200, 200, 200, 200, 200, 200, 409, 200, 200, 200}
	for i, sr := range sdkRequests(t, "m-sdk", friend.Name, accountIDString(friend)) {
		r := env.signer(key).newRequest(t, sr.method, sr.path+"?"+sr.rawQuery, sr.body)
		if res := env.serve(r); res.status != want[i] {
			t.Errorf("%s %s?%s: %d %s, want %d", sr.method, sr.path, sr.rawQuery, res.status, res.body, want[i])
		}
	}
}

// FuzzHandler sends signed requests with arbitrary paths, queries and
// bodies, seeded with the SDK's own: every answer must be a BCE answer
// (request id header; error status with a string code), never a 5xx.
func FuzzHandler(f *testing.F) {
	env := newTestEnv(f)
	owner, key := env.account("owner@example.com")
	friend, _ := env.account("friend@example.com")
	env.image(&imageshare.Image{ID: "m-fuzz", OwnerID: owner.ID})
	env.image(&imageshare.Image{ID: "s-fuzz", Type: imageshare.ImageSystem})
	for _, sr := range sdkRequests(f, "m-fuzz", friend.Name, accountIDString(friend)) {
		f.Add(sr.method, sr.path, sr.rawQuery, sr.body)
	}
	f.Add("POST", "/v2/image/s-fuzz", "share", []byte(`{"accountId":"x"}`))
	f.Add("GET", "/v2/image", "imageType=Sharing&marker=%00&maxKeys=99999999999999999999", []byte(nil))
	f.Add("PATCH", "/v2/image/m-fuzz/sharedUsers/", "", []byte(`[`))
	f.Fuzz(func(t *testing.T, method, path, rawQuery string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			t.Skip()
		}
		r, err := http.NewRequest(method, "http://127.0.0.1:8080"+path+"?"+rawQuery, bytes.NewReader(body))
		if err != nil || r.Host != "127.0.0.1:8080" {
			t.Skip()
		}
		env.signer(key).signRequest(r, body)
		res := env.serveFor(t, r)
		switch {
		case res.status >= 500:
			t.Fatalf("%s %s?%s: %d %s", method, path, rawQuery, res.status, res.body)
		case res.status == 200 && method == http.MethodGet && len(res.body) == 0:
			t.Fatalf("%s %s?%s: a GET answered an empty 200", method, path, rawQuery)
		}
	})
}

// FuzzDecodeShareBody checks that any body decodes or is refused with
// one of the two JSON codes, or InvalidParameter for a field a share body
// does not take, and that what decodes re-encodes to itself.
func FuzzDecodeShareBody(f *testing.F) {
	for _, s := range []string{`{"account":"alice@example.com"}`, `{"accountId":"42"}`, `{"ucAccount":"a"}`,
		`{"accountId":42}`, `[]`, `null`, ``, `{"account":"a"} x`, `{"account":"\u00e9\ud800"}`, `{"":""}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := decodeShareBody(body)
		if err != nil {
			if e, ok := err.(*apiError); !ok || e.Status != http.StatusBadRequest ||
				(e.Code != codeMalformedJSON && e.Code != codeInappropriateJSON && e.Code != codeInvalidParameter) {
				t.Fatalf("decodeShareBody(%q) = %v, want MalformedJSON, InappropriateJSON or InvalidParameter", body, err)
			}
			return
		}
		again, err := decodeShareBody(jsonBody(b))
		if err != nil || *again != *b {
			t.Fatalf("decoded %+v does not round-trip: %+v, %v", b, again, err)
		}
	})
}
