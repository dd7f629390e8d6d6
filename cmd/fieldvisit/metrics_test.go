package main

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/fieldvisit/fieldvisit/demo"
)

var metricsAt = regexp.MustCompile(`msg="serving metrics" addr=(\S+)`)

// TestServeMetrics runs the service with metrics on a listener of their
// own, makes some traffic (the demo's start-up plan, published at once and
// its mail dispatched to the development mailbox; API calls, some refused
// by the rate limit) and scrapes /metrics: every family is there with
// values that fit the traffic.
func TestServeMetrics(t *testing.T) {
	env := map[string]string{
		"FIELDVISIT_ADDR":            "127.0.0.1:0",
		"FIELDVISIT_DATA_DIR":        t.TempDir(),
		"MONGODB_URI":                "",
		"FIELDVISIT_PLAN_TIME_LIMIT": "1s",
		"FIELDVISIT_AUTO_PUBLISH":    "true",
		"FIELDVISIT_OUTBOX_INTERVAL": "1s",
		"FIELDVISIT_METRICS_ADDR":    "127.0.0.1:0",
		"FIELDVISIT_LIMIT_RATE":      "1",
		"FIELDVISIT_LIMIT_BURST":     "2",
	}
	s := startServe(t, env, "--demo-if-empty")
	m := metricsAt.FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", s.stderr)
	}
	scrapeURL := "http://" + strings.Trim(m[1], `"`) + "/metrics"
	if code := get(t, s.url+"/metrics"); code != http.StatusNotFound {
		t.Errorf("the public listener answers /metrics with %d; metrics belong on their own listener", code)
	}

	token := login(t, s.url, demo.CoordinatorEmail, demo.Password)
	// 20 requests at once of a caller allowed 1 a second, 2 in a row and
	// 4 at a time: most are refused, whatever the machine's speed.
	var (
		mu      sync.Mutex
		refused int
		wg      sync.WaitGroup
	)
	for range 20 {
		wg.Go(func() {
			code, _ := getAuthorized(t, s.url+"/api/v1/clinics?limit=5", token)
			mu.Lock()
			defer mu.Unlock()
			if code == http.StatusTooManyRequests {
				refused++
			} else if code != http.StatusOK {
				t.Errorf("list clinics: %d", code)
			}
		})
	}
	wg.Wait()
	if refused == 0 || refused == 20 {
		t.Errorf("%d of 20 requests at once refused; want some served and some refused", refused)
	}

	// The start-up plan is made, published and mailed in the background.
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(2 * time.Minute)
	for {
		fams = scrape(t, scrapeURL)
		if value(fams, "fieldvisit_outbox_sent_total", nil) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail sent within 2 minutes; stderr:\n%s", s.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}

	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"fieldvisit_http_request_duration_seconds", map[string]string{"route": "/api/v1/clinics", "method": "GET", "status": "200"}, 1},
		{"fieldvisit_http_request_duration_seconds", map[string]string{"route": "/api/v1/auth/login", "method": "POST", "status": "200"}, 1},
		{"fieldvisit_http_refused_total", map[string]string{"status": "429"}, float64(refused)},
		{"fieldvisit_db_connection_wait_seconds", nil, 10},
		{"fieldvisit_db_command_duration_seconds", map[string]string{"command": "find", "outcome": "ok"}, 10},
		{"fieldvisit_db_command_duration_seconds", map[string]string{"command": "insert", "outcome": "ok"}, 1},
		{"fieldvisit_planning_run_duration_seconds", map[string]string{"outcome": "ok"}, 1},
		{"fieldvisit_planning_last_run_requests", map[string]string{"result": "scheduled"}, 1},
		{"fieldvisit_outbox_sent_total", nil, 1},
		{"fieldvisit_outbox_send_latency_seconds", nil, 1},
	} {
		if got := value(fams, c.name, c.labels); got < c.min {
			t.Errorf("%s%v = %g, want at least %g", c.name, c.labels, got, c.min)
		}
	}
	// Series that exist before anything happens to them.
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"fieldvisit_planning_last_run_requests", map[string]string{"result": "unassigned"}},
		{"fieldvisit_outbox_messages", map[string]string{"status": "pending"}},
		{"fieldvisit_outbox_messages", map[string]string{"status": "failed"}},
		{"fieldvisit_claims_taken_over_total", map[string]string{"kind": "publish"}},
		{"go_goroutines", nil},
	} {
		if value(fams, c.name, c.labels) < 0 {
			t.Errorf("no series %s%v", c.name, c.labels)
		}
	}
	if sent, total := value(fams, "fieldvisit_outbox_messages", map[string]string{"status": "sent"}), value(fams, "fieldvisit_outbox_sent_total", nil); sent < total {
		t.Errorf("outbox holds %g sent messages, fewer than the %g sent", sent, total)
	}
	if code := s.stop(); code != exitOK {
		t.Errorf("serve exited with %d\nstderr: %s", code, s.stderr)
	}
}

// scrape reads the metrics at url.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %d", url, resp.StatusCode)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse the scrape: %v", err)
	}
	return fams
}

// value is the sum over the series of name whose labels include labels:
// counters and gauges by value, histograms by their count. -1 when there
// is no such series.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	sum, found := 0.0, false
series:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue series
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	if !found {
		return -1
	}
	return sum
}
