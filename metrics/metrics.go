// Package metrics is chatd's Prometheus metrics: it observes requests
// (server.RequestObserver), commits (bolt.CommitObserver) and webhook
// attempts (webhook.Observer) as they end, reads the outbox, the file and
// the realtime layer when scraped, and adds Go's runtime and process
// metrics. Each Metrics has a registry of its own: two chatds in one
// process (tests) never mix their numbers.
//
// The chatd command creates it; internal/app only knows the interfaces it
// implements, so that what imports app (chatdtest) never imports
// Prometheus.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Source is what the metrics read when scraped; *app.App is one.
type Source interface {
	// PendingDeliveries counts the webhook deliveries waiting to be sent.
	PendingDeliveries(ctx context.Context) (int, error)
	// DatabaseSize is the database file's size; false when there is none.
	DatabaseSize() (int64, bool)
	// RealtimeConnections counts the open realtime client connections.
	RealtimeConnections() int
}

// Metrics collects one chatd's metrics.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	commitDuration  prometheus.Histogram
	commitWrites    prometheus.Histogram
	commitFailures  prometheus.Counter
	webhooks        *prometheus.CounterVec
	webhookDuration *prometheus.HistogramVec

	source atomic.Pointer[Source]
}

// New returns the metrics of one chatd, on a registry of their own.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatd_http_requests_total",
			Help: "HTTP requests answered, by route pattern (none when no route matched), method and status.",
		}, []string{"route", "method", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chatd_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		commitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chatd_store_commit_duration_seconds",
			Help:    "Time of a commit of the bbolt write loop, fsync included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		commitWrites: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chatd_store_commit_writes",
			Help:    "Writes (transactions of the API) grouped into one commit of the bbolt write loop.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
		commitFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chatd_store_commit_failures_total",
			Help: "Commits of the bbolt write loop that failed.",
		}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatd_webhook_attempts_total",
			Help: "Webhook attempts, by kind (post or pre event) and outcome (delivered, pending for a retry, failed).",
		}, []string{"kind", "outcome"}),
		webhookDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chatd_webhook_attempt_duration_seconds",
			Help:    "Time of a webhook attempt, from the request to the end of the answer, by kind and outcome.",
			Buckets: prometheus.DefBuckets,
		}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.requestDuration, m.commitDuration, m.commitWrites, m.commitFailures,
		m.webhooks, m.webhookDuration, stateCollector{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the scrape in Prometheus' text format, reading src's
// state then. A later call replaces the source (a restarted chatd).
func (m *Metrics) Handler(src Source) http.Handler {
	m.source.Store(&src)
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// methods are the request methods counted by name; others count as
// "other", so that clients cannot make series at will.
var methods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// ObserveRequest counts a request and its duration.
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	if !methods[method] {
		method = "other"
	}
	if route == "" {
		route = "none"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// ObserveCommit counts a commit, its writes and its duration.
func (m *Metrics) ObserveCommit(writes int, d time.Duration, err error) {
	if err != nil {
		m.commitFailures.Inc()
		return
	}
	m.commitDuration.Observe(d.Seconds())
	m.commitWrites.Observe(float64(writes))
}

// ObserveWebhook counts a webhook attempt and its duration.
func (m *Metrics) ObserveWebhook(kind, outcome string, d time.Duration) {
	m.webhooks.WithLabelValues(kind, outcome).Inc()
	m.webhookDuration.WithLabelValues(kind, outcome).Observe(d.Seconds())
}

// scrapeTimeout bounds the reads of a scrape.
const scrapeTimeout = 10 * time.Second

var (
	pendingDesc = prometheus.NewDesc("chatd_webhook_pending_deliveries",
		"Webhook deliveries waiting in the outbox to be sent or retried.", nil, nil)
	databaseDesc = prometheus.NewDesc("chatd_database_size_bytes",
		"Size of the database file (absent on a store without one).", nil, nil)
	realtimeDesc = prometheus.NewDesc("chatd_realtime_connections",
		"Realtime client connections open.", nil, nil)
)

// stateCollector reads the source's state at each scrape.
type stateCollector struct{ m *Metrics }

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingDesc
	ch <- databaseDesc
	ch <- realtimeDesc
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	p := c.m.source.Load()
	if p == nil {
		return
	}
	src := *p
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if n, err := src.PendingDeliveries(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n))
	}
	if size, ok := src.DatabaseSize(); ok {
		ch <- prometheus.MustNewConstMetric(databaseDesc, prometheus.GaugeValue, float64(size))
	}
	ch <- prometheus.MustNewConstMetric(realtimeDesc, prometheus.GaugeValue, float64(src.RealtimeConnections()))
}
