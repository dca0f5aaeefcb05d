package e2e

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// metrics is one scrape: series ("name{a="x",b="y"}", labels sorted as
// the Prometheus client writes them) to value.
type metrics map[string]float64

func parseMetrics(t *testing.T, text string) metrics {
	t.Helper()
	m := metrics{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("metrics line %q does not parse", line)
		}
		m[line[:i]] = v
	}
	return m
}

// series is the exposition name of a series; labels alternate name, value.
func series(name string, labels []string) string {
	if len(labels) == 0 {
		return name
	}
	type pair struct{ k, v string }
	var ps []pair
	for i := 0; i+1 < len(labels); i += 2 {
		ps = append(ps, pair{labels[i], labels[i+1]})
	}
	slices.SortFunc(ps, func(a, b pair) int { return strings.Compare(a.k, b.k) })
	var b strings.Builder
	b.WriteString(name + "{")
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.k + "=" + strconv.Quote(p.v))
	}
	b.WriteString("}")
	return b.String()
}

func (m metrics) want(t *testing.T, name string, labels []string, want float64) {
	t.Helper()
	s := series(name, labels)
	got, ok := m[s]
	if !ok {
		t.Errorf("%s is missing", s)
		return
	}
	if got != want {
		t.Errorf("%s = %v, want %v", s, got, want)
	}
}

func (m metrics) absent(t *testing.T, name string, labels []string) {
	t.Helper()
	if v, ok := m[series(name, labels)]; ok {
		t.Errorf("%s = %v, want no such series", series(name, labels), v)
	}
}

// sum adds every series of the metric name.
func (m metrics) sum(name string) float64 {
	var total float64
	for s, v := range m {
		if s == name || strings.HasPrefix(s, name+"{") {
			total += v
		}
	}
	return total
}

func scrape(t *testing.T, srv *apptest.Server) metrics {
	t.Helper()
	code, body := httpGet(t, srv.URL+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d:\n%s", code, body)
	}
	return parseMetrics(t, body)
}

