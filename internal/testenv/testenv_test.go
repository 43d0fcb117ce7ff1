package testenv_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/speccheck"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
)

// TestMain starts PostgreSQL for the Envs when CHATD_TEST_STORE=postgres.
func TestMain(m *testing.M) { pgtest.Main(m) }

func TestEnv(t *testing.T) {
	env := testenv.New(t)
	if !strings.HasPrefix(env.URL, "http://127.0.0.1:") || env.AccountSid != testenv.AccountSid || env.AuthToken != testenv.AuthToken {
		t.Fatalf("URL %q, credentials %s:%s", env.URL, env.AccountSid, env.AuthToken)
	}
	if testenv.DefaultStore(t) == "bolt" {
		if _, err := os.Stat(env.DBPath); err != nil {
			t.Errorf("the bolt file: %v", err)
		}
	} else if env.DBPath != "" {
		t.Errorf("DBPath = %q on %s, want none", env.DBPath, testenv.DefaultStore(t))
	}
	if r := env.DoAuth(t, http.MethodGet, "/_chatd/health", nil, "", ""); r.Body["store"] != testenv.DefaultStore(t) {
		t.Errorf("GET /_chatd/health = %s, want store %s", r.Raw, testenv.DefaultStore(t))
	}
	svc := env.NewService(t)

	t.Run("the API key is accepted", func(t *testing.T) {
		if r := env.DoAuth(t, http.MethodGet, svc, nil, testenv.APIKeySid, testenv.APIKeySecret); r.Status != http.StatusOK {
			t.Errorf("GET with the API key: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("wrong credentials are Twilio's 401", func(t *testing.T) {
		testenv.WantError(t, env.DoAuth(t, http.MethodGet, svc, nil, env.AccountSid, "wrong"), http.StatusUnauthorized, 20003)
		testenv.WantError(t, env.DoAuth(t, http.MethodGet, svc, nil, "", ""), http.StatusUnauthorized, 20003)
	})
	t.Run("the SDK reaches the Env", func(t *testing.T) {
		api := chatv2.NewApiServiceWithClient(env.SDK(t))
		s, err := api.FetchService(strings.TrimPrefix(svc, "/v2/Services/"))
		if err != nil || s.Sid == nil || "/v2/Services/"+*s.Sid != svc {
			t.Fatalf("FetchService = %v, %v", s, err)
		}
		if s.Url == nil || !strings.HasPrefix(*s.Url, env.URL) {
			t.Errorf("url = %v, want it on %s", s.Url, env.URL)
		}
	})
	t.Run("the SDK takes other credentials", func(t *testing.T) {
		api := chatv2.NewApiServiceWithClient(env.SDK(t, testenv.SDKCredentials(testenv.AccountSid, "wrongtoken0")))
		var te *client.TwilioRestError
		if _, err := api.FetchService(strings.TrimPrefix(svc, "/v2/Services/")); !errors.As(err, &te) || te.Code != 20003 {
			t.Errorf("FetchService with a wrong token: %v", err)
		}
	})
	t.Run("Walk follows every page", func(t *testing.T) {
		for i := range 4 {
			env.Create(t, svc+"/Users", testenv.Form("Identity", fmt.Sprint("user", i)))
		}
		if got := env.Walk(t, svc+"/Users?PageSize=3"); len(got) != 4 {
			t.Errorf("Walk = %d users, want 4", len(got))
		}
	})
	t.Run("the Store is chatd's", func(t *testing.T) {
		var n int
		err := env.Store.View(context.Background(), func(tx model.Tx) error {
			s, err := tx.Services(model.Window{})
			n = len(s)
			return err
		})
		if err != nil || n != 1 {
			t.Errorf("Services in the store: %d, %v; want 1", n, err)
		}
	})

	t.Run("Restart keeps the data", func(t *testing.T) {
		before := env.Store
		env.Restart(t)
		if env.Store == before {
			t.Error("the store was not opened again")
		}
		env.Get(t, svc)
		api := chatv2.NewApiServiceWithClient(env.SDK(t))
		if _, err := api.FetchService(strings.TrimPrefix(svc, "/v2/Services/")); err != nil {
			t.Errorf("FetchService after the restart: %v", err)
		}
	})
	t.Run("Close closes the store", func(t *testing.T) {
		env.Close()
		err := env.Store.View(context.Background(), func(model.Tx) error { return nil })
		if err == nil {
			t.Error("the store still answers after Close")
		}
		env.Close() // a second Close does nothing
	})
}

func TestWithStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.db")
	var opened atomic.Int32
	env := testenv.New(t, testenv.WithStore(func(t testing.TB) model.Store {
		opened.Add(1)
		return testenv.BoltStore(path)(t)
	}))
	if env.DBPath != "" {
		t.Errorf("DBPath = %q with WithStore, want empty", env.DBPath)
	}
	svc := env.NewService(t)
	env.Restart(t)
	env.Get(t, svc)
	if n := opened.Load(); n != 2 {
		t.Errorf("the store was opened %d times, want 2 (New and Restart)", n)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the store's file: %v", err)
	}
}

func TestOptions(t *testing.T) {
	t.Run("generated credentials", func(t *testing.T) {
		env := testenv.New(t, testenv.WithCredentials("", ""), testenv.WithAPIKey("", ""))
		if env.AccountSid == testenv.AccountSid || !model.IsSID(model.PrefixAccount, env.AccountSid) {
			t.Fatalf("AccountSid = %q, want a generated one", env.AccountSid)
		}
		env.NewService(t)
		testenv.WantError(t, env.DoAuth(t, http.MethodGet, "/v2/Services", nil, testenv.APIKeySid, testenv.APIKeySecret), 401, 20003)
	})
	t.Run("public URL", func(t *testing.T) {
		env := testenv.New(t, testenv.WithPublicURL("https://chat.example.com"))
		if u := env.Get(t, env.NewService(t))["url"]; !strings.HasPrefix(fmt.Sprint(u), "https://chat.example.com/v2/Services/") {
			t.Errorf("url = %v", u)
		}
	})
	t.Run("TLS", func(t *testing.T) {
		env := testenv.New(t, testenv.WithTLS())
		if !strings.HasPrefix(env.URL, "https://") || len(env.CertPEM) == 0 {
			t.Fatalf("URL %q, certificate %q", env.URL, env.CertPEM)
		}
		r := env.Do(t, http.MethodGet, "/v2/Services", nil)
		if r.Status != http.StatusOK || r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			t.Errorf("GET over HTTPS: %d, TLS %v", r.Status, r.TLS)
		}
		if _, err := chatv2.NewApiServiceWithClient(env.SDK(t)).ListService(nil); err != nil {
			t.Errorf("the SDK over HTTPS: %v", err)
		}
	})
}

