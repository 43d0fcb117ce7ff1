package web

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/julienschmidt/httprouter"
)

func TestParamUnescapes(t *testing.T) {
	ps := httprouter.Params{{Key: "user", Value: "a%2Fb"}, {Key: "bad", Value: "100%"}}
	if got := Param(ps, "user"); got != "a/b" {
		t.Errorf("Param(a%%2Fb) = %q, want a/b", got)
	}
	if got := Param(ps, "bad"); got != "100%" {
		t.Errorf("Param of a malformed escape = %q, want it as it came", got)
	}
}

func TestBase(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	r.Host = "chat.example.com:8080"
	if got := Base("", r); got != "http://chat.example.com:8080" {
		t.Errorf("Base = %q", got)
	}
	r.TLS = &tls.ConnectionState{}
	if got := Base("", r); got != "https://chat.example.com:8080" {
		t.Errorf("Base over TLS = %q", got)
	}
	if got := Base("https://public.example", r); got != "https://public.example" {
		t.Errorf("Base with a public URL = %q", got)
	}
}

func TestRouterAnswersTwilioErrors(t *testing.T) {
	var codes []string
	r := NewRouter(func(w http.ResponseWriter, _ *http.Request, err error) {
		codes = append(codes, err.Error())
		w.WriteHeader(http.StatusTeapot)
	})
	r.GET("/known", func(http.ResponseWriter, *http.Request, httprouter.Params) {})
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/unknown", nil),
		httptest.NewRequest(http.MethodPost, "/known", nil),
		httptest.NewRequest(http.MethodGet, "/known/", nil), // no redirect
	} {
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
	want := []string{"20404", "20004", "20404"}
	if len(codes) != len(want) {
		t.Fatalf("errors %v, want codes %v", codes, want)
	}
	for i, c := range codes {
		if !strings.Contains(c, want[i]) {
			t.Errorf("error %d = %q, want code %s", i, c, want[i])
		}
	}
}

func TestWriteJSONKeepsHTML(t *testing.T) {
	w := httptest.NewRecorder()
	WriteJSON(w, http.StatusCreated, map[string]string{"a": "<&>"})
	if w.Code != http.StatusCreated || w.Header().Get("Content-Type") != "application/json" || strings.TrimSpace(w.Body.String()) != `{"a":"<&>"}` {
		t.Errorf("WriteJSON = %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}
