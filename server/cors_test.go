package server_test

import (
	"net/http"
	"strings"
	"testing"
)

const testOrigin = "https://app.example.com"

// rawRequest sends a request with only the given headers (name, value
// pairs): no credentials unless they are among them.
func (h *harness) rawRequest(method, path string, body string, header ...string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.Target(path), strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.srv.HTTP.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// listHas reports whether the comma-separated header value list holds
// want, in any case.
func listHas(list, want string) bool {
	for _, v := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(v), want) {
			return true
		}
	}
	return false
}

// TestCORSPreflight answers a browser's preflight on the routes a browser
// app calls, the Client API and the media service, without credentials.
func TestCORSPreflight(t *testing.T) {
	h := newHarness(t)
	svc := strings.TrimPrefix(h.newService(), "/v2/Services/")
	for _, path := range []string{
		"/Client/v1/Configuration",
		"/Client/v1/Conversations/CH00000000000000000000000000000001/Messages",
		"/v1/Services/" + svc + "/Media",
		"/v1/Services/" + svc + "/Media/ME00000000000000000000000000000001",
		"/v1/Services/" + svc + "/Media/ME00000000000000000000000000000001/Content",
		"/_chatd/media/" + svc + "/ME00000000000000000000000000000001",
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			resp := h.rawRequest(http.MethodOptions, path, "", "Origin", testOrigin,
				"Access-Control-Request-Method", method, "Access-Control-Request-Headers", "x-twilio-token,content-type,x-twilio-mutation-id")
			hd := resp.Header
			if resp.StatusCode != http.StatusNoContent || hd.Get("Access-Control-Allow-Origin") != testOrigin ||
				!listHas(hd.Get("Access-Control-Allow-Methods"), method) || hd.Get("Access-Control-Max-Age") == "" {
				t.Errorf("OPTIONS %s for %s: %d, headers %v", path, method, resp.StatusCode, hd)
			}
			for _, want := range []string{"X-Twilio-Token", "Content-Type", "X-Twilio-Mutation-Id"} {
				if !listHas(hd.Get("Access-Control-Allow-Headers"), want) {
					t.Errorf("OPTIONS %s: Access-Control-Allow-Headers %q lacks %s", path, hd.Get("Access-Control-Allow-Headers"), want)
				}
			}
			if hd.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("OPTIONS %s allows cookie credentials", path)
			}
		}
	}
}

// TestCORSAnswers allows the origin on the answers of the Client API and
// the media service, errors included, and lets the app read chatd's
// headers.
func TestCORSAnswers(t *testing.T) {
	h := newHarness(t)
	svc := strings.TrimPrefix(h.newService(), "/v2/Services/")
	token := h.srv.Token(t, "alice", svc)
	check := func(resp *http.Response, status int, what string) {
		t.Helper()
		if resp.StatusCode != status || resp.Header.Get("Access-Control-Allow-Origin") != testOrigin ||
			!listHas(resp.Header.Get("Access-Control-Expose-Headers"), "Twilio-Request-Id") || !listHas(resp.Header.Get("Vary"), "Origin") {
			t.Errorf("%s: %d, headers %v", what, resp.StatusCode, resp.Header)
		}
	}
	check(h.rawRequest(http.MethodGet, "/Client/v1/Configuration", "", "Origin", testOrigin, "X-Twilio-Token", token), http.StatusOK, "Configuration")
	check(h.rawRequest(http.MethodGet, "/Client/v1/Configuration", "", "Origin", testOrigin), http.StatusUnauthorized, "Configuration without a token")
	up := h.rawRequest(http.MethodPost, "/v1/Services/"+svc+"/Media", "bytes", "Origin", testOrigin, "X-Twilio-Token", token, "Content-Type", "text/plain")
	check(up, http.StatusCreated, "upload")
	check(h.rawRequest(http.MethodPost, "/v1/Services/"+svc+"/Media", "bytes", "Origin", testOrigin), http.StatusUnauthorized, "upload without credentials")
	if !listHas(up.Header.Get("Access-Control-Expose-Headers"), "Content-Disposition") {
		t.Errorf("Access-Control-Expose-Headers %q lacks Content-Disposition", up.Header.Get("Access-Control-Expose-Headers"))
	}
	// Without an Origin (not a browser), nothing is allowed in particular.
	if resp := h.rawRequest(http.MethodGet, "/Client/v1/Configuration", "", "X-Twilio-Token", token); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an answer without Origin allows %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestNoCORSOnREST leaves the REST API as it was: no CORS headers, and no
// OPTIONS answered without credentials.
func TestNoCORSOnREST(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	r := h.doHeader(http.MethodGet, svc, nil, testAccount, testToken, http.Header{"Origin": {testOrigin}})
	if r.Status != http.StatusOK || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET %s with an Origin: %d, headers %v", svc, r.Status, r.Header)
	}
	for _, path := range []string{svc, svc + "/Channels", "/v1/Services", "/_chatd/deliveries"} {
		resp := h.rawRequest(http.MethodOptions, path, "", "Origin", testOrigin, "Access-Control-Request-Method", "POST")
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("OPTIONS %s: %d, headers %v", path, resp.StatusCode, resp.Header)
		}
	}
}