// TestWithoutDispatcher checks that webhooks held by WithoutDispatcher are
// sent once a Restart with WithDispatcher starts the dispatcher.
func TestWithoutDispatcher(t *testing.T) {
	got := make(chan string, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got <- r.PostForm.Get("EventType")
	}))
	t.Cleanup(receiver.Close)
	env := testenv.New(t, testenv.WithoutDispatcher())
	svc := env.NewService(t)
	env.Update(t, svc, testenv.Form("PostWebhookUrl", receiver.URL))
	r := env.DoHeader(t, http.MethodPost, svc+"/Channels", testenv.Form("UniqueName", "held"),
		env.AccountSid, env.AuthToken, http.Header{"X-Twilio-Webhook-Enabled": {"true"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create channel: %d %s", r.Status, r.Raw)
	}
	env.Restart(t, testenv.WithDispatcher())
	select {
	case event := <-got:
		if event != "onChannelAdded" {
			t.Errorf("event %q, want onChannelAdded", event)
		}
	case <-time.After(time.Minute): // a guard against a hang, not a timing assertion
		t.Fatal("the held webhook was not sent after the restart")
	}
}

// recorder is a testing.TB that keeps what Error reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()           {}
func (r *recorder) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

// TestAnswersAreChecked gives an Env a spec its answers do not fit, and
// checks that both the API and the SDK report the mismatch.
func TestAnswersAreChecked(t *testing.T) {
	env := testenv.New(t)
	svc := env.NewService(t)
	strict := &speccheck.Spec{}
	doc := `{"paths": {"/v2/Services/{Sid}": {"get": {"responses": {"200": {"content": {"application/json": {"schema":
		{"type": "object", "properties": {"sid": {"type": "integer"}}}}}}}}}}}`
	if err := strict.Add("strict.json", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	env.Spec = strict

	rec := &recorder{TB: t}
	env.Get(rec, svc)
	if errs := rec.errs; len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), ": sid: want integer, got string") {
		t.Errorf("the API reported %q", errs)
	}

	rec = &recorder{TB: t}
	if _, err := chatv2.NewApiServiceWithClient(env.SDK(rec)).FetchService(strings.TrimPrefix(svc, "/v2/Services/")); err != nil {
		t.Fatal(err)
	}
	if errs := rec.errs; len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), ": sid: want integer, got string") {
		t.Errorf("the SDK reported %q", errs)
	}
}

