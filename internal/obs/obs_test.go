package obs

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imageshare/imageshare/internal/reqlog"
	"github.com/imageshare/imageshare/internal/version"
)

// Every metric this package defines is documented in docs/deploy.md, so
// the operator's table cannot fall behind the code.
func TestMetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	descs := make(chan *prometheus.Desc, 64)
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.inFlight, m.storeLatency, m.storeErrors, m.shareChanges, m.buildInfo, &storeCollector{}} {
		c.Describe(descs)
	}
	close(descs)
	n := 0
	for d := range descs {
		s := d.String() // Desc{fqName: "imageshare_...", ...}
		name := s[strings.Index(s, `"`)+1:]
		name = name[:strings.Index(name, `"`)]
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("metric %s is not in docs/deploy.md", name)
		}
		n++
	}
	if n != 10 {
		t.Errorf("%d metrics described, want 10", n)
	}
}

// A request no dialect claimed is not counted; one a dialect filled is
// counted under its labels, with the HTTP status as the code when the
// handler recorded none (the admin API).
func TestMiddleware_CountsWhatTheDialectRecorded(t *testing.T) {
	m := NewMetrics()
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/dialect":
			info := reqlog.From(r.Context())
			info.Dialect, info.Action, info.Code = "ucloud", "DescribeCompShareImages", "0"
		case "/admin/x":
			reqlog.From(r.Context()).Dialect = "admin"
			w.WriteHeader(http.StatusUnauthorized)
		}
	}), m, nil)
	for _, path := range []string{"/dialect", "/dialect", "/admin/x", "/healthz"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "imageshare_requests_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			var labels []string
			for _, l := range metric.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got[strings.Join(labels, ",")] = metric.GetCounter().GetValue()
		}
	}
	want := map[string]float64{
		"action=DescribeCompShareImages,code=0,dialect=ucloud": 2,
		"action=unknown,code=401,dialect=admin":                1,
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v (the /healthz request is not counted)", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

// imageshare_build_info is 1, labelled with the running build's version
// and revision as internal/version reads them.
func TestBuildInfoMetric(t *testing.T) {
	m := NewMetrics()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := version.Get()
	for _, f := range families {
		if f.GetName() != "imageshare_build_info" {
			continue
		}
		if len(f.GetMetric()) != 1 {
			t.Fatalf("%d series, want 1", len(f.GetMetric()))
		}
		s := f.GetMetric()[0]
		labels := map[string]string{}
		for _, l := range s.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if s.GetGauge().GetValue() != 1 || labels["version"] != want.Version || labels["revision"] != want.Revision || len(labels) != 2 {
			t.Fatalf("imageshare_build_info %v = %v, want {version=%q, revision=%q} 1", labels, s.GetGauge().GetValue(), want.Version, want.Revision)
		}
		return
	}
	t.Fatal("no imageshare_build_info metric")
}

// The request line keeps its message, level and fields, in this order,
// when written straight to the handler (logLine); a debug-level request
// (no dialect) is not written at info level.
func TestMiddleware_RequestLineFields(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/dialect" {
			info := reqlog.From(r.Context())
			info.Dialect, info.Action, info.Code, info.AccountID, info.RequestID = "ucloud", "DescribeCompShareImages", "0", 42, "rid-1"
			w.WriteHeader(http.StatusAccepted)
		}
	}), NewMetrics(), log)
	req := httptest.NewRequest(http.MethodPost, "/dialect?secret=x", nil)
	req.RemoteAddr = "192.0.2.7:4711"
	h.ServeHTTP(httptest.NewRecorder(), req)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1:\n%s", len(lines), buf.String())
	}
	var keys []string
	for _, f := range strings.Fields(lines[0]) {
		if k, _, ok := strings.Cut(f, "="); ok {
			keys = append(keys, k)
		}
	}
	want := "time level msg request_id dialect action account code status latency_ms method path remote"
	if strings.Join(keys, " ") != want {
		t.Errorf("fields %q, want %q", strings.Join(keys, " "), want)
	}
	for _, part := range []string{`level=INFO`, `msg="http request"`, `request_id=rid-1`, `dialect=ucloud`, `action=DescribeCompShareImages`,
		`account=42`, `code=0`, `status=202`, `method=POST`, `path=/dialect`, `remote=192.0.2.7`} {
		if !strings.Contains(lines[0], part) {
			t.Errorf("line lacks %s: %s", part, lines[0])
		}
	}
	if strings.Contains(lines[0], "secret") || strings.Contains(lines[0], "source") {
		t.Errorf("line carries the query or a source: %s", lines[0])
	}
}
