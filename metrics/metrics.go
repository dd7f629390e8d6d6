// Package metrics keeps the service's Prometheus metrics: HTTP latency by
// route and status, requests refused under load, database wait and command
// time, planning runs, the outbox and lease takeovers. Everything is
// registered on a registry the caller passes in (never the global default
// one), and the service serves it on a listener of its own
// (FIELDVISIT_METRICS_ADDR), so metrics never share the public port.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// namespace prefixes every metric.
const namespace = "fieldvisit"

// Metrics holds the service's collectors. Its methods are safe for
// concurrent use; a nil *Metrics is not valid, pass one from New.
type Metrics struct {
	reg *prometheus.Registry

	httpDuration *prometheus.HistogramVec
	refused      *prometheus.CounterVec
	dbWait       prometheus.Histogram
	dbWaitFailed prometheus.Counter
	dbCommand    *prometheus.HistogramVec
	planDuration *prometheus.HistogramVec
	planFigures  *prometheus.GaugeVec
	mailSent     prometheus.Counter
	mailRetried  prometheus.Counter
	mailFailed   prometheus.Counter
	mailLatency  prometheus.Histogram
	mailSend     *prometheus.HistogramVec
	takeovers    *prometheus.CounterVec
}

// New creates the collectors and registers them, with the Go runtime's and
// the process's, on reg. It stays one long function on purpose: a list of
// collector declarations, read top to bottom.
func New(reg *prometheus.Registry) (*Metrics, error) {
	// Request latencies are milliseconds to seconds; planning runs are
	// seconds to minutes; mail waits seconds to hours.
	fast := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &Metrics{
		reg: reg,
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route template, method and status.",
			Buckets: fast,
		}, []string{"route", "method", "status"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_refused_total",
			Help: "Requests refused under load: 429 (a caller over its concurrency or rate) and 503 (no slot in time, or the database timed out), by reason.",
		}, []string{"status", "reason"}),
		dbWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "db_connection_wait_seconds",
			Help:    "Time an operation waited to check a connection out of the driver's pool (one connection with the embedded database).",
			Buckets: fast,
		}),
		dbWaitFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "db_connection_wait_failures_total",
			Help: "Connection checkouts that failed, mostly because the operation's time ran out while it waited.",
		}),
		dbCommand: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "db_command_duration_seconds",
			Help:    "Time the database took for a command, by command name and outcome (ok, error).",
			Buckets: fast,
		}, []string{"command", "outcome"}),
		planDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "planning_run_duration_seconds",
			Help:    "Duration of planning runs (load, search, save), by outcome (ok, failed).",
			Buckets: []float64{.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 300},
		}, []string{"outcome"}),
		planFigures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "planning_last_run_requests",
			Help: "Requests of the last successful planning run, by result (scheduled, unassigned).",
		}, []string{"result"}),
		mailSent: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "outbox_sent_total",
			Help: "Outbox messages sent (or put in the development mailbox).",
		}),
		mailRetried: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "outbox_retries_total",
			Help: "Outbox send attempts that failed and were rescheduled.",
		}),
		mailFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "outbox_failed_total",
			Help: "Outbox messages given up after their last attempt or for a fault of their own.",
		}),
		mailLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "outbox_send_latency_seconds",
			Help:    "Time from a message's creation in the outbox to its sending.",
			Buckets: []float64{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600},
		}),
		mailSend: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "smtp_send_duration_seconds",
			Help:    "Time one delivery to the SMTP server took, by outcome (ok, error).",
			Buckets: fast,
		}, []string{"outcome"}),
		takeovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "claims_taken_over_total",
			Help: "Claims (leases) taken over from a holder that let them expire or left them behind at a restart, by kind of resource (plan, publish, outbox, …).",
		}, []string{"kind"}),
	}
	// Known kinds start at zero, so a dashboard sees the series before the
	// first takeover.
	for _, kind := range []string{"plan", "publish", "outbox"} {
		m.takeovers.WithLabelValues(kind)
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpDuration, m.refused, m.dbWait, m.dbWaitFailed, m.dbCommand,
		m.planDuration, m.planFigures, m.mailSent, m.mailRetried, m.mailFailed, m.mailLatency, m.mailSend, m.takeovers,
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request records one answered HTTP request (handlers.Observer).
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	m.httpDuration.WithLabelValues(route, method, strconv.Itoa(status)).Observe(took.Seconds())
}

