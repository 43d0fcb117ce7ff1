package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/model"
)

// credentialVersions are the API versions that serve the same Credentials.
var credentialVersions = []string{"/v1", "/v2"}

// Secrets sent to the Credentials resource. Each carries a marker that no
// response may contain, raw, whatever the operation or its outcome.
const (
	certMarker   = "CERTMARKER7f3a9c"
	keyMarker    = "PRIVKEYMARKER2b8e1d"
	apiKeyMarker = "GCMAPIKEYMARKER5c4f0a"
	secretMarker = "FCMSECRETMARKER9d6b3e"
)

var credentialMarkers = []string{certMarker, keyMarker, apiKeyMarker, secretMarker}

// credentialSecrets is a form with every secret, each holding its marker;
// tag tells the values of two forms apart.
func credentialSecrets(tag string) url.Values {
	return form(
		"Certificate", "-----BEGIN CERTIFICATE-----\n"+certMarker+tag+"\n-----END CERTIFICATE-----",
		"PrivateKey", "-----BEGIN RSA PRIVATE KEY-----\n"+keyMarker+tag+"\n-----END RSA PRIVATE KEY-----",
		"ApiKey", apiKeyMarker+tag,
		"Secret", secretMarker+tag,
	)
}

// credWith returns f plus the key, value pairs kv.
func credWith(f url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range f {
		out[k] = slices.Clone(vs)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Add(kv[i], kv[i+1])
	}
	return out
}

// credClient sends requests through the harness on behalf of one (sub)test
// and fails it if any response body holds a secret marker.
type credClient struct {
	t *testing.T
	h *harness
}

func (c credClient) do(method, path string, f url.Values) *response {
	c.t.Helper()
	h := *c.h
	h.t = c.t
	r := h.do(method, path, f)
	for _, m := range credentialMarkers {
		if bytes.Contains(r.Raw, []byte(m)) {
			c.t.Errorf("%s %s: response holds the secret %s:\n%s", method, path, m, r.Raw)
		}
	}
	return r
}

func (c credClient) must(want int, method, path string, f url.Values) map[string]any {
	c.t.Helper()
	r := c.do(method, path, f)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Raw)
	}
	return r.Body
}

func (c credClient) create(v string, f url.Values) map[string]any {
	c.t.Helper()
	return c.must(http.StatusCreated, http.MethodPost, v+"/Credentials", f)
}

func (c credClient) get(path string) map[string]any {
	c.t.Helper()
	return c.must(http.StatusOK, http.MethodGet, path, nil)
}

// wantError sends the request, checks that it fails with Twilio's status
// and code, and returns the response.
func (c credClient) wantError(method, path string, f url.Values, status, code int) *response {
	c.t.Helper()
	h := *c.h
	h.t = c.t
	r := c.do(method, path, f)
	h.wantError(r, status, code)
	return r
}

// walk follows next_page_url from path, checking each page's number, and
// returns every item.
func (c credClient) walk(path string) (all []map[string]any, pages int) {
	c.t.Helper()
	for next := path; next != ""; pages++ {
		body := c.get(next)
		meta := obj(body["meta"])
		if num(meta["page"]) != pages || meta["key"] != "credentials" {
			c.t.Fatalf("page %d: meta %v", pages, meta)
		}
		all = append(all, items(body)...)
		next = str(meta["next_page_url"])
		if pages > 100 {
			c.t.Fatal("runaway paging")
		}
	}
	return all, pages
}

// credSids lists the sid of each item.
func credSids(list []map[string]any) []string {
	var out []string
	for _, it := range list {
		out = append(out, str(it["sid"]))
	}
	return out
}

// credCount is how many Credentials are stored.
func (c credClient) credCount() int {
	c.t.Helper()
	return len(items(c.get("/v2/Credentials?PageSize=1000")))
}

// stored reads a Credential straight from the store, secrets included.
func (c credClient) stored(sid string) *model.Credential {
	c.t.Helper()
	var cr *model.Credential
	err := c.h.db.View(context.Background(), func(tx model.Tx) (err error) {
		cr, err = tx.Credential(sid)
		return err
	})
	if err != nil {
		c.t.Fatalf("stored Credential %s: %v", sid, err)
	}
	return cr
}

