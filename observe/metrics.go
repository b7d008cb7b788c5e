package observe

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/resource"
)

// Metrics are an application's Prometheus metrics, in a registry of their own:
//
//	tastygo_http_requests_total{resource,method,status}          requests answered
//	tastygo_http_request_duration_seconds{resource,method}       their latency (a histogram)
//	tastygo_http_throttled_total{resource}                       requests answered 429 THROTTLED
//	tastygo_processing_runs_total{resource,outcome}              processing triggers by outcome (nonmodel)
//	go_sql_*{db_name}                                            the database pool (sql.DBStats)
//	tastygo_replica_healthy{replica}, tastygo_replica_lag_seconds{replica},
//	tastygo_db_reads_total{role}                                 read replicas (WatchReplicas)
//	go_*, process_*                                              the Go runtime and the process
//
// resource is a registered resource's name, or "" for requests outside resources (the API's root, a
// health check, a path that names nothing); method is one of GET, HEAD, POST, PUT, PATCH, DELETE,
// OPTIONS, or OTHER; outcome one of nonmodel's Outcome constants. No label takes a value a client
// chose, so a client cannot grow the number of series.
//
// Metrics implements nonmodel.RunObserver: set it as resource.Config.Observer to count runs.
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	throttled *prometheus.CounterVec
	runs      *prometheus.CounterVec
}

// latencyBuckets span a cached read (half a millisecond) to a large CSV export (a minute), in seconds.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// NewMetrics returns the metrics, with the statistics of db's connection pool labelled db_name=dbName
// (none when db is nil).
func NewMetrics(db *sql.DB, dbName string) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tastygo_http_requests_total",
			Help: "HTTP requests answered, by resource, method and status.",
		}, []string{"resource", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tastygo_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by resource and method.",
			Buckets: latencyBuckets,
		}, []string{"resource", "method"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tastygo_http_throttled_total",
			Help: "Requests answered 429 THROTTLED, by resource.",
		}, []string{"resource"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tastygo_processing_runs_total",
			Help: "Triggers of processing endpoints, by resource and outcome (succeeded, failed, abandoned, in_progress, shared).",
		}, []string{"resource", "outcome"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.throttled, m.runs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, dbName))
	}
	return m
}

// Registry is the metrics' registry, for an application's own metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in Prometheus's text format (GET /metrics on the metrics listener).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// RunEnded implements nonmodel.RunObserver.
func (m *Metrics) RunEnded(resource, outcome string) {
	m.runs.WithLabelValues(resource, outcome).Inc()
}

// observe counts one answered request.
func (m *Metrics) observe(info *resource.RequestInfo, requestMethod string, status int, elapsed time.Duration) {
	method := info.Method
	if method == "" {
		method = requestMethod
	}
	method = methodLabel(method)
	m.requests.WithLabelValues(info.Resource, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(info.Resource, method).Observe(elapsed.Seconds())
	if info.Code == apierror.Throttled {
		m.throttled.WithLabelValues(info.Resource).Inc()
	}
}

// methodLabel is the method's label: the methods the API serves, OTHER for anything else.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// WatchReplicas adds the read replicas' metrics, read from rs at each scrape:
// tastygo_replica_healthy{replica} (1 when it gets reads), tastygo_replica_lag_seconds{replica}, and
// tastygo_db_reads_total{role} (the reads offered to the replicas, by where they ran: "primary" or a
// replica's name).
func (m *Metrics) WatchReplicas(rs *dialect.Replicas) {
	m.registry.MustRegister(replicaCollector{rs: rs})
}

var (
	replicaHealthyDesc = prometheus.NewDesc("tastygo_replica_healthy", "1 when the read replica gets reads, 0 when it is down or lagging.", []string{"replica"}, nil)
	replicaLagDesc     = prometheus.NewDesc("tastygo_replica_lag_seconds", "How far behind the primary the read replica was at its last check.", []string{"replica"}, nil)
	readsDesc          = prometheus.NewDesc("tastygo_db_reads_total", "Reads that could go to a replica, by the database role that ran them.", []string{"role"}, nil)
)

// replicaCollector reports a Replicas' state at each scrape.
type replicaCollector struct{ rs *dialect.Replicas }

func (c replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- replicaHealthyDesc
	ch <- replicaLagDesc
	ch <- readsDesc
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.rs.Status() {
		healthy := 0.0
		if st.Healthy {
			healthy = 1
		}
		ch <- prometheus.MustNewConstMetric(replicaHealthyDesc, prometheus.GaugeValue, healthy, st.Name)
		ch <- prometheus.MustNewConstMetric(replicaLagDesc, prometheus.GaugeValue, st.Lag.Seconds(), st.Name)
		ch <- prometheus.MustNewConstMetric(readsDesc, prometheus.CounterValue, float64(st.Reads), st.Name)
	}
	ch <- prometheus.MustNewConstMetric(readsDesc, prometheus.CounterValue, float64(c.rs.PrimaryReads()), "primary")
}
