package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/fieldvisit/fieldvisit/models"
)

// login logs a test user in and returns the result and the cookies set.
func (e *env) login(t *testing.T, who, password string, want int) (loginResult, []*http.Cookie, *response) {
	t.Helper()
	res := e.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"email": e.users[who].Email, "password": password}}).want(t, want)
	var out loginResult
	if want == http.StatusOK {
		res.decode(t, &out)
	} else {
		res.problem(t)
	}
	return out, (&http.Response{Header: res.header}).Cookies(), res
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestLoginSessionAndLogout(t *testing.T) {
	e := newEnv(t)
	out, cookies, _ := e.login(t, trainerA, testPassword, http.StatusOK)
	if out.Token == "" || out.User == nil || out.User.ID != e.users[trainerA].ID || out.CSRFToken == "" {
		t.Fatalf("login result %+v", out)
	}
	session, csrf := cookieNamed(cookies, sessionCookie), cookieNamed(cookies, csrfCookie)
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Value != out.Token || session.Secure {
		t.Fatalf("session cookie %+v", session)
	}
	if csrf == nil || csrf.HttpOnly || csrf.Value != out.CSRFToken {
		t.Fatalf("csrf cookie %+v", csrf)
	}

	// The token works as Bearer and as the cookie.
	var me models.User
	e.do(req{method: http.MethodGet, path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + out.Token}}).want(t, http.StatusOK).decode(t, &me)
	if me.ID != e.users[trainerA].ID || me.Role != models.RoleTrainer {
		t.Errorf("me = %+v", me)
	}
	e.do(req{method: http.MethodGet, path: "/api/v1/me", cookies: []*http.Cookie{session}}).want(t, http.StatusOK)

	// Unsafe methods with the cookie need the CSRF header; Bearer does not.
	avail := "/api/v1/trainers/" + e.trainerA.ID + "/availability"
	body := map[string]any{"weekly": map[string]any{"fri": []any{map[string]any{"start": "09:00", "end": "12:00"}}}, "version": 1}
	before := e.snapshot()
	for _, h := range []map[string]string{nil, {csrfHeader: "forged"}, {csrfHeader: csrfToken("another session")}} {
		p := e.do(req{method: http.MethodPut, path: avail, body: body, cookies: []*http.Cookie{session, csrf}, header: h}).want(t, http.StatusForbidden).problem(t)
		if p.Detail == "" {
			t.Error("CSRF refusal without detail")
		}
	}
	if d := before.diff(e.snapshot()); d != "" {
		t.Fatalf("a refused CSRF request wrote: %s", d)
	}
	e.do(req{method: http.MethodPut, path: avail, body: body, cookies: []*http.Cookie{session, csrf}, header: map[string]string{csrfHeader: csrf.Value}}).want(t, http.StatusOK)
	body["version"] = 2
	e.do(req{method: http.MethodPut, path: avail, body: body, header: map[string]string{"Authorization": "Bearer " + out.Token}}).want(t, http.StatusOK)

	// Logout (a cookie POST, so with CSRF) revokes the session and clears cookies.
	res := e.do(req{method: http.MethodPost, path: "/api/v1/auth/logout", cookies: []*http.Cookie{session}, header: map[string]string{csrfHeader: csrf.Value}}).want(t, http.StatusNoContent)
	if c := cookieNamed((&http.Response{Header: res.header}).Cookies(), sessionCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout did not clear the session cookie: %+v", c)
	}
	e.do(req{method: http.MethodGet, path: "/api/v1/me", cookies: []*http.Cookie{session}}).want(t, http.StatusUnauthorized).problem(t)
	e.do(req{method: http.MethodGet, path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + out.Token}}).want(t, http.StatusUnauthorized).problem(t)
}

func TestLoginRefusals(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"wrong password", map[string]string{"email": e.users[coord].Email, "password": "wrong"}, http.StatusUnauthorized},
		{"unknown e-mail", map[string]string{"email": "nobody@example.org", "password": testPassword}, http.StatusUnauthorized},
		{"empty", map[string]string{"email": "", "password": ""}, http.StatusUnprocessableEntity},
		{"unknown field", map[string]string{"email": e.users[coord].Email, "password": testPassword, "remember": "yes"}, http.StatusBadRequest},
		{"malformed", `{"email":`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			e.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: tc.body}).want(t, tc.want).problem(t)
			if d := before.diff(e.snapshot()); d != "" {
				t.Errorf("a refused login wrote: %s", d)
			}
		})
	}
	// Expired sessions and garbage credentials are 401.
	for _, h := range []string{"Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "} {
		e.do(req{method: http.MethodGet, path: "/api/v1/me", header: map[string]string{"Authorization": h}}).want(t, http.StatusUnauthorized).problem(t)
	}
	e.clock.Advance(25 * time.Hour) // fixture tokens live 24 hours
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/me"}).want(t, http.StatusUnauthorized).problem(t)
}