func TestOps_MetricsAfterKnownCalls(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	a, _ := srv.Account(t, "")
	b, _ := srv.Account(t, "")
	ctx := context.Background()

	before := scrape(t, srv)
	before.want(t, "imageshare_shares", nil, 0)
	before.want(t, "imageshare_image_builds_in_progress", nil, 0)
	before.want(t, "imageshare_store_up", nil, 1)
	before.want(t, "imageshare_share_changes_total", []string{"change", "added"}, 0)
	if n := before.sum("imageshare_requests_total"); n != 0 {
		t.Fatalf("imageshare_requests_total sums to %v before any call", n)
	}

	// UCloud: share with a and b, list twice, one bad signature, one
	// unknown action.
	im := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Region: ucRegion})
	uc := ucloudclient.New(srv.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(ucRegion))
	mustOK(t, uc.Call(ctx, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "AddAccounts": []int64{a.ID, b.ID}}, nil))
	for range 2 {
		mustOK(t, uc.Call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID}, nil))
	}
	var rce *ucloudclient.RetCodeError
	bad := ucloudclient.New(srv.URL, key.PublicKey, "not-"+key.PrivateKey, ucloudclient.WithRegion(ucRegion))
	if err := bad.Call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID}, nil); !errors.As(err, &rce) || rce.RetCode != 171 {
		t.Fatalf("bad signature: %v, want RetCode 171", err)
	}
	if err := uc.Call(ctx, "NoSuchAction-"+strconv.Itoa(int(time.Now().UnixNano())), nil, nil); !errors.As(err, &rce) || rce.RetCode != 161 {
		t.Fatalf("unknown action: %v, want RetCode 161", err)
	}
	// UCloud again: remove b.
	mustOK(t, uc.Call(ctx, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "RemoveAccounts": []int64{b.ID}}, nil))

	// Alibaba: one listing.
	alImage := customImage(t, srv, owner, aliyunRegion)
	_, err := describeShares(aliyunClient(t, srv, key), alImage.ID, 0, 0)
	mustOK(t, err)
	// Baidu: share a second image with b, then an unknown key.
	bdImage := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	baiduOK(t, baiduClient(t, srv, key).ShareImage(bdImage.ID, &api.SharedUser{AccountId: accountID(b)}))
	_, err = baiduClientWith(t, srv.URL, "nobody", "secret").GetImageSharedUser(bdImage.ID)
	wantBceError(t, err, "InvalidAccessKeyId", http.StatusForbidden)

	// A build in progress, finishing in an hour.
	srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Region: ucRegion, Status: imageshare.StatusMaking,
		BuildStartedAt: time.Now(), BuildDoneAt: time.Now().Add(time.Hour)})

	m := scrape(t, srv)
	req := "imageshare_requests_total"
	m.want(t, req, []string{"dialect", "ucloud", "action", "ModifyCompShareImageShareAccount", "code", "0"}, 2)
	m.want(t, req, []string{"dialect", "ucloud", "action", "DescribeCompShareImageShareAccounts", "code", "0"}, 2)
	m.want(t, req, []string{"dialect", "ucloud", "action", "DescribeCompShareImageShareAccounts", "code", "171"}, 1)
	m.want(t, req, []string{"dialect", "ucloud", "action", "unknown", "code", "161"}, 1)
	m.want(t, req, []string{"dialect", "aliyun", "action", "DescribeImageSharePermission", "code", "OK"}, 1)
	m.want(t, req, []string{"dialect", "baidu", "action", "ShareImage", "code", "OK"}, 1)
	m.want(t, req, []string{"dialect", "baidu", "action", "GetImageSharedUser", "code", "InvalidAccessKeyId"}, 1)
	if n := m.sum(req); n != 9 {
		t.Errorf("%s sums to %v, want the 9 calls made (scrapes and probes are not counted)", req, n)
	}
	dur := "imageshare_request_duration_seconds_count"
	m.want(t, dur, []string{"dialect", "ucloud", "action", "DescribeCompShareImageShareAccounts"}, 3)
	m.want(t, dur, []string{"dialect", "baidu", "action", "ShareImage"}, 1)
	if n := m.sum(dur); n != 9 {
		t.Errorf("%s sums to %v, want 9", dur, n)
	}
	m.want(t, "imageshare_requests_in_flight", nil, 1) // the scrape itself
	// Shares: a and b added, b removed through UCloud; b added through Baidu.
	m.want(t, "imageshare_share_changes_total", []string{"change", "added"}, 3)
	m.want(t, "imageshare_share_changes_total", []string{"change", "removed"}, 1)
	m.want(t, "imageshare_shares", nil, 2)
	m.want(t, "imageshare_image_builds_in_progress", nil, 1)
	m.want(t, "imageshare_store_up", nil, 1)
	// Three share changes reached the store: two UCloud, one Baidu.
	m.want(t, "imageshare_store_duration_seconds_count", []string{"method", "ApplyShareChange"}, 3)
	if n := m.sum("imageshare_store_errors_total"); n != 0 {
		t.Errorf("imageshare_store_errors_total sums to %v, want 0", n)
	}

	// Scraping changes nothing it reports.
	again := scrape(t, srv)
	for _, s := range []string{series(req, []string{"dialect", "ucloud", "action", "ModifyCompShareImageShareAccount", "code", "0"}),
		series("imageshare_store_duration_seconds_count", []string{"method", "ApplyShareChange"})} {
		if again[s] != m[s] {
			t.Errorf("%s went from %v to %v between two scrapes", s, m[s], again[s])
		}
	}
}

func TestOps_MetricsPerServer(t *testing.T) {
	// Two servers in one process keep their own counts.
	one, two := apptest.Start(t), apptest.Start(t)
	_, key := one.Account(t, "")
	uc := ucloudclient.New(one.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(ucRegion))
	mustOK(t, uc.Call(context.Background(), "DescribeCompShareCustomImages", nil, nil))
	labels := []string{"dialect", "ucloud", "action", "DescribeCompShareCustomImages", "code", "0"}
	scrape(t, one).want(t, "imageshare_requests_total", labels, 1)
	scrape(t, two).absent(t, "imageshare_requests_total", labels)
}
