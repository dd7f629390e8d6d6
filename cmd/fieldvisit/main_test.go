package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/demo"
)

// syncBuffer is an io.Writer a running command writes to while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// exec runs one command to completion.
func exec(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	code = run(context.Background(), args, envOf(env), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        map[string]string
		args       []string
		wantCode   int
		wantOut    string
		wantErrOut string
	}{
		{"no command", nil, nil, exitUsage, "", "Usage:"},
		{"unknown command", nil, []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"help", nil, []string{"help"}, exitOK, "fieldvisit serve", ""},
		{"help config", nil, []string{"help", "config"}, exitOK, "`FIELDVISIT_PLAN_CRON` | `--plan-cron` | `0 2 * * *`", ""},
		{"version", nil, []string{"version"}, exitOK, "fieldvisit ", ""},
		{"user without add", nil, []string{"user"}, exitUsage, "", `only subcommand is "add"`},
		{"user remove", nil, []string{"user", "remove"}, exitUsage, "", `only subcommand is "add"`},
		{"serve help", nil, []string{"serve", "-h"}, exitOK, "", "-demo-if-empty"},
		{"serve unknown flag", nil, []string{"serve", "--colour"}, exitUsage, "", "colour"},
		{"serve positional argument", nil, []string{"serve", "now"}, exitUsage, "", `unexpected argument "now"`},
		{"serve bad time zone", map[string]string{"FIELDVISIT_TZ": "Moscow"}, []string{"serve"}, exitUsage, "", "FIELDVISIT_TZ"},
		{"serve bad cron flag", nil, []string{"serve", "--plan-cron", "nightly"}, exitUsage, "", "FIELDVISIT_PLAN_CRON"},
		{"serve bad duration", map[string]string{"FIELDVISIT_SHUTDOWN_TIMEOUT": "soon"}, []string{"serve"}, exitUsage, "", "FIELDVISIT_SHUTDOWN_TIMEOUT"},
		{"seed without --demo", nil, []string{"seed"}, exitUsage, "", "pass --demo"},
		{"user add without role", nil, []string{"user", "add", "--email", "a@example.org", "--name", "A"}, exitUsage, "", "role"},
		{"user add bad e-mail", nil, []string{"user", "add", "--email", "nobody", "--name", "A", "--role", "coordinator"}, exitUsage, "", "email"},
		{"user add trainer without trainer", nil, []string{"user", "add", "--email", "t@example.org", "--name", "T", "--role", "trainer"}, exitUsage, "", "trainer_id"},
		{"user add short password", nil, []string{"user", "add", "--email", "a@example.org", "--name", "A", "--role", "coordinator", "--password", "short"}, exitUsage, "", "8 to 72 characters"},
		{"user add empty stdin", nil, []string{"user", "add", "--email", "a@example.org", "--name", "A", "--role", "coordinator"}, exitUsage, "", "no password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A data directory that would be created on any attempt to open the
			// database: none of these commands may get that far.
			mustNotExist := t.TempDir() + "/must-not-exist"
			env := map[string]string{"FIELDVISIT_DATA_DIR": mustNotExist}
			for k, v := range tc.env {
				env[k] = v
			}
			code, out, errOut := exec(t, env, "", tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("stdout %q lacks %q", out, tc.wantOut)
			}
			if !strings.Contains(errOut, tc.wantErrOut) {
				t.Errorf("stderr %q lacks %q", errOut, tc.wantErrOut)
			}
			if _, err := os.Stat(mustNotExist); err == nil {
				t.Errorf("the command opened the database in %s", mustNotExist)
			}
		})
	}
}

// server is a "serve" command running in the background.
type server struct {
	url            string
	cancel         context.CancelFunc
	done           chan int
	stdout, stderr *syncBuffer
}

var runningAt = regexp.MustCompile(`Fieldvisit is running at (http://\S+)`)