// wantCredential checks the whole JSON of a Credential as seen through
// version v: exactly the spec's eight keys, sandbox as a lower-case string.
func wantCredential(t *testing.T, h *harness, v string, got map[string]any, sid string, friendlyName any, typ, sandbox string) {
	t.Helper()
	wantKeys := []string{"account_sid", "date_created", "date_updated", "friendly_name", "sandbox", "sid", "type", "url"}
	if k := keys(got); !reflect.DeepEqual(slices.Sorted(slices.Values(k)), wantKeys) {
		t.Errorf("keys = %v, want %v", k, wantKeys)
	}
	if sid == "" {
		sid = str(got["sid"])
	}
	if !model.IsSID(model.PrefixCredential, str(got["sid"])) || got["sid"] != sid {
		t.Errorf("sid = %v, want %s", got["sid"], sid)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"account_sid", got["account_sid"], testAccount},
		{"friendly_name", got["friendly_name"], friendlyName},
		{"type", got["type"], typ},
		{"sandbox", got["sandbox"], sandbox},
		{"url", got["url"], h.URL() + v + "/Credentials/" + sid},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if created, updated := str(got["date_created"]), str(got["date_updated"]); created == "" || updated < created {
		t.Errorf("date_created %q, date_updated %q", created, updated)
	}
}

