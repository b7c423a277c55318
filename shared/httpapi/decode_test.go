package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// payload is a body DecodeJSON reads in these tests.
type payload struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	Skip  string `json:"-"`
}

func (p payload) Validate() map[string]string {
	if strings.TrimSpace(p.Name) == "" {
		return map[string]string{"name": "required"}
	}
	return nil
}

// newDecodeRouter answers POST /things with what DecodeJSON decoded, or its error as the
// router renders it: a *BadRequest is a 400.
func newDecodeRouter() http.Handler {
	status := func(err error) (int, string) {
		if bad, ok := errors.AsType[*BadRequest](err); ok {
			return http.StatusBadRequest, bad.Message
		}
		return http.StatusInternalServerError, "internal error"
	}
	r := NewRouter(slog.New(slog.DiscardHandler), status)
	r.POST("/things", func(c *gin.Context) {
		var p payload
		if err := DecodeJSON(c.Request, &p); err != nil {
			_ = c.Error(err)
			return
		}
		c.JSON(http.StatusCreated, p)
	})
	return r
}

func TestDecodeJSON(t *testing.T) {
	const notObject = `{"error":"the request body must be one JSON object, such as {\"name\": \"...\"}"}`
	tests := []struct {
		name, body string
		wantStatus int
		wantBody   string // the whole body, as JSON
	}{
		{"valid", `{"name":"a","count":2}`, 201, `{"name":"a","count":2}`},
		{"members in any order, spaces around", " {\"count\":1, \"name\":\"a\"}\n", 201, `{"name":"a","count":1}`},
		{"a missing field its Validate requires", `{"count":1}`, 400,
			`{"error":"the request body has invalid fields","fields":{"name":"required"}}`},
		{"unknown fields, each named, with Validate's", `{"age":3,"Name":"x","Skip":"y"}`, 400,
			`{"error":"the request body has invalid fields","fields":{"age":"unknown field","Name":"unknown field","Skip":"unknown field","name":"required"}}`},
		{"a field of the wrong type", `{"name":5,"count":"many"}`, 400,
			`{"error":"the request body has invalid fields","fields":{"name":"must be a JSON string","count":"must be a JSON number"}}`},
		{"null for a field is no value", `{"name":null}`, 400,
			`{"error":"the request body has invalid fields","fields":{"name":"required"}}`},
		{"empty body", ``, 400, notObject},
		{"not JSON", `name=a`, 400, notObject},
		{"an array", `[{"name":"a"}]`, 400, notObject},
		{"a string", `"a"`, 400, notObject},
		{"null", `null`, 400, notObject},
		{"two objects", `{"name":"a"}{"name":"b"}`, 400, notObject},
		{"cut short", `{"name":"a"`, 400, notObject},
	}
	h := newDecodeRouter()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/things", strings.NewReader(tt.body)))
			if rec.Code != tt.wantStatus || !sameJSON(t, rec.Body.Bytes(), tt.wantBody) {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// A chunked body has no length for limitRequests to check: reading past the limit is a 413.
func TestDecodeJSONChunkedBodyOverTheLimit(t *testing.T) {
	body := `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	req := httptest.NewRequest("POST", "/things", strings.NewReader(body))
	req.ContentLength = -1 // as a chunked request arrives
	rec := httptest.NewRecorder()
	newDecodeRouter().ServeHTTP(rec, req)
	if want := `{"error":"the request body is larger than 1048576 bytes"}`; rec.Code != 413 || !sameJSON(t, rec.Body.Bytes(), want) {
		t.Errorf("got %d %.200s, want 413 %s", rec.Code, rec.Body.String(), want)
	}
}

func TestBadRequestError(t *testing.T) {
	err := &BadRequest{Message: "bad", Fields: map[string]string{"b": "two", "a": "one"}}
	if got, want := err.Error(), "bad (a: one; b: two)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := (&BadRequest{Message: "bad"}).Error(); got != "bad" {
		t.Errorf("Error() without fields = %q, want %q", got, "bad")
	}
}

// sameJSON reports whether got and want are the same JSON value, whatever the order of
// members.
func sameJSON(t *testing.T, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("the test's own JSON %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return bytes.Equal(gb, wb)
}
