package main

// Flags, their CHATD_* environment defaults, bad starts and commands.

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// TestE2EEnvironment checks flags through their CHATD_* defaults, and that
// a flag given wins over its variable.
func TestE2EEnvironment(t *testing.T) {
	t.Parallel()
	sid1, sid2 := "AC"+strings.Repeat("1", 32), "AC"+strings.Repeat("2", 32)
	seed := seedFile(t)
	for _, c := range []struct {
		name  string
		args  func(dir string) []string
		env   func(dir string) []string
		check func(t *testing.T, c *chatd, dir string)
	}{{
		name: "CHATD_ADDR is the listen address",
		args: func(dir string) []string { return []string{"--db", filepath.Join(dir, "a.db")} },
		env:  func(string) []string { return []string{"CHATD_ADDR=127.0.0.1:0"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`).MatchString(c.ready.URL) {
				t.Errorf("url = %q, want 127.0.0.1 and a port chosen", c.ready.URL)
			}
		},
	}, {
		name: "--addr wins over CHATD_ADDR",
		args: func(dir string) []string { return args(listen, []string{"--db", filepath.Join(dir, "a.db")}) },
		env:  func(string) []string { return []string{"CHATD_ADDR=not an address"} },
	}, {
		name: "CHATD_DB is the file",
		args: func(string) []string { return listen },
		env:  func(dir string) []string { return []string{"CHATD_DB=" + filepath.Join(dir, "env.db")} },
		check: func(t *testing.T, c *chatd, dir string) {
			if c.ready.DB != filepath.Join(dir, "env.db") {
				t.Errorf("db = %q, want CHATD_DB's", c.ready.DB)
			}
		},
	}, {
		name: "--db wins over CHATD_DB",
		args: func(dir string) []string { return args(listen, []string{"--db", filepath.Join(dir, "flag.db")}) },
		env:  func(dir string) []string { return []string{"CHATD_DB=" + filepath.Join(dir, "env.db")} },
		check: func(t *testing.T, c *chatd, dir string) {
			if c.ready.DB != filepath.Join(dir, "flag.db") {
				t.Errorf("db = %q, want --db's", c.ready.DB)
			}
			if _, err := os.Stat(filepath.Join(dir, "env.db")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("CHATD_DB's file: %v, want none made", err)
			}
		},
	}, {
		name: "CHATD_ACCOUNT_SID and CHATD_AUTH_TOKEN are the credentials",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_ACCOUNT_SID=" + sid1, "CHATD_AUTH_TOKEN=envtoken"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if c.ready.AccountSid != sid1 || c.ready.AuthToken != "envtoken" {
				t.Errorf("credentials %s/%s, want the environment's", c.ready.AccountSid, c.ready.AuthToken)
			}
			c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
		},
	}, {
		name: "--account-sid and --auth-token win over the environment",
		args: func(string) []string {
			return args(listen, []string{"--ephemeral", "--account-sid", sid2, "--auth-token", "flagtoken"})
		},
		env: func(string) []string { return []string{"CHATD_ACCOUNT_SID=" + sid1, "CHATD_AUTH_TOKEN=envtoken"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if c.ready.AccountSid != sid2 || c.ready.AuthToken != "flagtoken" {
				t.Errorf("credentials %s/%s, want the flags'", c.ready.AccountSid, c.ready.AuthToken)
			}
			r := c.api.DoAuth(t, http.MethodGet, "/v2/Services", nil, sid1, "envtoken")
			testenv.WantError(t, r, http.StatusUnauthorized, 20003)
		},
	}, {
		name: "CHATD_EPHEMERAL=true makes the file ephemeral",
		args: func(string) []string { return listen },
		env:  func(string) []string { return []string{"CHATD_EPHEMERAL=true"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if !c.ready.Ephemeral {
				t.Errorf("ready line %+v, want ephemeral", c.ready)
			}
		},
	}, {
		name: "CHATD_SEED is the seed",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_SEED=" + seed} },
		check: func(t *testing.T, c *chatd, _ string) {
			c.api.Must(t, http.StatusOK, http.MethodGet, support+"/Channels/general", nil)
		},
	}, {
		name: "CHATD_PUBLIC_URL is the host of URLs",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_PUBLIC_URL=https://chat.example.com"} },
		check: func(t *testing.T, c *chatd, _ string) {
			list := c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
			if u := list["meta"].(map[string]any)["url"].(string); !strings.HasPrefix(u, "https://chat.example.com/v2/Services") {
				t.Errorf("meta.url = %q, want CHATD_PUBLIC_URL's host", u)
			}
		},
	}, {
		name: "CHATD_TLS_SELF_SIGNED=1 serves HTTPS",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_TLS_SELF_SIGNED=1"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if !strings.HasPrefix(c.ready.URL, "https://") || c.ready.CACert == "" {
				t.Errorf("ready line %+v, want HTTPS with a certificate", c.ready)
			}
			c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
		},
	}, {
		name: "CHATD_LOG_FORMAT=json logs a JSON line per request",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_LOG_FORMAT=json"} },
		check: func(t *testing.T, c *chatd, _ string) {
			resp := c.api.Do(t, http.MethodGet, "/v2/Services?PageSize=5", nil)
			id := resp.Header.Get("Twilio-Request-Id")
			c.stop(t)
			var found bool
			sc := bufio.NewScanner(strings.NewReader(c.stderr.String()))
			for sc.Scan() {
				var line map[string]any
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Errorf("log line %q is not JSON: %v", sc.Text(), err)
					continue
				}
				if line["msg"] != "request" || line["request_id"] != id {
					continue
				}
				found = true
				if line["method"] != "GET" || line["route"] != "/v2/Services" || line["status"] != float64(200) {
					t.Errorf("request line %s, want GET /v2/Services 200", sc.Text())
				}
				if d, ok := line["duration"].(float64); !ok || d <= 0 {
					t.Errorf("request line %s, want a duration", sc.Text())
				}
			}
			if !found || !strings.HasPrefix(id, "RQ") {
				t.Errorf("no request line with request_id %q in:\n%s", id, c.stderr)
			}
		},
	}, {
		name: "--log-format text wins over CHATD_LOG_FORMAT=json",
		args: func(string) []string { return args(listen, []string{"--ephemeral", "--log-format", "text"}) },
		env:  func(string) []string { return []string{"CHATD_LOG_FORMAT=json"} },
		check: func(t *testing.T, c *chatd, _ string) {
			resp := c.api.Do(t, http.MethodGet, "/v2/Services", nil)
			c.stop(t)
			want := "msg=request method=GET route=/v2/Services status=200 duration="
			if logs := c.stderr.String(); !strings.Contains(logs, want) || !strings.Contains(logs, "request_id="+resp.Header.Get("Twilio-Request-Id")) ||
				strings.HasPrefix(logs, "{") {
				t.Errorf("logs, want text lines with %q:\n%s", want, logs)
			}
		},
	}, {
		name: "CHATD_LOG_LEVEL=warn leaves out request lines",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_LOG_LEVEL=warn"} },
		check: func(t *testing.T, c *chatd, _ string) {
			c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
			c.stop(t)
			if logs := c.stderr.String(); strings.Contains(logs, "msg=request") {
				t.Errorf("logs at warn hold request lines:\n%s", logs)
			}
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := start(t, c.args(dir), c.env(dir)...)
			if c.check != nil {
				c.check(t, p, dir)
			}
			select {
			case <-p.exited: // the check stopped it
			default:
				p.stop(t)
			}
		})
	}
}

// TestE2EEveryFlagHasAnEnvironmentDefault reads the usage of chatd serve:
// it exits 0, and every flag names its CHATD_* variable.
func TestE2EEveryFlagHasAnEnvironmentDefault(t *testing.T) {
	t.Parallel()
	r := runChatd(t, []string{"serve", "--help"})
	if r.code != 0 {
		t.Errorf("serve --help exited %d, want 0", r.code)
	}
	flagLine := regexp.MustCompile(`^  -([a-z-]+)`)
	var flags []string
	lines := strings.Split(r.stderr, "\n")
	for i, line := range lines {
		m := flagLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		flags = append(flags, m[1])
		// The usage is on the flag's line or the next.
		usage := line
		if i+1 < len(lines) {
			usage += lines[i+1]
		}
		want := "[CHATD_" + strings.ToUpper(strings.ReplaceAll(m[1], "-", "_")) + "]"
		if !strings.Contains(usage, want) {
			t.Errorf("flag --%s: usage %q does not name %s", m[1], usage, want)
		}
	}
	for _, f := range []string{"addr", "db", "ephemeral", "seed", "account-sid", "auth-token", "api-key-sid", "api-key-secret",
		"public-url", "tls-cert", "tls-key", "tls-self-signed", "log-format", "log-level"} {
		if !slices.Contains(flags, f) {
			t.Errorf("serve --help does not list --%s (it lists %v)", f, flags)
		}
	}
}

// TestE2EBadStart checks that a bad configuration stops chatd before it
// serves: a message naming the problem on stderr, no ready line, exit 1.
func TestE2EBadStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPath, keyPath := testenv.WriteCert(t, dir)
	_, otherKey := testenv.WriteCert(t, t.TempDir())
	unknownField := filepath.Join(dir, "unknown.json")
	badRule := filepath.Join(dir, "rule.json")
	for path, js := range map[string]string{
		unknownField: `{"services": [{"friendly_name": "a", "frendly_name": "b"}]}`,
		badRule:      `{"services": [{"sid": "IS00000000000000000000000000000001", "friendly_name": "a", "channels": [{"unique_name": "x"}, {"unique_name": "x"}]}]}`,
	} {
		if err := os.WriteFile(path, []byte(js), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests
	// db stands for a file of the subtest's own.
	db := []string{"--db", "{db}"}

	for _, c := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"an unknown log level", args(listen, db, []string{"--log-level", "loud"}), nil, `--log-level must be debug, info, warn or error, not "loud"`},
		{"an unknown log format from the environment", args(listen, db), []string{"CHATD_LOG_FORMAT=xml"}, `--log-format must be text or json, not "xml"`},
		{"--tls-cert without --tls-key", args(listen, db, []string{"--tls-cert", certPath}), nil, "--tls-cert and --tls-key go together"},
		{"--tls-cert with --tls-self-signed", args(listen, db, []string{"--tls-cert", certPath, "--tls-key", keyPath, "--tls-self-signed"}), nil, "exclude each other"},
		{"a key that is not the certificate's", args(listen, db, []string{"--tls-cert", certPath, "--tls-key", otherKey}), nil, "tls: private key does not match public key"},
		{"a missing certificate file", args(listen, db, []string{"--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", keyPath}), nil, "--tls-cert: stat " + filepath.Join(dir, "none.pem")},
		{"CHATD_EPHEMERAL=maybe", args(listen, db), []string{"CHATD_EPHEMERAL=maybe"}, `CHATD_EPHEMERAL="maybe" is not a boolean`},
		{"CHATD_TLS_SELF_SIGNED=sometimes", args(listen, db), []string{"CHATD_TLS_SELF_SIGNED=sometimes"}, `CHATD_TLS_SELF_SIGNED="sometimes" is not a boolean`},
		{"a missing seed file", args(listen, db, []string{"--seed", filepath.Join(dir, "missing.json")}), nil, "--seed: stat " + filepath.Join(dir, "missing.json")},
		{"a seed with an unknown field", args(listen, db, []string{"--seed", unknownField}), nil, `seed: json: unknown field "frendly_name"`},
		{"a seed that breaks a rule", args(listen, []string{"--ephemeral", "--seed", badRule}), nil, `seed: service "IS00000000000000000000000000000001": channel x`},
		{"an account SID without a token", args(listen, db, []string{"--account-sid", "AC" + strings.Repeat("1", 32)}), nil, "--account-sid and --auth-token go together"},
		{"a public URL that is not one", args(listen, db), []string{"CHATD_PUBLIC_URL=chat.example.com"}, `--public-url "chat.example.com" is not an http(s) URL`},
		{"an unknown flag", args(listen, db, []string{"--nope"}), nil, "flag provided but not defined: -nope"},
		{"an extra argument", args([]string{"serve"}, listen, db, []string{"extra"}), nil, "unexpected arguments: extra"},
		{"an address in use", args([]string{"--addr", busy.Addr().String()}, db), nil, "address already in use"},
		{"a file in a missing directory", args(listen, []string{"--db", filepath.Join(dir, "none", "chatd.db")}), nil, filepath.Join(dir, "none", "chatd.db")},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			own := filepath.Join(t.TempDir(), "chatd.db")
			for i, a := range c.args {
				if a == "{db}" {
					c.args[i] = own
				}
			}
			r := runChatd(t, c.args, c.env...)
			if r.code != 1 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
				t.Errorf("chatd %v %v: exit %d, stdout %q, stderr:\n%s\nwant exit 1, no ready line, and %q", c.args, c.env, r.code, r.stdout, r.stderr, c.want)
			}
		})
	}
}

func TestE2ECommands(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		args         []string
		code         int
		stdout       string // a pattern
		stderrSubstr string
	}{
		{"version prints the version", []string{"version"}, 0, `^chatd \S+\n$`, ""},
		{"an unknown command fails", []string{"frobnicate"}, 1, `^$`, `unknown command "frobnicate"`},
		{"backup without --out fails", []string{"backup", "--url", "http://127.0.0.1:1"}, 1, `^$`, "--out is required"},
		{"backup with both --url and --db fails", []string{"backup", "--url", "http://127.0.0.1:1", "--db", "x.db", "--out", "y.db"}, 1, `^$`, "one of them"},
		{"healthcheck with an unknown flag fails", []string{"healthcheck", "--nope"}, 1, `^$`, "flag provided but not defined: -nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runChatd(t, c.args)
			if r.code != c.code || !regexp.MustCompile(c.stdout).MatchString(r.stdout) || !strings.Contains(r.stderr, c.stderrSubstr) {
				t.Errorf("chatd %v: exit %d, stdout %q, stderr %q; want exit %d, stdout like %s, stderr with %q",
					c.args, r.code, r.stdout, r.stderr, c.code, c.stdout, c.stderrSubstr)
			}
		})
	}
}
