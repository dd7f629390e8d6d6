package handlers

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// inputRefusal is one bad input and the answer it must get: the status and the
// first field the problem names ("" when it names none).
type inputRefusal struct {
	name   string
	r      req
	status int
	field  string
}

// checkRefusals sends each case and checks its answer and that nothing at
// all was written (one snapshot before serves every case, as each is
// refused).
func checkRefusals(t *testing.T, e *env, cases []inputRefusal) {
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

	checkRefusals(t, e, []inputRefusal{
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

// prepend returns the JSON of body with members (`"key":value` pairs) put
// before its own, the only way to send a key twice.
func prepend(t *testing.T, body map[string]any, members string) string {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return "{" + members + "," + string(b[1:])
}

// TestStrictKeys: a key is matched exactly (encoding/json would take "Topic"
// for "topic") and given once per object (it would keep the last), at any
// depth; either is a 400 naming the key.
func TestStrictKeys(t *testing.T) {
	e := newEnv(t)
	api := "/api/v1"
	reqPath := api + "/requests/" + e.requestA.ID
	availPath := api + "/trainers/" + e.trainerA.ID + "/availability"
	clinic := e.clinicBody()
	delete(clinic, "place")

	checkRefusals(t, e, []inputRefusal{
		{"duplicate key", req{as: coord, method: "POST", path: api + "/requests", body: prepend(t, requestBody(e.clinicA.ID), `"topic":"first"`)}, 400, "topic"},
		{"duplicate key in an update", req{as: coord, method: "PUT", path: reqPath, header: ifMatch(1), body: prepend(t, requestBody(e.clinicA.ID), `"priority":"low"`)}, 400, "priority"},
		{"duplicate nested key", req{as: coord, method: "POST", path: api + "/clinics", body: prepend(t, clinic, `"place":{"address":"x","lat":55.7,"lat":55.8,"lon":37.5}`)}, 400, "place.lat"},
		{"duplicate key in an array element", req{as: trainerA, method: "PUT", path: availPath, header: ifMatch(1),
			body: `{"overrides":[{"date":"2025-03-11","off":true},{"date":"2025-03-12","date":"2025-03-13","off":true}]}`}, 400, "overrides[1].date"},
		{"duplicate unknown key", req{as: coord, method: "POST", path: api + "/plans/2025-03-10/run", body: `{"x":1,"x":2}`}, 400, "x"},
		{"duplicate login e-mail", req{method: "POST", path: api + "/auth/login", body: `{"email":"x@example.org","email":"` + e.users[coord].Email + `","password":"` + testPassword + `"}`}, 400, "email"},
		{"differently cased key", req{as: coord, method: "POST", path: api + "/requests", body: prepend(t, requestBody(e.clinicA.ID), `"Comment":"hidden"`)}, 400, "Comment"},
		{"differently cased key in place of a required one", req{as: coord, method: "POST", path: api + "/trainers", body: func() string {
			b := e.trainerBody()
			delete(b, "name")
			return prepend(t, b, `"NAME":"Shouting"`)
		}()}, 400, "NAME"},
		{"differently cased nested key", req{as: coord, method: "POST", path: api + "/clinics", body: prepend(t, clinic, `"place":{"Address":"x","lat":55.7,"lon":37.5}`)}, 400, "place.Address"},
		{"differently cased key in a list", req{as: trainerA, method: "PUT", path: availPath, header: ifMatch(1), body: `{"weekly":{"mon":[{"Start":"09:00","end":"12:00"}]}}`}, 400, "weekly.mon[0].Start"},
		{"differently cased login keys", req{method: "POST", path: api + "/auth/login", body: `{"Email":"` + e.users[coord].Email + `","Password":"` + testPassword + `"}`}, 400, "Email"},
	})

	// Exactly cased, once each: accepted.
	e.do(req{as: coord, method: "POST", path: api + "/requests", body: requestBody(e.clinicA.ID)}).want(t, 201)
}

func TestCheckKeys(t *testing.T) {
	type inner struct {
		Start string `json:"start"`
	}
	type Embedded struct {
		Shared string `json:"shared"`
		Deep   string `json:"deep"`
	}
	type body struct {
		Embedded
		Shared string           `json:"shared_outer"`
		Items  []inner          `json:"items"`
		ByName map[string]inner `json:"by_name"`
		Any    any              `json:"any"`
		Skip   string           `json:"-"`
		Plain  string
	}
	typ := reflect.TypeFor[*body]()
	for _, tc := range []struct {
		json  string
		field string // "" when accepted
	}{
		{`{"deep":"a","items":[{"start":"x"}],"by_name":{"a":{"start":"y"}},"any":{"k":1},"Plain":"p"}`, ""},
		{`{"Deep":"a"}`, "Deep"},
		{`{"plain":"p"}`, "plain"},
		{`{"items":[{"start":"x"},{"START":"x"}]}`, "items[1].START"},
		{`{"by_name":{"a":{"Start":"y"}}}`, "by_name.a.Start"},
		{`{"by_name":{"a":{},"a":{}}}`, "by_name.a"},
		{`{"any":{"k":1,"k":2}}`, "any.k"},
		{`{"any":[{"k":1},{"k":1,"k":2}]}`, "any[1].k"},
		{`{"items":[],"items":[]}`, "items"},
		{`{"unknown":1,"Unknown":2}`, ""}, // unknown either way: the decoder's to refuse
		{`{"deep":`, ""},                  // malformed: the decoder's to explain
		{`[{"a":1,"a":2}]`, "[0].a"},
	} {
		err := checkKeys([]byte(tc.json), typ)
		var bad *badRequestError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v, want it left to the decoder", tc.json, err)
		case tc.field != "" && (!errors.As(err, &bad) || bad.field != tc.field):
			t.Errorf("%s: %v, want a 400 naming %q", tc.json, err, tc.field)
		}
	}
}

// TestControlCharacters: no control character in a one-line field (names,
// topics, skills, addresses, notes of an override), and only line breaks
// and tabs in the multi-line ones (comment, notes); a 400 names the field.
func TestControlCharacters(t *testing.T) {
	e := newEnv(t)
	api := "/api/v1"
	availPath := api + "/trainers/" + e.trainerA.ID + "/availability"
	clinicWith := func(key string, value any) map[string]any { return setField(e.clinicBody(), key, value) }

	checkRefusals(t, e, []inputRefusal{
		{"NUL in a topic", req{as: coord, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "topic", "Calls\x00")}, 400, "topic"},
		{"line break in a topic", req{as: clinicA, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "topic", "two\nlines")}, 400, "topic"},
		{"escape in a trainer's name", req{as: coord, method: "POST", path: api + "/trainers", body: setField(e.trainerBody(), "name", "\x1b[31mRed")}, 400, "name"},
		{"tab in a clinic's name", req{as: coord, method: "POST", path: api + "/clinics", body: clinicWith("name", "Poly\tclinic")}, 400, "name"},
		{"C1 control in a district", req{as: coord, method: "POST", path: api + "/clinics", body: clinicWith("district", "CAO\u0085")}, 400, "district"},
		{"control in an address", req{as: coord, method: "POST", path: api + "/clinics", body: clinicWith("place", map[string]any{"address": "Lenina\r1", "lat": 55.7, "lon": 37.5})}, 400, "place.address"},
		{"control in a skill", req{as: coord, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "skills", []string{"ok", "bad\x07"})}, 400, "skills[1]"},
		{"bell in a comment", req{as: coord, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "comment", "ring\x07")}, 400, "comment"},
		{"lone carriage return in a comment", req{as: coord, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "comment", "over\rwritten")}, 400, "comment"},
		{"form feed in clinic notes", req{as: coord, method: "POST", path: api + "/clinics", body: clinicWith("notes", "page\fbreak")}, 400, "notes"},
		{"line break in an override's note", req{as: trainerA, method: "PUT", path: availPath, header: ifMatch(1),
			body: map[string]any{"overrides": []any{map[string]any{"date": "2025-03-11", "off": true, "note": "ill\nagain"}}}}, 400, "overrides[0].note"},
		{"line break in a token name", req{as: coord, method: "POST", path: api + "/tokens", body: map[string]any{"name": "script\n"}}, 400, "name"},
		{"NUL in an account name", req{as: coord, method: "POST", path: api + "/users", body: map[string]any{"email": "nul@example.org", "name": "Nul\x00", "password": "long enough", "role": "coordinator"}}, 400, "name"},
		{"NUL in a login e-mail", req{method: "POST", path: api + "/auth/login", body: map[string]any{"email": "a\x00@example.org", "password": "x"}}, 400, "email"},
	})

	// Multi-line fields keep their lines and indents, also as HTML forms send
	// them (CRLF).
	res := e.do(req{as: coord, method: "POST", path: api + "/requests", body: setField(requestBody(e.clinicA.ID), "comment", "first line\r\nsecond\n\tindented")})
	res.want(t, 201)
	var r struct{ Comment string }
	res.decode(t, &r)
	if r.Comment != "first line\r\nsecond\n\tindented" {
		t.Errorf("comment stored as %q", r.Comment)
	}
	e.do(req{as: coord, method: "POST", path: api + "/clinics", body: clinicWith("notes", "Entrance from the yard.\nAsk for Olga.")}).want(t, 201)
}

