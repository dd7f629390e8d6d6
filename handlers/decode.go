package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// bindJSON reads the request body strictly into dst (see decodeStrict).
func bindJSON(c *gin.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeBytes(body, dst)
}

// readBody returns the request body after checking it is JSON at all; the
// size limit set by limitBody applies while reading.
func readBody(c *gin.Context) ([]byte, error) {
	if err := jsonContentType(c); err != nil {
		return nil, err
	}
	if c.Request.Body == nil {
		return nil, badRequest("", "a JSON body is required")
	}
	return readAll(c)
}

// jsonContentType refuses a declared media type that is not JSON.
func jsonContentType(c *gin.Context) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &statusError{status: http.StatusUnsupportedMediaType, detail: "send the body as application/json"}
		}
	}
	return nil
}

func readAll(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, badRequest("", "could not read the body: "+err.Error())
	}
	return body, nil
}

// noParams is the body check of an action that takes no input (run,
// publish, retry): no body, or an empty JSON object or null, which
// generic clients send. Anything else is refused, so options a client
// believes it passed are not silently ignored.
func noParams(c *gin.Context) error {
	if c.Request.Body == nil {
		return nil
	}
	body, err := readAll(c)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	if err := jsonContentType(c); err != nil {
		return err
	}
	var none struct{}
	if err := decodeBytes(body, &none); err != nil {
		return err
	}
	return nil
}

// decodeStrict decodes exactly one JSON value into dst: unknown fields,
// trailing data and an empty body are refused, and every failure is a 400
// that names the field when the decoder knows it. A body over the size limit
// surfaces as *http.MaxBytesError (413).
func decodeStrict(r io.Reader, dst any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return badRequest("", "the body must hold exactly one JSON value")
	}
	return nil
}

// decodeBytes is decodeStrict over a byte slice, after checkKeys: keys must
// match fields exactly and appear once per object.
func decodeBytes(b []byte, dst any) error {
	if err := checkKeys(b, reflect.TypeOf(dst)); err != nil {
		return err
	}
	return decodeStrict(bytes.NewReader(b), dst)
}

// checkKeys walks the JSON in body alongside the Go type t it is about to be
// decoded into and refuses, as a 400 naming the key, what encoding/json
// would let pass: a key given twice in one object (the decoder keeps the
// last without a word) and a key that matches a field only when case is
// ignored ("Topic" for "topic"). It also refuses control characters in
// string values (checkControl). Malformed JSON is left to the decoder, which
// explains it better.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := keyWalker{dec: dec}
	err := w.value(t, "")
	var bad *badRequestError
	if errors.As(err, &bad) {
		return err
	}
	return nil
}

// keyWalker reads one JSON value token by token; see checkKeys.
type keyWalker struct{ dec *json.Decoder }

// unmarshalerType is json.Unmarshaler: a type that decodes itself has no
// fields checkKeys can know.
var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// value checks the next value, which is decoded into t (nil: unknown, so
// only duplicates are checked) at path (the field name problems give).
func (w keyWalker) value(t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return w.object(t, path)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err = w.dec.Token() // ]
		return err
	}
	if s, ok := tok.(string); ok {
		return checkControl(path, s)
	}
	return nil
}

// multilineFields are the JSON fields that hold free text of several lines;
// every other string is one line.
var multilineFields = []string{"comment", "notes"}

// checkControl refuses control characters in the string value of field: a
// NUL or an escape sequence stored in a topic or a name would reach mails,
// calendars and pages. Multi-line fields may break lines and indent
// (models.ControlCharacter); passwords are secrets, compared and never
// shown, so they are left as typed.
func checkControl(field, s string) error {
	name := field[strings.LastIndex(field, ".")+1:]
	if name == "password" {
		return nil
	}
	multiline := slices.Contains(multilineFields, name)
	r, bad := models.ControlCharacter(s, multiline)
	switch {
	case !bad:
		return nil
	case multiline:
		return badRequest(field, fmt.Sprintf("%s must not contain control characters other than line breaks and tabs (found %U)", field, r))
	default:
		return badRequest(field, fmt.Sprintf("%s must be one line without control characters (found %U)", field, r))
	}
}

// object checks the members of an object whose { has been read.
func (w keyWalker) object(t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t, map[string]reflect.Type{})
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		field := key
		if path != "" {
			field = path + "." + key
		}
		if seen[key] {
			return badRequest(field, fmt.Sprintf("the key %q is given twice; give each key once", field))
		}
		seen[key] = true
		var ft reflect.Type
		switch {
		case fields != nil:
			var ok bool
			if ft, ok = fields[key]; !ok {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return badRequest(field, fmt.Sprintf("unknown field %q: keys are case-sensitive, did you mean %q?", field, name))
					}
				}
			}
		case t != nil && t.Kind() == reflect.Map:
			ft = t.Elem()
		}
		if err := w.value(ft, field); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // }
	return err
}

// jsonFields adds the JSON names of struct t's fields, and their types, to
// into, including the fields of embedded structs without a name of their
// own, the way encoding/json promotes them. A struct's own fields win over
// promoted ones of the same name.
func jsonFields(t reflect.Type, into map[string]reflect.Type) map[string]reflect.Type {
	var embedded []reflect.Type
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, taken := into[name]; !taken {
			into[name] = ft
		}
	}
	for _, e := range embedded {
		jsonFields(e, into)
	}
	return into
}

// decodeError explains a json.Decoder error in terms of the request.
func decodeError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		invalidUE *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("", "a JSON body is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "the JSON body ends too early")
	case errors.As(err, &syntax):
		return badRequest("", fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return badRequest("", fmt.Sprintf("the body must be a JSON object, not %s", typeErr.Value))
		}
		if typeErr.Type == reflect.TypeFor[models.TimeOfDay]() {
			return badRequest(field, fmt.Sprintf("%s must be a time of day \"HH:MM\" from 00:00 to 24:00, not %s", field, typeErr.Value))
		}
		return badRequest(field, fmt.Sprintf("%s must be %s, not %s", field, jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value))
	case errors.As(err, &invalidUE):
		return fmt.Errorf("decode body: %w", err) // a programming error: 500
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return badRequest(name, fmt.Sprintf("unknown field %q", name))
	}
	// Errors of custom decoders (a time of day that is not HH:MM) carry
	// their own explanation, which names the offending value.
	return badRequest("", err.Error())
}

// jsonTypeName names a Go kind the way a JSON client thinks of it.
func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer in range"
	case "float32", "float64":
		return "a number"
	default:
		return "a " + kind
	}
}
