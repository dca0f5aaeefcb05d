// Package obs makes a running imageshare observable: Prometheus metrics on
// a registry of its own (so that tests can run several servers in one
// process), the middleware that logs one line per request and counts it,
// and a Store decorator that times the store.
package obs

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/version"
)

// Metrics are one server's metrics. Their names are documented in
// docs/deploy.md.
type Metrics struct {
	// Registry holds every metric below plus the Go runtime and process
	// collectors; Handler serves it.
	Registry *prometheus.Registry

	requests     *prometheus.CounterVec   // dialect, action, code
	latency      *prometheus.HistogramVec // dialect, action
	inFlight     prometheus.Gauge
	storeLatency *prometheus.HistogramVec // method
	storeErrors  *prometheus.CounterVec   // method
	shareChanges *prometheus.CounterVec   // change
	buildInfo    prometheus.Gauge         // constant labels version, revision
	faults       *prometheus.CounterVec   // dialect, action, kind

	series      sync.Map // requestLabels -> *requestSeries
	storeSeries sync.Map // store method -> prometheus.Observer
}

// Label values for requests that name no action the dialect serves; the
// metrics never carry a caller-chosen string.
const unknownAction = "unknown"

// NewMetrics returns a fresh set of metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imageshare_requests_total",
			Help: "API requests served, by dialect, action and the vendor's result code (UCloud RetCode, Alibaba/Baidu Code; 0 or OK on success).",
		}, []string{"dialect", "action", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "imageshare_request_duration_seconds",
			Help:    "Time to serve an API request, by dialect and action.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"dialect", "action"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "imageshare_requests_in_flight",
			Help: "HTTP requests being served now (a scrape counts itself).",
		}),
		storeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "imageshare_store_duration_seconds",
			Help:    "Time of a store call, by store method.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imageshare_store_errors_total",
			Help: "Store calls that failed (unavailable or internal errors; not-found and conflict answers are not failures), by store method.",
		}, []string{"method"}),
		shareChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imageshare_share_changes_total",
			Help: "Share grants added and removed through this server, by change (added, removed).",
		}, []string{"change"}),
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imageshare_faults_injected_total",
			Help: "API calls a fault rule of the admin API applied to (internal/fault), by dialect, action and kind (error, delay).",
		}, []string{"dialect", "action", "kind"}),
	}
	// The build is a constant 1 whose labels say which one runs, the usual
	// shape of a *_build_info metric: a join on it labels any other series
	// with the version.
	bi := version.Get()
	m.buildInfo = prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "imageshare_build_info",
		Help:        "Always 1; the labels name the running build: module version and VCS revision (internal/version).",
		ConstLabels: prometheus.Labels{"version": bi.Version, "revision": bi.Revision},
	})
	m.buildInfo.Set(1)
	m.Registry.MustRegister(m.requests, m.latency, m.inFlight, m.storeLatency, m.storeErrors, m.shareChanges, m.buildInfo, m.faults,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Both change labels exist from the start, so a rate over them is
	// defined before the first share.
	m.shareChanges.WithLabelValues("added")
	m.shareChanges.WithLabelValues("removed")
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// FaultInjected counts one call a fault rule applied to; kind is "error"
// or "delay". Action is an action-table name, never a caller's string.
func (m *Metrics) FaultInjected(dialect, action, kind string) {
	m.faults.WithLabelValues(dialect, action, kind).Inc()
}

// observeRequest counts one served API request.
func (m *Metrics) observeRequest(dialect, action, code string, d time.Duration) {
	if action == "" {
		action = unknownAction
	}
	key := requestLabels{dialect, action, code}
	s, ok := m.series.Load(key)
	if !ok {
		s, _ = m.series.LoadOrStore(key, &requestSeries{
			count:   m.requests.WithLabelValues(dialect, action, code),
			latency: m.latency.WithLabelValues(dialect, action),
		})
	}
	rs := s.(*requestSeries)
	rs.count.Inc()
	rs.latency.Observe(d.Seconds())
}

// requestLabels are the labels of one request series.
type requestLabels struct{ dialect, action, code string }

// requestSeries are the children of the request metrics for one set of
// labels, kept so that a request does not hash and look its labels up in
// the vectors again (WithLabelValues, under the vector's lock). The label
// values are bounded (action and code tables, never a caller's string),
// and so is this map.
type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// WatchStore registers the gauges read from the store at scrape time:
// whether it answers, the image builds in progress and the shares it
// holds. Each scrape costs three small queries, bounded by timeout; a
// query that fails leaves its gauge out of that scrape and is logged.
func (m *Metrics) WatchStore(s imageshare.Store, timeout time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m.Registry.MustRegister(&storeCollector{store: s, timeout: timeout, log: log})
}

var (
	storeUpDesc = prometheus.NewDesc("imageshare_store_up",
		"Whether the store answered a ping and has every migration applied (1) or not (0).", nil, nil)
	buildsDesc = prometheus.NewDesc("imageshare_image_builds_in_progress",
		"Custom images being built (status Making), across every replica.", nil, nil)
	sharesDesc = prometheus.NewDesc("imageshare_shares",
		"Share grants (image, account) in the store, across every replica.", nil, nil)
)

// storeCollector reads the store-wide gauges when scraped, so every
// replica reports the same numbers without keeping state.
type storeCollector struct {
	store   imageshare.Store
	timeout time.Duration
	log     *slog.Logger
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- storeUpDesc
	ch <- buildsDesc
	ch <- sharesDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	up := 1.0
	if err := c.store.Ping(ctx); err != nil {
		c.log.Warn("metrics: store ping failed", "err", err)
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, up)
	if up == 0 {
		return
	}
	_, building, err := c.store.FindImages(ctx, imageshare.ImageFilter{
		Scope:    imageshare.ScopeAll,
		Statuses: []imageshare.ImageStatus{imageshare.StatusMaking},
		Page:     imageshare.Page{Limit: 1},
	})
	if err != nil {
		c.log.Warn("metrics: counting builds failed", "err", err)
	} else {
		ch <- prometheus.MustNewConstMetric(buildsDesc, prometheus.GaugeValue, float64(building))
	}
	shares, err := c.store.CountShares(ctx)
	if err != nil {
		c.log.Warn("metrics: counting shares failed", "err", err)
	} else {
		ch <- prometheus.MustNewConstMetric(sharesDesc, prometheus.GaugeValue, float64(shares))
	}
}