// Refused records a request refused under load (handlers.Observer).
func (m *Metrics) Refused(status int, reason string) {
	m.refused.WithLabelValues(strconv.Itoa(status), reason).Inc()
}

// PoolMonitor observes the driver's connection pool: how long each
// checkout waited.
func (m *Metrics) PoolMonitor() *event.PoolMonitor {
	return &event.PoolMonitor{Event: func(e *event.PoolEvent) {
		switch e.Type {
		case event.ConnectionCheckedOut:
			m.dbWait.Observe(e.Duration.Seconds())
		case event.ConnectionCheckOutFailed:
			m.dbWait.Observe(e.Duration.Seconds())
			m.dbWaitFailed.Inc()
		}
	}}
}

// CommandMonitor observes the driver's commands: how long each took.
func (m *Metrics) CommandMonitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			m.dbCommand.WithLabelValues(e.CommandName, "ok").Observe(e.Duration.Seconds())
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			m.dbCommand.WithLabelValues(e.CommandName, "error").Observe(e.Duration.Seconds())
		},
	}
}

// ClaimTakenOver counts a lease taken over from an earlier holder; kind is
// the resource's prefix ("plan", "publish", "outbox").
func (m *Metrics) ClaimTakenOver(kind string) { m.takeovers.WithLabelValues(kind).Inc() }

// WeekPlanner plans one week (planning.Planner; jobs.WeekPlanner).
type WeekPlanner interface {
	PlanWeek(ctx context.Context, week models.Date, trigger string) (*models.Plan, error)
}

// Planner wraps p so that every planning run is measured.
func (m *Metrics) Planner(p WeekPlanner) WeekPlanner { return observedPlanner{p: p, m: m} }

type observedPlanner struct {
	p WeekPlanner
	m *Metrics
}

func (o observedPlanner) PlanWeek(ctx context.Context, week models.Date, trigger string) (*models.Plan, error) {
	start := time.Now()
	plan, err := o.p.PlanWeek(ctx, week, trigger)
	if err != nil {
		o.m.planDuration.WithLabelValues("failed").Observe(time.Since(start).Seconds())
		return nil, err
	}
	o.m.planDuration.WithLabelValues("ok").Observe(time.Since(start).Seconds())
	o.m.planFigures.WithLabelValues("scheduled").Set(float64(plan.KPIs.Scheduled))
	o.m.planFigures.WithLabelValues("unassigned").Set(float64(len(plan.Unassigned)))
	return plan, nil
}

// Sender wraps s so that every SMTP delivery is timed.
func (m *Metrics) Sender(s notify.Sender) notify.Sender { return observedSender{s: s, m: m} }

type observedSender struct {
	s notify.Sender
	m *Metrics
}

func (o observedSender) Send(ctx context.Context, msg notify.Message) error {
	start := time.Now()
	err := o.s.Send(ctx, msg)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	o.m.mailSend.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	return err
}

// MessageSent records a message marked sent at now.
func (m *Metrics) MessageSent(msg *models.OutboxMessage, now time.Time) {
	m.mailSent.Inc()
	if !msg.CreatedAt.IsZero() {
		m.mailLatency.Observe(max(0, now.Sub(msg.CreatedAt).Seconds()))
	}
}

// MessageRetried records a failed attempt that will be retried.
func (m *Metrics) MessageRetried() { m.mailRetried.Inc() }

// MessageFailed records a message given up.
func (m *Metrics) MessageFailed() { m.mailFailed.Inc() }

// OutboxCounter counts outbox messages by status (store.Store implements
// it).
type OutboxCounter interface {
	CountOutbox(ctx context.Context) (map[models.OutboxStatus]int64, error)
}

// WatchOutbox registers a gauge of the outbox's messages by status,
// counted from the database at each scrape (the outbox is a small, hot
// collection), bounded by timeout.
func (m *Metrics) WatchOutbox(c OutboxCounter, timeout time.Duration) error {
	return m.reg.Register(&outboxCollector{c: c, timeout: timeout, desc: prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "outbox", "messages"),
		"Outbox messages by status (pending, sent, failed), counted at scrape time.",
		[]string{"status"}, nil)})
}

type outboxCollector struct {
	c       OutboxCounter
	timeout time.Duration
	desc    *prometheus.Desc
}

func (o *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

func (o *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	counts, err := o.c.CountOutbox(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(o.desc, err)
		return
	}
	for _, st := range []models.OutboxStatus{models.OutboxPending, models.OutboxSent, models.OutboxFailed} {
		ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}