func TestCredentials(t *testing.T) {
	h := newHarness(t)
	for _, v := range credentialVersions {
		t.Run(v, func(t *testing.T) {
			c := credClient{t, h}
			created := c.create(v, credWith(credentialSecrets("a"), "Type", "apn", "FriendlyName", "iOS push", "Sandbox", "true"))
			sid := str(created["sid"])
			path := v + "/Credentials/" + sid

			t.Run("create", func(t *testing.T) {
				wantCredential(t, h, v, created, "", "iOS push", "apn", "true")
				if created["date_created"] != created["date_updated"] {
					t.Errorf("date_updated %v != date_created %v on create", created["date_updated"], created["date_created"])
				}
				c := credClient{t, h}
				want := model.Credential{
					Certificate: "-----BEGIN CERTIFICATE-----\n" + certMarker + "a\n-----END CERTIFICATE-----",
					PrivateKey:  "-----BEGIN RSA PRIVATE KEY-----\n" + keyMarker + "a\n-----END RSA PRIVATE KEY-----",
					ApiKey:      apiKeyMarker + "a", Secret: secretMarker + "a",
				}
				got := c.stored(sid)
				if got.Certificate != want.Certificate || got.PrivateKey != want.PrivateKey || got.ApiKey != want.ApiKey || got.Secret != want.Secret {
					t.Errorf("stored secrets = %q %q %q %q", got.Certificate, got.PrivateKey, got.ApiKey, got.Secret)
				}
			})
			t.Run("fetch", func(t *testing.T) {
				c := credClient{t, h}
				if got := c.get(path); !reflect.DeepEqual(got, created) {
					t.Errorf("fetched %v\nwant %v", got, created)
				}
			})
			t.Run("list has it", func(t *testing.T) {
				c := credClient{t, h}
				body := c.get(v + "/Credentials")
				meta := obj(body["meta"])
				if meta["key"] != "credentials" || num(meta["page_size"]) != 50 || meta["next_page_url"] != nil || meta["previous_page_url"] != nil {
					t.Errorf("meta = %v", meta)
				}
				if want := h.URL() + v + "/Credentials?PageSize=50&Page=0"; meta["first_page_url"] != want || meta["url"] != want {
					t.Errorf("first_page_url %v, url %v; want %s", meta["first_page_url"], meta["url"], want)
				}
				var found map[string]any
				for _, it := range items(body) {
					if it["sid"] == sid {
						found = it
					}
				}
				if !reflect.DeepEqual(found, created) {
					t.Errorf("listed %v\nwant %v", found, created)
				}
			})
			t.Run("update changes only what is given", func(t *testing.T) {
				c := credClient{t, h}
				got := c.must(http.StatusOK, http.MethodPost, path, form("Sandbox", "FALSE"))
				wantCredential(t, h, v, got, sid, "iOS push", "apn", "false")
				got = c.must(http.StatusOK, http.MethodPost, path, form("FriendlyName", "renamed"))
				wantCredential(t, h, v, got, sid, "renamed", "apn", "false")
				if got["date_created"] != created["date_created"] {
					t.Errorf("date_created moved: %v -> %v", created["date_created"], got["date_created"])
				}
				if st := c.stored(sid); st.Certificate != "-----BEGIN CERTIFICATE-----\n"+certMarker+"a\n-----END CERTIFICATE-----" {
					t.Errorf("a FriendlyName update changed the certificate: %q", st.Certificate)
				}
				if fetched := c.get(path); !reflect.DeepEqual(fetched, got) {
					t.Errorf("fetched %v\nwant %v", fetched, got)
				}
			})
			t.Run("update stores new secrets", func(t *testing.T) {
				c := credClient{t, h}
				c.must(http.StatusOK, http.MethodPost, path, credWith(credentialSecrets("b"), "Sandbox", "true"))
				st := c.stored(sid)
				if st.ApiKey != apiKeyMarker+"b" || st.Secret != secretMarker+"b" || !strings.Contains(st.PrivateKey, keyMarker+"b") || !st.Sandbox {
					t.Errorf("stored after update: %+v", st)
				}
			})
			t.Run("update never changes type", func(t *testing.T) {
				c := credClient{t, h}
				got := c.must(http.StatusOK, http.MethodPost, path, form("Type", "gcm", "FriendlyName", "still apn"))
				wantCredential(t, h, v, got, sid, "still apn", "apn", "true")
			})
			t.Run("update with empty friendly name clears it", func(t *testing.T) {
				c := credClient{t, h}
				got := c.must(http.StatusOK, http.MethodPost, path, form("FriendlyName", ""))
				wantCredential(t, h, v, got, sid, nil, "apn", "true")
			})
			t.Run("update without parameters changes nothing", func(t *testing.T) {
				c := credClient{t, h}
				before := c.get(path)
				if got := c.must(http.StatusOK, http.MethodPost, path, nil); !reflect.DeepEqual(got, before) {
					t.Errorf("got %v\nwant %v", got, before)
				}
			})
			t.Run("delete", func(t *testing.T) {
				c := credClient{t, h}
				c.must(http.StatusNoContent, http.MethodDelete, path, nil)
				c.wantError(http.MethodGet, path, nil, 404, 20404)
				c.wantError(http.MethodPost, path, form("FriendlyName", "x"), 404, 20404)
				c.wantError(http.MethodDelete, path, nil, 404, 20404)
				for _, it := range items(c.get(v + "/Credentials")) {
					if it["sid"] == sid {
						t.Errorf("deleted %s still listed", sid)
					}
				}
			})
		})
	}

	t.Run("defaults", func(t *testing.T) {
		c := credClient{t, h}
		for _, tc := range []struct {
			name string
			form url.Values
			typ  string
		}{
			{"apn", form("Type", "apn"), "apn"},
			{"gcm", form("Type", "gcm", "ApiKey", apiKeyMarker+"d"), "gcm"},
			{"fcm with an empty FriendlyName", form("Type", "fcm", "FriendlyName", "", "Secret", secretMarker+"d"), "fcm"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := c.create("/v2", tc.form)
				wantCredential(t, h, "/v2", got, "", nil, tc.typ, "false")
				c.must(http.StatusNoContent, http.MethodDelete, "/v2/Credentials/"+str(got["sid"]), nil)
			})
		}
	})

	t.Run("friendly name of 64 characters", func(t *testing.T) {
		c := credClient{t, h}
		name := strings.Repeat("é", 64) // characters, not bytes
		got := c.create("/v1", form("Type", "fcm", "FriendlyName", name))
		wantCredential(t, h, "/v1", got, "", name, "fcm", "false")
		c.must(http.StatusNoContent, http.MethodDelete, "/v1/Credentials/"+str(got["sid"]), nil)
	})
}

// TestCredentialsAcrossVersions checks that v1 and v2 are two views of the
// same Credentials, each rendering its own url.
func TestCredentialsAcrossVersions(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ from, to string }{{"/v1", "/v2"}, {"/v2", "/v1"}} {
		t.Run(tc.from+" to "+tc.to, func(t *testing.T) {
			c := credClient{t, h}
			created := c.create(tc.from, credWith(credentialSecrets("x"), "Type", "gcm", "FriendlyName", "from "+tc.from))
			sid := str(created["sid"])
			other := tc.to + "/Credentials/" + sid

			got := c.get(other)
			wantCredential(t, h, tc.to, got, sid, "from "+tc.from, "gcm", "false")
			if got["date_created"] != created["date_created"] || got["date_updated"] != created["date_updated"] {
				t.Errorf("dates differ across versions: %v and %v", got, created)
			}
			if !slices.Contains(credSids(items(c.get(tc.to+"/Credentials"))), sid) {
				t.Errorf("%s not listed through %s", sid, tc.to)
			}

			c.must(http.StatusOK, http.MethodPost, other, form("FriendlyName", "renamed through "+tc.to))
			back := c.get(tc.from + "/Credentials/" + sid)
			wantCredential(t, h, tc.from, back, sid, "renamed through "+tc.to, "gcm", "false")

			c.must(http.StatusNoContent, http.MethodDelete, other, nil)
			c.wantError(http.MethodGet, tc.from+"/Credentials/"+sid, nil, 404, 20404)
		})
	}
}

