package handlers

import (
	"strings"
	"testing"
)

// refusal is one bad input and the answer it must get: the status and the
// first field the problem names ("" when it names none).
type refusal struct {
	name   string
	r      req
	status int
	field  string
}

// checkRefusals sends each case and checks its answer and that nothing at
// all was written (one snapshot before serves every case, as each is
// refused).
func checkRefusals(t *testing.T, e *env, cases []refusal) {
	t.Helper()
	before := e.snapshot()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do(tc.r)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", res.status, tc.status, res.body)
			}
			p := res.problem(t)
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("errors %+v, want first field %q", p.Errors, tc.field)
			}
			if p.Detail == "" {
				t.Error("problem without detail")
			}
			if d := before.diff(e.snapshot()); d != "" {
				t.Errorf("refused input was written: %s", d)
			}
		})
	}
}

// setField returns body with key set to value.
func setField(body map[string]any, key string, value any) map[string]any {
	body[key] = value
	return body
}

// TestLengthsInCharacters: every limit counts characters, as the OpenAPI
// maxLength does, so a Cyrillic text (two bytes a letter) may use the whole
// limit; one character more is refused; a password must also fit bcrypt's
// 72 bytes and says so in its own words.
func TestLengthsInCharacters(t *testing.T) {
	e := newEnv(t)
	api := "/api/v1"
	cyr := func(n int) string { return strings.Repeat("ж", n) }
	userBody := func(password string) map[string]any {
		return map[string]any{"email": "new" + strings.ReplaceAll(t.Name(), "/", "-") + "@example.org", "name": "New", "password": password, "role": "coordinator"}
	}

	checkRefusals(t, e, []refusal{
		{"topic of 201 characters", req{as: coord, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "topic", cyr(201))}, 422, "topic"},
		{"comment of 4001 characters", req{as: coord, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "comment", cyr(4001))}, 422, "comment"},
		{"skill of 65 characters", req{as: coord, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "skills", []string{cyr(65)})}, 422, "skills[0]"},
		{"clinic notes of 4001 characters", req{as: coord, method: "POST", path: api + "/clinics", body: setField(e.clinicBody(), "notes", cyr(4001))}, 422, "notes"},
		{"clinic name of 201 characters", req{as: coord, method: "POST", path: api + "/clinics", body: setField(e.clinicBody(), "name", cyr(201))}, 422, "name"},
		{"trainer name of 201 characters", req{as: coord, method: "POST", path: api + "/trainers", body: setField(e.trainerBody(), "name", cyr(201))}, 422, "name"},
		{"trainer phone of 101 characters", req{as: coord, method: "POST", path: api + "/trainers", body: setField(e.trainerBody(), "phone", cyr(101))}, 422, "phone"},
		{"token name of 101 characters", req{as: coord, method: "POST", path: api + "/tokens", body: map[string]any{"name": cyr(101)}}, 422, "name"},
		{"account name of 201 characters", req{as: coord, method: "POST", path: api + "/users", body: setField(userBody("long enough"), "name", cyr(201))}, 422, "name"},
		{"password of 7 characters", req{as: coord, method: "POST", path: api + "/users", body: userBody("1234567")}, 422, "password"},
		{"password of 73 characters", req{as: coord, method: "POST", path: api + "/users", body: userBody(strings.Repeat("p", 73))}, 422, "password"},
		{"password over 72 bytes", req{as: coord, method: "POST", path: api + "/users", body: userBody(cyr(37))}, 422, "password"},
	})

	// The password's two limits explain themselves differently.
	res := e.do(req{as: coord, method: "POST", path: api + "/users", body: userBody(cyr(37))})
	if p := res.problem(t); len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "72 bytes") {
		t.Errorf("a password over 72 bytes: %+v, want the byte limit explained", p.Errors)
	}
	res = e.do(req{as: coord, method: "POST", path: api + "/users", body: userBody(strings.Repeat("p", 73))})
	if p := res.problem(t); len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "8 to 72 characters") {
		t.Errorf("a password of 73 characters: %+v, want the character limit", p.Errors)
	}

	// Exactly at the limits is accepted, and the document agrees (do checks
	// every accepted request against the OpenAPI schema).
	e.do(req{as: coord, method: "POST", path: api + "/requests", body: setField(setField(requestBody(e.clinicA.ID), "topic", cyr(200)), "comment", cyr(4000))}).want(t, 201)
	e.do(req{as: coord, method: "POST", path: api + "/trainers", body: setField(setField(e.trainerBody(), "name", cyr(200)), "skills", []string{cyr(64)})}).want(t, 201)
	e.do(req{as: coord, method: "POST", path: api + "/tokens", body: map[string]any{"name": cyr(100)}}).want(t, 201)
	body := userBody(cyr(36)) // 72 bytes
	body["email"] = "cyrillic.password@example.org"
	e.do(req{as: coord, method: "POST", path: api + "/users", body: body}).want(t, 201)
	e.do(req{method: "POST", path: api + "/auth/login", body: map[string]any{"email": "cyrillic.password@example.org", "password": cyr(36)}}).want(t, 200)
}
