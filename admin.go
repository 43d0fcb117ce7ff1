package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/model"
)

// admin is what the keys and token commands do, on a running chatd (over
// HTTP, with the Account credentials) or on a file no chatd is serving.
type admin interface {
	createKey(ctx context.Context, name *string) (*model.APIKey, string, error)
	listKeys(ctx context.Context) ([]*model.APIKey, error)
	deleteKey(ctx context.Context, sid string) error
	mintToken(ctx context.Context, in model.TokenMint) (*model.MintedToken, error)
}

// adminTarget is the command line that picks the chatd an admin command
// acts on: --url with --account-sid and --auth-token (and --ca-cert or
// --insecure for https), or --db.
type adminTarget struct {
	url, accountSid, authToken string
	caCert                     string
	insecure                   bool
	db                         string
}

// flags declares the target's flags on fs, each with its CHATD_* default;
// dbEnv names the default of --db, which is the command's own so that the
// CHATD_DB of a serving chatd never sends a command to its locked file.
func (t *adminTarget) flags(fs *flag.FlagSet, e env, dbEnv string, bad *[]string) {
	fs.StringVar(&t.url, "url", e.str("CHATD_URL", defaultURL(e)), "base URL of a running chatd [CHATD_URL]")
	fs.StringVar(&t.accountSid, "account-sid", e.str("CHATD_ACCOUNT_SID", ""), "its Account credentials; with --db, the account tokens are minted for [CHATD_ACCOUNT_SID]")
	fs.StringVar(&t.authToken, "auth-token", e.str("CHATD_AUTH_TOKEN", ""), "[CHATD_AUTH_TOKEN]")
	fs.StringVar(&t.caCert, "ca-cert", e.str("CHATD_CA_CERT", ""), "trust this PEM certificate for https (e.g. the ready line's ca_cert) [CHATD_CA_CERT]")
	fs.BoolVar(&t.insecure, "insecure", e.boolean("CHATD_INSECURE", bad), "do not verify the https certificate [CHATD_INSECURE]")
	fs.StringVar(&t.db, "db", e.str(dbEnv, ""), "act on this chatd file, which no chatd may be serving, or this PostgreSQL database (postgres://…), instead of --url ["+dbEnv+"]")
}

