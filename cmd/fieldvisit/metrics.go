package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fieldvisit/fieldvisit/config"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/metrics"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
)

// outboxCountTimeout bounds counting the outbox at a scrape.
const outboxCountTimeout = 2 * time.Second

// metricsServer serves /metrics on a listener of its own.
type metricsServer struct {
	m   *metrics.Metrics
	srv *http.Server
	ln  net.Listener
}

// startMetrics opens cfg.MetricsAddr and serves a fresh registry's metrics
// there. It returns nil (and no error) when metrics are off.
func startMetrics(cfg config.Config, log *slog.Logger) (*metricsServer, error) {
	if cfg.MetricsAddr == "" {
		return nil, nil
	}
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		log.Error("cannot listen for metrics; choose another FIELDVISIT_METRICS_ADDR", "addr", cfg.MetricsAddr, "err", err)
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	ms := &metricsServer{m: m, ln: ln, srv: &http.Server{
		Handler: mux, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: time.Minute, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}
	go func() {
		if err := ms.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	return ms, nil
}

// metrics returns the collectors, nil when metrics are off.
func (ms *metricsServer) metrics() *metrics.Metrics {
	if ms == nil {
		return nil
	}
	return ms.m
}

// close stops the metrics server.
func (ms *metricsServer) close(ctx context.Context) {
	if ms == nil {
		return
	}
	if err := ms.srv.Shutdown(ctx); err != nil {
		_ = ms.srv.Close()
	}
}

// monitors are the database monitors of m; none when m is nil.
func monitors(m *metrics.Metrics) store.Monitors {
	if m == nil {
		return store.Monitors{}
	}
	return store.Monitors{Command: m.CommandMonitor(), Pool: m.PoolMonitor()}
}

// claimKind is a lease resource's kind, its prefix: "plan", "publish",
// "outbox". Metrics label by it, never by the resource itself.
func claimKind(resource string) string {
	kind, _, _ := strings.Cut(resource, ":")
	return kind
}

// observedOutbox counts what the dispatcher does with messages.
type observedOutbox struct {
	jobs.OutboxStore
	m   *metrics.Metrics
	now func() time.Time
}

func (o observedOutbox) MarkMessageSent(ctx context.Context, msg *models.OutboxMessage, mailbox bool) error {
	if err := o.OutboxStore.MarkMessageSent(ctx, msg, mailbox); err != nil {
		return err
	}
	o.m.MessageSent(msg, o.now())
	return nil
}

func (o observedOutbox) RescheduleMessage(ctx context.Context, msg *models.OutboxMessage, sendErr string, retryAt time.Time) error {
	if err := o.OutboxStore.RescheduleMessage(ctx, msg, sendErr, retryAt); err != nil {
		return err
	}
	o.m.MessageRetried()
	return nil
}

func (o observedOutbox) FailMessage(ctx context.Context, msg *models.OutboxMessage, sendErr string) error {
	if err := o.OutboxStore.FailMessage(ctx, msg, sendErr); err != nil {
		return err
	}
	o.m.MessageFailed()
	return nil
}