// loginFrom logs in over a connection from the loopback address ip (any
// 127.x.y.z reaches the test server), as a client elsewhere would, and
// answers the status and Retry-After.
func (e *env) loginFrom(t *testing.T, ip, who, password string) (int, string) {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	defer client.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"email": e.users[who].Email, "password": password})
	res, err := client.Post(e.http.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("Retry-After")
}

// TestLoginRateLimit: failures slow the address they come from, with waits
// that double, while the owner logging in from their own address is let in.
func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	const attacker, owner = "127.0.0.2", "127.0.0.3"
	for range pairFree {
		if st, _ := e.loginFrom(t, attacker, coord, "wrong"); st != http.StatusUnauthorized {
			t.Fatalf("free failure: %d", st)
		}
	}
	// From the attacker's address: 429 even with the right password, and no
	// session is opened.
	before := e.snapshot()
	if st, after := e.loginFrom(t, attacker, coord, testPassword); st != http.StatusTooManyRequests || after != "30" {
		t.Errorf("after %d failures: %d, Retry-After %q; want 429 after 30", pairFree, st, after)
	}
	if d := before.diff(e.snapshot()); d != "" {
		t.Errorf("a refused login wrote: %s", d)
	}
	// The owner, from their own address, logs in.
	if st, _ := e.loginFrom(t, owner, coord, testPassword); st != http.StatusOK {
		t.Errorf("the owner from their own address: %d, want 200", st)
	}
	// Another account from the attacker's address is not limited yet.
	if st, _ := e.loginFrom(t, attacker, trainerA, testPassword); st != http.StatusOK {
		t.Errorf("another account from the same address: %d", st)
	}
	// After the wait one more attempt; another failure doubles the wait.
	e.clock.Advance(pairLockout)
	if st, _ := e.loginFrom(t, attacker, coord, "wrong"); st != http.StatusUnauthorized {
		t.Errorf("after the wait: %d", st)
	}
	if st, after := e.loginFrom(t, attacker, coord, testPassword); st != http.StatusTooManyRequests || after != "60" {
		t.Errorf("second lockout: %d, Retry-After %q; want 429 after 60", st, after)
	}
	if st := e.srv.logins.stats(); st.Pair != 2 || st.Refused != 2 {
		t.Errorf("lockouts %+v, want 2 started and 2 attempts refused", st)
	}

	// Per address: failures spread over several accounts, none of them at
	// its own limit, hit the address limit; other addresses are not slowed.
	e2 := newEnv(t)
	accounts := roleNames[1:]
	for i := range addressFree {
		e2.loginFrom(t, attacker, accounts[i%len(accounts)], "wrong")
	}
	if st, after := e2.loginFrom(t, attacker, coord, testPassword); st != http.StatusTooManyRequests || after != "2" {
		t.Errorf("address over its limit: %d, Retry-After %q; want 429 after 2", st, after)
	}
	if st, _ := e2.loginFrom(t, owner, coord, testPassword); st != http.StatusOK {
		t.Errorf("another address: %d", st)
	}
	e2.clock.Advance(addressLockout)
	if st, _ := e2.loginFrom(t, attacker, coord, testPassword); st != http.StatusOK {
		t.Errorf("after the address's wait: %d", st)
	}
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	var created createdToken
	res := e.do(req{as: clinicA, method: http.MethodPost, path: "/api/v1/tokens", body: map[string]any{"name": "import script", "expires_in_days": 30}}).want(t, http.StatusCreated)
	res.decode(t, &created)
	if created.Secret == "" || created.Kind != models.TokenAPI || !created.ExpiresAt.Equal(e.clock.Now().Add(30*24*time.Hour)) {
		t.Fatalf("created %+v", created)
	}
	stored, err := e.st.Token(t.Context(), TokenHash(created.Secret))
	if err != nil || stored.ID != created.ID || stored.Hash == created.Secret {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	bearer := map[string]string{"Authorization": "Bearer " + created.Secret}
	var me models.User
	e.do(req{method: http.MethodGet, path: "/api/v1/me", header: bearer}).want(t, http.StatusOK).decode(t, &me)
	if me.ID != e.users[clinicA].ID {
		t.Errorf("token belongs to %s", me.ID)
	}

	var l list[map[string]any]
	e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/tokens"}).want(t, http.StatusOK).decode(t, &l)
	if len(l.Items) != 2 { // the fixture token and the new one
		t.Fatalf("tokens = %v", l.Items)
	}
	for _, it := range l.Items {
		if _, ok := it["token"]; ok {
			t.Errorf("a listed token shows a secret: %v", it)
		}
	}

	e.do(req{as: clinicB, method: http.MethodDelete, path: "/api/v1/tokens/" + created.ID}).want(t, http.StatusNotFound).problem(t)
	e.do(req{method: http.MethodGet, path: "/api/v1/me", header: bearer}).want(t, http.StatusOK)
	e.do(req{as: clinicA, method: http.MethodDelete, path: "/api/v1/tokens/" + created.ID}).want(t, http.StatusNoContent)
	e.do(req{method: http.MethodGet, path: "/api/v1/me", header: bearer}).want(t, http.StatusUnauthorized).problem(t)

	e.do(req{as: clinicA, method: http.MethodPost, path: "/api/v1/tokens", body: map[string]any{"name": " ", "expires_in_days": 0}}).want(t, http.StatusUnprocessableEntity).problem(t)
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"email": "New.Trainer@Example.org", "name": "New trainer", "password": "long enough", "role": "trainer", "trainer_id": e.trainerB.ID}
	var u models.User
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/users", body: body}).want(t, http.StatusCreated).decode(t, &u)
	if u.Role != models.RoleTrainer || u.TrainerID != e.trainerB.ID || u.Email != "new.trainer@example.org" {
		t.Fatalf("created %+v", u)
	}
	// The new account logs in (case-insensitively) and is who it says.
	res := e.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"email": "new.trainer@example.org", "password": "long enough"}}).want(t, http.StatusOK)
	var out loginResult
	res.decode(t, &out)
	if out.User.ID != u.ID {
		t.Errorf("logged in as %s", out.User.ID)
	}

	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/users", body: body}).want(t, http.StatusConflict).problem(t)
	for _, tc := range []struct {
		change map[string]any
		field  string
	}{
		{map[string]any{"trainer_id": "0123456789abcdef01234567"}, "trainer_id"},
		{map[string]any{"role": "clinic", "trainer_id": "", "clinic_id": "0123456789abcdef01234567"}, "clinic_id"},
		{map[string]any{"role": "admin"}, "role"},
		{map[string]any{"password": "short"}, "password"},
	} {
		b := map[string]any{"email": "x@example.org", "name": "X", "password": "long enough", "role": "trainer", "trainer_id": e.trainerB.ID}
		for k, v := range tc.change {
			b[k] = v
		}
		p := e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/users", body: b}).want(t, http.StatusUnprocessableEntity).problem(t)
		if len(p.Errors) == 0 || p.Errors[len(p.Errors)-1].Field != tc.field {
			t.Errorf("%v: errors %+v, want field %s", tc.change, p.Errors, tc.field)
		}
	}

	var l list[models.User]
	res = e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/users"}).want(t, http.StatusOK)
	res.decode(t, &l)
	if len(l.Items) != 6 {
		t.Errorf("%d users, want 6", len(l.Items))
	}
	if strings.Contains(string(res.body), "password") {
		t.Errorf("the user list shows password hashes: %s", res.body)
	}
	var got models.User
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/users/" + u.ID}).want(t, http.StatusOK).decode(t, &got)
	if got.Email != u.Email {
		t.Errorf("get user = %+v", got)
	}
}

func TestPasswordHashes(t *testing.T) {
	h, err := HashPassword("demo")
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := bcrypt.Cost(h); err != nil || cost != bcrypt.DefaultCost {
		t.Errorf("cost %d (%v), want %d", cost, err, bcrypt.DefaultCost)
	}
	if err := bcrypt.CompareHashAndPassword(h, []byte("demo")); err != nil {
		t.Errorf("the hash does not match its password: %v", err)
	}
	// The stand-in hash for unknown e-mails costs what a real one does.
	if cost, err := bcrypt.Cost([]byte(defaultDummyHash)); err != nil || cost != bcrypt.DefaultCost {
		t.Errorf("dummy hash cost %d (%v), want %d", cost, err, bcrypt.DefaultCost)
	}
	secret, hash := NewToken()
	if len(secret) < 40 || hash != TokenHash(secret) || hash == secret || len(NewID()) != 24 || !models.ValidID(NewID()) {
		t.Errorf("token %q hash %q", secret, hash)
	}
}
