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

// decodeBytes is decodeStrict over a byte slice.
func decodeBytes(b []byte, dst any) error { return decodeStrict(bytes.NewReader(b), dst) }

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