// startServe runs "serve" and waits for its welcome line.
func startServe(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{cancel: cancel, done: make(chan int, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	go func() {
		s.done <- run(ctx, append([]string{"serve"}, args...), envOf(env), nil, s.stdout, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	// The deadline only keeps a broken start from hanging the test run.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if m := runningAt.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case code := <-s.done:
			s.done <- code
			t.Fatalf("serve exited with %d before it was running\nstderr: %s", code, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not print its address\nstdout: %s\nstderr: %s", s.stdout, s.stderr)
		}
	}
}

// stop cancels the server's context, as SIGINT does, and returns its exit code.
func (s *server) stop() int {
	s.cancel()
	code := <-s.done
	s.done <- code // for the cleanup
	return code
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// login logs in through the API and returns the bearer token.
func login(t *testing.T, base, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("log in as %s: %v", email, err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Token == "" {
		t.Fatalf("log in as %s: status %d, token %q, decode error %v", email, resp.StatusCode, out.Token, err)
	}
	return out.Token
}

// getAuthorized GETs url with a bearer token and returns the status and body.
func getAuthorized(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestServeLifecycle goes through an installation's life on one data
// directory: first start with the demo, a second process refused while the
// first runs, clean shutdown, administration commands on the stopped
// directory, a restart that finds everything again, and a demo reset.
func TestServeLifecycle(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"FIELDVISIT_ADDR":     "127.0.0.1:0",
		"FIELDVISIT_DATA_DIR": dir,
		// Not the developer's or CI's database: the test owns its directory.
		"MONGODB_URI": "",
		// The start-up planning run of the demo week competes for the CPU
		// with everything the test does; a short one is plenty here.
		"FIELDVISIT_PLAN_TIME_LIMIT": "1s",
	}

	first := startServe(t, env, "--demo-if-empty")
	if strings.HasSuffix(first.url, ":0") || !strings.HasPrefix(first.url, "http://127.0.0.1:") {
		t.Errorf("printed address %s, want the real 127.0.0.1 port", first.url)
	}
	for _, acc := range demo.Logins() {
		if !strings.Contains(first.stdout.String(), acc.Email) {
			t.Errorf("welcome text does not list demo account %s:\n%s", acc.Email, first.stdout)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code := get(t, first.url+path); code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, code)
		}
	}
	token := login(t, first.url, demo.CoordinatorEmail, demo.Password)
	code, body := getAuthorized(t, first.url+"/api/v1/clinics?limit=200", token)
	var clinics struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &clinics); code != http.StatusOK || err != nil || len(clinics.Items) < 40 {
		t.Errorf("coordinator lists clinics: status %d, %d clinics, error %v; want 200 and the demo's 40+", code, len(clinics.Items), err)
	}
	// Feed URLs (and links in e-mails) point where the server really
	// listens, not at the default base URL's port 8080.
	code, body = getAuthorized(t, first.url+"/api/v1/trainers?limit=1", token)
	var trainers struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &trainers); code != http.StatusOK || err != nil || len(trainers.Items) != 1 {
		t.Fatalf("coordinator lists trainers: status %d, error %v: %s", code, err, body)
	}
	code, body = getAuthorized(t, first.url+"/api/v1/trainers/"+trainers.Items[0].ID+"/feed-token", token)
	var feed struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(body, &feed); code != http.StatusOK || err != nil || !strings.HasPrefix(feed.URL, first.url+"/feeds/") {
		t.Errorf("feed token: status %d, URL %q, error %v; want a URL under %s", code, feed.URL, err, first.url)
	}
	if !strings.Contains(first.stderr.String(), "request_id=") {
		t.Errorf("request log lines carry no request id:\n%s", first.stderr)
	}

	// A second process on the same directory must give up at once, naming
	// the problem, while the first one keeps serving.
	code, _, errOut := exec(t, env, "", "serve")
	if code == exitOK || !strings.Contains(errOut, "in use by another fieldvisit process") {
		t.Errorf("second serve on %s: exit %d, stderr %q; want a failure naming the locked directory", dir, code, errOut)
	}
	if code := get(t, first.url+"/readyz"); code != http.StatusOK {
		t.Errorf("first server not ready after the refused second start: %d", code)
	}

	if code := first.stop(); code != exitOK {
		t.Fatalf("serve exited with %d after cancel, want 0\nstderr: %s", code, first.stderr)
	}
	if !strings.Contains(first.stderr.String(), "embedded database stopped") {
		t.Errorf("shutdown did not stop the embedded database:\n%s", first.stderr)
	}

	// Administration on the stopped directory (its lock is free again).
	code, _, errOut = exec(t, env, "", "seed", "--demo")
	if code != exitError || !strings.Contains(errOut, "already holds") {
		t.Errorf("seed --demo over existing data: exit %d, stderr %q; want a refusal", code, errOut)
	}
	userAddArgs := []string{"user", "add", "--role", "coordinator", "--email", "Boss@Example.org", "--name", "Начальник"}
	code, out, errOut := exec(t, env, "correct horse battery\n", userAddArgs...)
	if code != exitOK || !strings.Contains(out, "Created coordinator account") {
		t.Fatalf("user add with the password on stdin: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, _, errOut = exec(t, map[string]string{"FIELDVISIT_DATA_DIR": dir, "FIELDVISIT_PASSWORD": "another password"}, "", userAddArgs...)
	if code != exitError || !strings.Contains(errOut, "already exists") {
		t.Errorf("user add with a taken e-mail: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = exec(t, env, "", "user", "add", "--role", "trainer", "--email", "t@example.org", "--name", "T",
		"--trainer-id", "0123456789abcdef01234567", "--password", "long enough")
	if code != exitError || !strings.Contains(errOut, "--trainer-id") {
		t.Errorf("user add for a missing trainer: exit %d, stderr %q", code, errOut)
	}

	// Restart without --demo-if-empty: everything is still there.
	second := startServe(t, env)
	if !strings.Contains(second.stdout.String(), demo.CoordinatorEmail) {
		t.Errorf("restart does not list the demo accounts it still has:\n%s", second.stdout)
	}
	login(t, second.url, "boss@example.org", "correct horse battery")
	if code := second.stop(); code != exitOK {
		t.Fatalf("second serve exited with %d\nstderr: %s", code, second.stderr)
	}

	// --reset drops everything, then loads the demo again; without the drop
	// the demo's trainers would collide with their own e-mails.
	code, out, errOut = exec(t, env, "", "seed", "--demo", "--reset")
	if code != exitOK || !strings.Contains(out, demo.CoordinatorEmail) {
		t.Fatalf("seed --demo --reset: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestServeRefusesTakenPort: a port in use fails the start at once, with a
// message that names the setting to change, before the database is started
// (or created and seeded).
func TestServeRefusesTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir() + "/data"
	code, out, errOut := exec(t, map[string]string{"FIELDVISIT_ADDR": taken.Addr().String(), "FIELDVISIT_DATA_DIR": dir, "MONGODB_URI": ""}, "",
		"serve", "--demo-if-empty")
	if code != exitError || !strings.Contains(errOut, "address already in use") || !strings.Contains(errOut, "Choose another with FIELDVISIT_ADDR or --addr") {
		t.Errorf("serve on a taken port: exit %d, stderr %q; want 1 and a message naming the address and how to choose another", code, errOut)
	}
	if strings.Contains(out, "running at") {
		t.Errorf("serve on a taken port says it runs: %q", out)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("serve on a taken port started the database in %s", dir)
	}
}