// TestEmails: an address is a bare address net/mail reads, within RFC
// 5321's lengths, and e-mails are the same whatever their case: a trainer's
// and an account's are stored in lower case and clash in any case.
func TestEmails(t *testing.T) {
	e := newEnv(t)
	api := "/api/v1"
	domain := strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".org" // 189 characters
	longest := strings.Repeat("a", 64) + "@" + domain                                                          // 254
	userBody := func(email string) map[string]any {
		return map[string]any{"email": email, "name": "New", "password": "long enough", "role": "coordinator"}
	}
	clinicWith := func(emails ...string) map[string]any { return setField(e.clinicBody(), "contact_emails", emails) }

	checkRefusals(t, e, []inputRefusal{
		{"255 characters", req{as: coord, method: "POST", path: api + "/trainers", body: setField(e.trainerBody(), "email", "x"+longest[1:]+"x")}, 422, "email"},
		{"295 characters", req{as: coord, method: "POST", path: api + "/users", body: userBody(strings.Repeat("a", 60) + "@" + strings.Repeat("b", 230) + ".org")}, 422, "email"},
		{"65 characters before the @", req{as: coord, method: "POST", path: api + "/users", body: userBody(strings.Repeat("a", 65) + "@example.org")}, 422, "email"},
		{"a display name", req{as: coord, method: "POST", path: api + "/trainers", body: setField(e.trainerBody(), "email", "Anna <anna@example.org>")}, 422, "email"},
		{"no domain", req{as: coord, method: "POST", path: api + "/clinics", body: clinicWith("head@")}, 422, "contact_emails[0]"},
		{"a contact twice in other case", req{as: coord, method: "POST", path: api + "/clinics", body: clinicWith("head@clinic.example.org", "Head@Clinic.Example.org")}, 422, "contact_emails[1]"},
		{"a trainer's e-mail in capitals", req{as: coord, method: "POST", path: api + "/trainers", body: setField(e.trainerBody(), "email", strings.ToUpper(e.trainerA.Email))}, 409, ""},
		{"another trainer's e-mail in capitals", req{as: coord, method: "PUT", path: api + "/trainers/" + e.trainerB.ID, header: ifMatch(1),
			body: setField(e.trainerBody(), "email", strings.ToUpper(e.trainerA.Email))}, 409, ""},
		{"an account's e-mail in capitals", req{as: coord, method: "POST", path: api + "/users", body: userBody(strings.ToUpper(e.users[clinicA].Email))}, 409, ""},
	})

	e.do(req{as: coord, method: "POST", path: api + "/users", body: userBody(longest)}).want(t, 201)
	res := e.do(req{as: coord, method: "POST", path: api + "/trainers", body: setField(e.trainerBody(), "email", "Mixed.Case@Example.ORG")}).want(t, 201)
	var tr struct{ Email string }
	res.decode(t, &tr)
	if tr.Email != "mixed.case@example.org" {
		t.Errorf("trainer e-mail stored as %q, want lower case", tr.Email)
	}
	e.do(req{method: "POST", path: api + "/auth/login", body: map[string]any{"email": strings.ToUpper(e.users[clinicA].Email), "password": testPassword}}).want(t, 200)
}