// open returns the admin of the target and how to release it. urlGiven
// tells whether --url was on the command line, which --db excludes.
func (t adminTarget) open(ctx context.Context, urlGiven bool) (admin, func() error, error) {
	if t.db != "" {
		if urlGiven {
			return nil, nil, errors.New("give --url (a running chatd) or --db (a file), not both")
		}
		f, err := app.OpenFile(ctx, t.db, t.accountSid, openDatabase)
		if err != nil {
			return nil, nil, err
		}
		return fileAdmin{f}, f.Close, nil
	}
	if t.accountSid == "" || t.authToken == "" {
		return nil, nil, errors.New("--account-sid and --auth-token (the Account credentials of the chatd at --url, as in its ready line) are required, or --db")
	}
	tlsConfig, err := clientTLS(t.caCert, t.insecure)
	if err != nil {
		return nil, nil, err
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	return &httpAdmin{base: strings.TrimRight(t.url, "/"), user: t.accountSid, pass: t.authToken, client: client},
		func() error { client.CloseIdleConnections(); return nil }, nil
}

// given reports whether the flag name was set on fs's command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// fileAdmin acts on a file through chatd's rules directly.
type fileAdmin struct{ f *app.File }

func (a fileAdmin) createKey(ctx context.Context, name *string) (*model.APIKey, string, error) {
	return a.f.CreateAPIKey(ctx, model.APIKeyCreate{FriendlyName: name})
}

func (a fileAdmin) listKeys(ctx context.Context) ([]*model.APIKey, error) {
	var all []*model.APIKey
	p := model.Page{Size: 100}
	for {
		keys, cur, err := a.f.ListAPIKeys(ctx, p)
		if err != nil {
			return nil, err
		}
		all = append(all, keys...)
		if cur.Next == "" {
			return all, nil
		}
		p.Token = cur.Next
	}
}

func (a fileAdmin) deleteKey(ctx context.Context, sid string) error {
	return a.f.DeleteAPIKey(ctx, sid)
}

func (a fileAdmin) mintToken(ctx context.Context, in model.TokenMint) (*model.MintedToken, error) {
	return a.f.MintToken(ctx, in)
}

// httpAdmin acts on a running chatd through /_chatd/keys and
// /_chatd/tokens.
type httpAdmin struct {
	base, user, pass string
	client           *http.Client
}

// keyJSON is a key as /_chatd/keys answers it, and as chatd keys prints
// it.
type keyJSON struct {
	Sid          string  `json:"sid"`
	FriendlyName *string `json:"friendly_name"`
	DateCreated  string  `json:"date_created"`
	DateUpdated  string  `json:"date_updated"`
	Secret       string  `json:"secret,omitempty"`
}

func keyJSONOf(k *model.APIKey) keyJSON {
	return keyJSON{Sid: k.Sid, FriendlyName: k.FriendlyName,
		DateCreated: k.DateCreated.UTC().Format(time.RFC3339), DateUpdated: k.DateUpdated.UTC().Format(time.RFC3339)}
}

func (k keyJSON) model() *model.APIKey {
	created, _ := time.Parse(time.RFC3339, k.DateCreated)
	updated, _ := time.Parse(time.RFC3339, k.DateUpdated)
	return &model.APIKey{Sid: k.Sid, FriendlyName: k.FriendlyName, DateCreated: created, DateUpdated: updated}
}

func (a *httpAdmin) createKey(ctx context.Context, name *string) (*model.APIKey, string, error) {
	form := url.Values{}
	if name != nil {
		form.Set("FriendlyName", *name)
	}
	var k keyJSON
	if err := a.do(ctx, http.MethodPost, a.base+"/_chatd/keys", form, &k); err != nil {
		return nil, "", err
	}
	return k.model(), k.Secret, nil
}

func (a *httpAdmin) listKeys(ctx context.Context) ([]*model.APIKey, error) {
	var all []*model.APIKey
	next := a.base + "/_chatd/keys?PageSize=100"
	for next != "" {
		var page struct {
			Keys []keyJSON `json:"keys"`
			Meta struct {
				NextPageURL *string `json:"next_page_url"`
			} `json:"meta"`
		}
		if err := a.do(ctx, http.MethodGet, next, nil, &page); err != nil {
			return nil, err
		}
		for _, k := range page.Keys {
			all = append(all, k.model())
		}
		next = ""
		if page.Meta.NextPageURL != nil {
			next = *page.Meta.NextPageURL
		}
	}
	return all, nil
}

func (a *httpAdmin) deleteKey(ctx context.Context, sid string) error {
	return a.do(ctx, http.MethodDelete, a.base+"/_chatd/keys/"+url.PathEscape(sid), nil, nil)
}

func (a *httpAdmin) mintToken(ctx context.Context, in model.TokenMint) (*model.MintedToken, error) {
	form := url.Values{"Identity": {in.Identity}, "ServiceSid": {in.ServiceSid}}
	if in.TTL != 0 {
		form.Set("Ttl", strconv.FormatInt(int64(in.TTL/time.Second), 10))
	}
	var t struct {
		Token      string `json:"token"`
		Identity   string `json:"identity"`
		ServiceSid string `json:"service_sid"`
		Expires    string `json:"expires"`
	}
	if err := a.do(ctx, http.MethodPost, a.base+"/_chatd/tokens", form, &t); err != nil {
		return nil, err
	}
	expires, _ := time.Parse(time.RFC3339, t.Expires)
	return &model.MintedToken{Token: t.Token, Identity: t.Identity, ServiceSid: t.ServiceSid, Expires: expires}, nil
}

// do sends an authenticated request (form in the body of a POST) and
// decodes a 2xx answer into out; any other answer is an error quoting
// chatd's message.
func (a *httpAdmin) do(ctx context.Context, method, target string, form url.Values, out any) error {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(a.user, a.pass)
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Code != 0 {
			return fmt.Errorf("%s %s: %s (%d)", method, target, e.Message, e.Code)
		}
		return fmt.Errorf("%s %s: %s", method, target, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
