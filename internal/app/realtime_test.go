package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatd/chatd/accesstoken"
	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/server"
	"github.com/chatd/chatd/twilsock"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

const (
	accountSid = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
	keySid     = "SK0123456789abcdef0123456789abcdef"
	keySecret  = "fedcba9876543210fedcba9876543210"
)

// TestRealtime drives the client SDKs' socket of a running chatd: no Basic
// auth on the upgrade, a socket that outlives the server's read and write
// timeouts, tokens checked by chatd's own rules, and tunnelled requests
// answered (with 404 until the Client API is served).
func TestRealtime(t *testing.T) {
	ctx := context.Background()
	// Timeouts far shorter than the life of a socket.
	limits := server.Limits{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}
	a, err := app.Start(ctx, app.Config{
		Addr: "127.0.0.1:0", Ephemeral: true, Limits: limits,
		AccountSid: accountSid, AuthToken: authToken, APIKeySid: keySid, APIKeySecret: keySecret,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(ctx) })
	wsURL := "ws" + strings.TrimPrefix(a.URL, "http") + "/v3/wsconnect"
	service := createService(t, a.URL)
	now := time.Now()
	mint := func(identity, svc string, from time.Time) string {
		s, err := accesstoken.Mint(accesstoken.Token{
			KeySid: keySid, AccountSid: accountSid, Identity: identity, Chat: accesstoken.ChatGrant{ServiceSid: svc},
			IssuedAt: from, NotBefore: from, Expires: from.Add(time.Hour),
		}, keySecret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("OutlivesTimeouts", func(t *testing.T) {
		// An upgrade without credentials, then an init sent after the
		// server's timeouts have passed: the socket must still work.
		ws, _, err := websocket.Dial(ctx, wsURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		time.Sleep(2 * limits.ReadTimeout)
		b, _ := twilsock.Encode(&twilsock.Frame{Header: twilsock.Header{Method: "init", ID: "TM1", Token: mint("alice", service, now)}})
		if err := ws.Write(ctx, websocket.MessageBinary, b); err != nil {
			t.Fatal(err)
		}
		_, reply, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("init after the timeouts: %v", err)
		}
		if f, err := twilsock.Decode(reply); err != nil || f.Status.Code != 200 {
			t.Fatalf("init reply = %+v, %v", f, err)
		}
	})
	t.Run("Tunnel", func(t *testing.T) {
		c, err := twilsocktest.Dial(ctx, wsURL, mint("bob", service, now))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		resp, err := c.Get(ctx, "https://aim.us1.twilio.com/Client/v1/Configuration")
		if err != nil {
			t.Fatal(err)
		}
		var conf struct {
			Identity string
			Links    map[string]string
		}
		json.Unmarshal(resp.Body, &conf)
		if resp.StatusCode != 200 || conf.Identity != "bob" || !strings.HasPrefix(conf.Links["my_conversations"], a.URL+"/Client/v1/") {
			t.Errorf("tunnelled Configuration = %d %s, want bob's, with links to %s", resp.StatusCode, resp.Body, a.URL)
		}
		resp, err = c.Get(ctx, "https://aim.us1.twilio.com/Client/v1/Nowhere")
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code, Status int }
		json.Unmarshal(resp.Body, &e)
		if resp.StatusCode != 404 || e.Code != 20404 || e.Status != 404 {
			t.Errorf("tunnelled request to no route = %d %s, want Twilio's 404", resp.StatusCode, resp.Body)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		for _, tt := range []struct {
			name      string
			token     string
			errorCode int
		}{
			{"Expired", mint("alice", service, now.Add(-2*time.Hour)), 20104},
			{"UnknownService", mint("alice", "ISffffffffffffffffffffffffffffffff", now), 20106},
			{"Garbage", "x", 20101},
		} {
			c, err := twilsocktest.Dial(ctx, wsURL, tt.token)
			var se *twilsocktest.StatusError
			if !errors.As(err, &se) || se.Status.Code != 401 || se.Status.ErrorCode != tt.errorCode {
				if c != nil {
					c.CloseNow()
				}
				t.Errorf("%s: Dial = %v, want 401 with errorCode %d", tt.name, err, tt.errorCode)
			}
		}
	})
	t.Run("CloseOffloads", func(t *testing.T) {
		c, err := twilsocktest.Dial(ctx, wsURL, mint("carol", service, now))
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
		f, ok := <-c.Events()
		if !ok || f.Method != "close" || f.Status.Code != 308 {
			t.Errorf("at shutdown the client got %+v (%v), want close 308", f, c.Err())
		}
	})
}

// createService creates a Service over REST and returns its SID.
func createService(t *testing.T, base string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v2/Services", strings.NewReader(url.Values{"FriendlyName": {"rt"}}.Encode()))
	req.SetBasicAuth(accountSid, authToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Sid string }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || resp.StatusCode != 201 {
		t.Fatalf("create Service: %d %v", resp.StatusCode, err)
	}
	return s.Sid
}