func TestCredentialPaging(t *testing.T) {
	h := newHarness(t)
	c := credClient{t, h}
	var want []string
	for i := range 5 {
		v := credentialVersions[i%2]
		want = append(want, str(c.create(v, credWith(credentialSecrets("p"), "Type", "apn"))["sid"]))
	}

	for _, v := range credentialVersions {
		t.Run("walk page size 2 "+v, func(t *testing.T) {
			c := credClient{t, h}
			got, pages := c.walk(v + "/Credentials?PageSize=2")
			if !reflect.DeepEqual(credSids(got), want) || pages != 3 {
				t.Errorf("walked %v in %d pages, want %v in 3", credSids(got), pages, want)
			}
			for _, it := range got {
				if !strings.HasPrefix(str(it["url"]), h.URL()+v+"/Credentials/CR") {
					t.Errorf("url %v is not under %s", it["url"], v)
				}
			}
		})
		t.Run("next and previous page URLs "+v, func(t *testing.T) {
			c := credClient{t, h}
			first := c.get(v + "/Credentials?PageSize=2")
			next := str(obj(first["meta"])["next_page_url"])
			if wantNext := h.URL() + v + "/Credentials?PageSize=2&Page=1&PageToken=PT" + want[1]; next != wantNext {
				t.Fatalf("next_page_url = %s, want %s", next, wantNext)
			}
			second := c.get(next)
			if got := credSids(items(second)); !reflect.DeepEqual(got, want[2:4]) {
				t.Errorf("second page = %v, want %v", got, want[2:4])
			}
			prev := str(obj(second["meta"])["previous_page_url"])
			if !strings.HasPrefix(prev, h.URL()+v+"/Credentials?PageSize=2&Page=0&PageToken=PB") {
				t.Fatalf("previous_page_url = %q", prev)
			}
			if got := credSids(items(c.get(prev))); !reflect.DeepEqual(got, want[:2]) {
				t.Errorf("previous page = %v, want %v", got, want[:2])
			}
		})
	}

	t.Run("token from one version works in the other", func(t *testing.T) {
		c := credClient{t, h}
		next, err := url.Parse(str(obj(c.get("/v1/Credentials?PageSize=2")["meta"])["next_page_url"]))
		if err != nil {
			t.Fatal(err)
		}
		got := credSids(items(c.get("/v2/Credentials?" + next.RawQuery)))
		if !reflect.DeepEqual(got, want[2:4]) {
			t.Errorf("v2 page from a v1 token = %v, want %v", got, want[2:4])
		}
	})

	for _, v := range credentialVersions {
		t.Run("page size is capped at 1000 "+v, func(t *testing.T) {
			c := credClient{t, h}
			meta := obj(c.get(v + "/Credentials?PageSize=5000")["meta"])
			if num(meta["page_size"]) != 1000 {
				t.Errorf("page_size = %v, want 1000", meta["page_size"])
			}
			meta = obj(c.get(v + "/Credentials?PageSize=1000")["meta"])
			if num(meta["page_size"]) != 1000 {
				t.Errorf("page_size = %v, want 1000", meta["page_size"])
			}
		})
	}

	t.Run("page by number", func(t *testing.T) {
		c := credClient{t, h}
		if got := credSids(items(c.get("/v2/Credentials?PageSize=2&Page=2"))); !reflect.DeepEqual(got, want[4:]) {
			t.Errorf("Page=2 = %v, want %v", got, want[4:])
		}
	})

	for _, tc := range []struct{ name, query string }{
		{"error page size zero", "PageSize=0"},
		{"error page size not a number", "PageSize=many"},
		{"error page negative", "Page=-1"},
		{"error token without key", "PageToken=PT"},
		{"error token not a credential SID", "PageToken=PTIS00000000000000000000000000000001"},
		{"error token garbage", "PageToken=garbage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := credClient{t, h}
			for _, v := range credentialVersions {
				c.wantError(http.MethodGet, v+"/Credentials?"+tc.query, nil, 400, 20001)
			}
		})
	}
}