func TestWriteCert(t *testing.T) {
	certPath, keyPath := testenv.WriteCert(t, t.TempDir())
	if _, err := tls.LoadX509KeyPair(certPath, keyPath); err != nil {
		t.Fatal(err)
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if tr := testenv.TLSTransport(t, certPEM); tr.TLSClientConfig == nil || tr.TLSClientConfig.RootCAs == nil || tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("TLSTransport config %+v", tr.TLSClientConfig)
	}
}

// TestOnlyTestsImport keeps testenv and speccheck out of chatd itself:
// only _test.go files import them.
func TestOnlyTestsImport(t *testing.T) {
	root := filepath.Join("..", "..")
	const module = "github.com/chatd/chatd/internal/"
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, pkg := range []string{"testenv", "speccheck", "pgtest"} {
				if p == module+pkg && !strings.HasSuffix(dir, "internal/testenv") {
					t.Errorf("%s imports %s: only tests may", path, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked only %d files: wrong root?", checked)
	}
}

// TestFirstPerson checks the first-person client: its token, minted with
// twilio-go's client/jwt for the Env's key, logs in; one signed otherwise
// does not.
func TestFirstPerson(t *testing.T) {
	env := testenv.New(t)
	service := strings.TrimPrefix(env.NewService(t), "/v2/Services/")
	alice := env.As(t, "alice", service)
	r := alice.Must(t, http.StatusOK, http.MethodGet, "/Client/v1/Configuration", nil, "X-Twilio-Mutation-Id", "ignored on a GET")
	if r.Str("identity") != "alice" || alice.Identity != "alice" {
		t.Errorf("Configuration = %s", r.Raw)
	}
	sent := alice.Must(t, http.StatusCreated, http.MethodPost, "/Client/v1/Conversations", map[string]any{"unique_name": "general"})
	if sent.Str("unique_name") != "general" || sent.Str("created_by") != "alice" {
		t.Errorf("the JSON body was not sent: %s", sent.Raw)
	}
	other := env.As(t, "bob", service, testenv.SignedWith(env.APIKeySid, "not the key's secret"))
	testenv.WantError(t, other.Do(t, http.MethodGet, "/Client/v1/Configuration", nil), http.StatusUnauthorized, 20101)
	anonymous := &testenv.FirstPerson{}
	*anonymous = *alice
	anonymous.Token = ""
	testenv.WantError(t, anonymous.Do(t, http.MethodGet, "/Client/v1/Configuration", nil), http.StatusUnauthorized, 20101)
}
