package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

// BadRequest is a request body that the API cannot take: renderErrors answers it as
// {"error": Message, "fields": Fields}, Fields naming each bad field and what is wrong with
// it, and the app's StatusFunc gives it its status (400).
type BadRequest struct {
	Message string
	Fields  map[string]string // by JSON name; empty when the body as a whole is wrong
}

func (e *BadRequest) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(e.Fields)) {
		parts = append(parts, name+": "+e.Fields[name])
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// A Validator says what is wrong with each bad field of a decoded body, by JSON name; nil
// when nothing is.
type Validator interface{ Validate() map[string]string }

// DecodeJSON reads the request's body, a JSON object, into v, a pointer to a struct whose
// fields have json tags, and validates it. It names every bad field at once, in one
// *BadRequest: a member that v has no field for, one of the wrong JSON type, and what v's
// Validate says of the others. A body that is not one JSON object is a *BadRequest without
// fields, and one over MaxBodyBytes is errBodyTooLarge (413).
func DecodeJSON(r *http.Request, v Validator) error {
	body, err := io.ReadAll(r.Body)
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		return errBodyTooLarge
	} else if err != nil {
		return fmt.Errorf("read the request body: %w", err)
	}
	notObject := &BadRequest{Message: `the request body must be one JSON object, such as {"name": "..."}`}
	var members map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&members); err != nil || members == nil {
		return notObject // not JSON, not an object, or null
	}
	if _, err := dec.Token(); err != io.EOF {
		return notObject // something after the object
	}

	bad := map[string]string{}
	fields := jsonFields(v)
	for name, raw := range members {
		target, known := fields[name]
		if !known {
			bad[name] = "unknown field"
			continue
		}
		if err := json.Unmarshal(raw, target.Addr().Interface()); err != nil {
			bad[name] = "must be a JSON " + jsonType(target.Type())
		}
	}
	for name, problem := range v.Validate() {
		if _, said := bad[name]; !said {
			bad[name] = problem
		}
	}
	if len(bad) > 0 {
		return &BadRequest{Message: "the request body has invalid fields", Fields: bad}
	}
	return nil
}

// jsonFields maps the JSON name of each field of the struct v points to onto that field.
func jsonFields(v any) map[string]reflect.Value {
	s := reflect.ValueOf(v).Elem()
	fields := map[string]reflect.Value{}
	for i := range s.NumField() {
		name, _, _ := strings.Cut(s.Type().Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = s.Field(i)
		}
	}
	return fields
}

// jsonType is the JSON type that decodes into a Go type, for an error message.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "object"
	}
}