// TestCredentialErrors checks that every bad request gets Twilio's status
// and code and leaves the stored Credentials as they were.
func TestCredentialErrors(t *testing.T) {
	h := newHarness(t)
	c := credClient{t, h}
	existing := c.create("/v2", credWith(credentialSecrets("e"), "Type", "apn", "FriendlyName", "kept", "Sandbox", "true"))
	sid := str(existing["sid"])
	storedBefore := *c.stored(sid)

	// unchanged checks that nothing was stored or changed.
	unchanged := func(t *testing.T) {
		t.Helper()
		c := credClient{t, h}
		if n := c.credCount(); n != 1 {
			t.Errorf("%d credentials stored, want 1", n)
		}
		if got := c.get("/v2/Credentials/" + sid); !reflect.DeepEqual(got, existing) {
			t.Errorf("credential changed: %v\nwant %v", got, existing)
		}
		if got := *c.stored(sid); !reflect.DeepEqual(got, storedBefore) {
			t.Errorf("stored credential changed: %+v", got)
		}
	}

	long := strings.Repeat("x", 65)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		code   int
	}{
		{"error missing type", form("FriendlyName", "no type"), 400, 20001},
		{"error empty type", form("Type", ""), 400, 20001},
		{"error unknown type", form("Type", "voip"), 400, 20001},
		{"error type is case sensitive", form("Type", "APN"), 400, 20001},
		{"error sandbox not a boolean", form("Type", "apn", "Sandbox", "yes"), 400, 20001},
		{"error friendly name too long", form("Type", "apn", "FriendlyName", long), 400, 50003},
		{"error friendly name too long in characters", form("Type", "fcm", "FriendlyName", strings.Repeat("é", 65)), 400, 50003},
		{"error with secrets", credWith(credentialSecrets("bad"), "Type", "bogus"), 400, 20001},
	} {
		t.Run("create "+tc.name, func(t *testing.T) {
			c := credClient{t, h}
			for _, v := range credentialVersions {
				c.wantError(http.MethodPost, v+"/Credentials", tc.form, tc.status, tc.code)
			}
			unchanged(t)
		})
	}

	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		code   int
	}{
		{"error sandbox not a boolean", form("Sandbox", "1"), 400, 20001},
		{"error friendly name too long", form("FriendlyName", long), 400, 50003},
		{"error friendly name too long with secrets", credWith(credentialSecrets("bad"), "FriendlyName", long), 400, 50003},
	} {
		t.Run("update "+tc.name, func(t *testing.T) {
			c := credClient{t, h}
			for _, v := range credentialVersions {
				c.wantError(http.MethodPost, v+"/Credentials/"+sid, tc.form, tc.status, tc.code)
			}
			unchanged(t)
		})
	}

	for _, tc := range []struct{ name, sid string }{
		{"unknown", "CR" + strings.Repeat("0", 31) + "9"},
		{"malformed", "CRxyz"},
		{"not a SID", "not-a-sid"},
		{"other prefix", "IS" + sid[2:]},
		{"lower case prefix", "cr" + sid[2:]},
		{"too long", sid + "0"},
	} {
		t.Run("not found "+tc.name, func(t *testing.T) {
			c := credClient{t, h}
			for _, v := range credentialVersions {
				path := v + "/Credentials/" + tc.sid
				for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
					r := c.wantError(m, path, form("FriendlyName", "x"), 404, 20404)
					if want := "The requested resource /Credentials/" + tc.sid + " was not found"; r.Body["message"] != want {
						t.Errorf("%s %s: message %q, want %q", m, path, r.Body["message"], want)
					}
				}
			}
			unchanged(t)
		})
	}

	for _, tc := range []struct{ method, path string }{
		{http.MethodPut, "/v2/Credentials"},
		{http.MethodDelete, "/v1/Credentials"},
		{http.MethodPatch, "/v2/Credentials/" + sid},
		{http.MethodPut, "/v1/Credentials/" + sid},
	} {
		t.Run("wrong method "+tc.method+" "+tc.path, func(t *testing.T) {
			c := credClient{t, h}
			c.wantError(tc.method, tc.path, credWith(credentialSecrets("m"), "Type", "apn"), 405, 20004)
			unchanged(t)
		})
	}
}
