package twilsock_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatd/chatd/accesstoken"
	"github.com/chatd/chatd/twilsock"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

var ctx = context.Background()

func TestInit(t *testing.T) {
	f := start(t, twilsock.Options{})
	alice := token(t, "alice")
	c := f.dial(t, alice)
	r := c.Init
	if r.Status.Code != 200 || r.ContinuationToken == "" || r.ContinuationTokenStatus != nil {
		t.Errorf("init reply = %+v, want 200 with a continuation token and no status", r.Header)
	}
	if !reflect.DeepEqual(r.Capabilities, []string{"client_update"}) {
		t.Errorf("capabilities = %q, want client_update alone", r.Capabilities)
	}

	t.Run("Reconnect", func(t *testing.T) {
		again := f.dialOptions(t, alice, twilsocktest.Options{ContinuationToken: r.ContinuationToken})
		st := again.Init.ContinuationTokenStatus
		if st == nil || st.Reissued {
			t.Errorf("continuation_token_status = %+v, want reissued false", st)
		}
		if tok := again.Init.ContinuationToken; tok == "" || tok == r.ContinuationToken {
			t.Errorf("continuation token %q after %q, want a fresh one", tok, r.ContinuationToken)
		}
	})
	t.Run("ReconnectUnknownToken", func(t *testing.T) {
		for _, tt := range []struct{ name, identity, continuation string }{
			{"Forged", "alice", "bm9uY2U.c2lnbmF0dXJl"},
			{"OtherIdentity", "bob", r.ContinuationToken},
			{"Garbage", "alice", "..."},
		} {
			c := f.dialOptions(t, token(t, tt.identity), twilsocktest.Options{ContinuationToken: tt.continuation})
			if st := c.Init.ContinuationTokenStatus; st == nil || !st.Reissued || c.Init.ContinuationToken == "" {
				t.Errorf("%s: continuation = %q, status %+v, want a reissued one", tt.name, c.Init.ContinuationToken, st)
			}
		}
	})
}

func TestInitRefused(t *testing.T) {
	f := start(t, twilsock.Options{})
	now := time.Now()
	unknownKey, err := accesstoken.Mint(accesstoken.Token{
		KeySid: "SKffffffffffffffffffffffffffffffff", AccountSid: account, Identity: "alice",
		Chat: accesstoken.ChatGrant{ServiceSid: service}, IssuedAt: now, Expires: now.Add(time.Hour),
	}, secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		token     string
		errorCode int
	}{
		{"Expired", mint(t, "alice", service, now.Add(-2*time.Hour), time.Hour), 20104},
		{"NotYetValid", mint(t, "alice", service, now.Add(time.Hour), time.Hour), 20105},
		{"Garbage", "not a token", 20101},
		{"Empty", "", 20101},
		{"BadSignature", token(t, "alice") + "x", 20101},
		{"UnknownKey", unknownKey, 20103},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := twilsocktest.Dial(ctx, f.url, tt.token)
			var se *twilsocktest.StatusError
			if !errors.As(err, &se) {
				c.CloseNow()
				t.Fatalf("Dial = %v, want a refused init", err)
			}
			if se.Status.Code != 401 || se.Status.ErrorCode != tt.errorCode || se.Status.Description == "" {
				t.Errorf("status = %+v, want 401 with errorCode %d", se.Status, tt.errorCode)
			}
		})
	}
	t.Run("ConnectionEnds", func(t *testing.T) {
		ws := rawDial(t, f.url)
		writeFrame(t, ws, &twilsock.Frame{Header: twilsock.Header{Method: "init", ID: "TM1", Token: "bad"}})
		if r := readFrame(t, ws); r.Method != "reply" || r.ID != "TM1" || r.Status.Code != 401 {
			t.Fatalf("reply = %+v", r.Header)
		}
		if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Errorf("after a refused init: %v, want the socket closed", err)
		}
	})
}

func TestBeforeInit(t *testing.T) {
	f := start(t, twilsock.Options{})
	ws := rawDial(t, f.url)
	writeFrame(t, ws, &twilsock.Frame{Header: twilsock.Header{Method: "reply", ID: "TS1", Status: twilsock.NewStatus(200)}})
	writeFrame(t, ws, &twilsock.Frame{Header: twilsock.Header{Method: "message", ID: "TM1", HTTPRequest: &twilsock.HTTPRequest{Path: "/x"}}})
	if r := readFrame(t, ws); r.ID != "TM1" || r.Status.Code != 400 || r.HTTPStatus != nil {
		t.Errorf("message before init answered %+v, want status 400", r.Header)
	}
	writeFrame(t, ws, &twilsock.Frame{Header: twilsock.Header{Method: "init", ID: "TM2", Token: token(t, "alice")}})
	if r := readFrame(t, ws); r.ID != "TM2" || r.Status.Code != 200 {
		t.Errorf("init answered %+v, want 200", r.Header)
	}
	writeFrame(t, ws, &twilsock.Frame{Header: twilsock.Header{Method: "init", ID: "TM3", Token: token(t, "alice")}})
	if r := readFrame(t, ws); r.ID != "TM3" || r.Status.Code != 400 {
		t.Errorf("second init answered %+v, want 400", r.Header)
	}
}

func TestOtherMethodsAnswered(t *testing.T) {
	f := start(t, twilsock.Options{})
	c := f.dial(t, token(t, "alice"))
	for _, method := range []string{"put_notification_ctx", "delete_notification_ctx", "telemetry.v1", "something_new"} {
		r, err := c.Send(ctx, &twilsock.Frame{Header: twilsock.Header{Method: method, NotificationCtxID: "ctx1"}, Payload: []byte(`{}`)})
		if err != nil || r.Status.Code != 200 {
			t.Errorf("%s: %v, %+v, want 200", method, err, r)
		}
	}
	// Acks are dropped: nothing answers them, and the connection carries on.
	if err := c.Write(ctx, &twilsock.Frame{Header: twilsock.Header{Method: "reply", ID: "TS999", Status: twilsock.NewStatus(200)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "https://aim.us1.twilio.com/ok"); err != nil {
		t.Errorf("request after an ack: %v", err)
	}
}

func TestProtocolErrors(t *testing.T) {
	f := start(t, twilsock.Options{})
	for _, tt := range []struct {
		name string
		typ  websocket.MessageType
		data string
	}{
		{"NotAFrame", websocket.MessageBinary, "hello"},
		{"OldVersion", websocket.MessageBinary, string(frame(`{"method":"init","id":"TM1"}`, ""))[:9] + "V2.0" + string(frame(`{"method":"init","id":"TM1"}`, ""))[13:]},
		{"TextFrame", websocket.MessageText, string(frame(`{"method":"init","id":"TM1","payload_size":0}`, ""))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws := rawDial(t, f.url)
			if err := ws.Write(ctx, tt.typ, []byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			if r := readFrame(t, ws); r.Method != "close" || r.Status.Code != 406 || r.Status.Description == "" {
				t.Errorf("answer = %+v, want close 406", r.Header)
			}
			if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Errorf("after close 406: %v, want the socket closed", err)
			}
		})
	}
}

func TestClientClose(t *testing.T) {
	f := start(t, twilsock.Options{})
	c := f.dial(t, token(t, "alice"))
	if got := f.nextPresence(t); got != "online alice" {
		t.Fatalf("presence = %q", got)
	}
	r, err := c.Send(ctx, &twilsock.Frame{Header: twilsock.Header{Method: "close"}})
	if err != nil || r.Status.Code != 200 {
		t.Fatalf("close: %v %+v", err, r)
	}
	ended(t, c)
	if got := f.nextPresence(t); got != "offline alice" {
		t.Errorf("presence = %q, want offline alice", got)
	}
}

func TestUpdate(t *testing.T) {
	f := start(t, twilsock.Options{})
	first := token(t, "alice")
	c := f.dial(t, first)
	tokenSeen := func() string {
		t.Helper()
		resp, err := c.Get(ctx, "https://aim.us1.twilio.com/Client/v1/Configuration")
		if err != nil {
			t.Fatal(err)
		}
		var e echoed
		json.Unmarshal(resp.Body, &e)
		return e.Header.Get("X-Twilio-Token")
	}
	if got := tokenSeen(); got != first {
		t.Fatalf("X-Twilio-Token = %q, want the init token", got)
	}
	refreshed := mint(t, "alice", service, time.Now(), 2*time.Hour)
	if err := c.Update(ctx, refreshed); err != nil {
		t.Fatalf("update: %v", err)
	}
	if got := tokenSeen(); got != refreshed {
		t.Errorf("after the update X-Twilio-Token = %q, want the new token", got)
	}
	for _, tt := range []struct {
		name      string
		token     string
		errorCode int
	}{
		{"OtherIdentity", token(t, "bob"), 20106},
		{"OtherService", mint(t, "alice", otherService, time.Now(), time.Hour), 20106},
		{"Expired", mint(t, "alice", service, time.Now().Add(-2*time.Hour), time.Hour), 20104},
		{"Garbage", "nope", 20101},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Update(ctx, tt.token)
			var se *twilsocktest.StatusError
			if !errors.As(err, &se) || se.Status.Code != 401 || se.Status.ErrorCode != tt.errorCode {
				t.Fatalf("update = %v, want 401 with errorCode %d", err, tt.errorCode)
			}
			if got := tokenSeen(); got != refreshed {
				t.Errorf("after a refused update X-Twilio-Token = %q, want the previous token", got)
			}
		})
	}
}

func TestServerClose(t *testing.T) {
	f := start(t, twilsock.Options{})
	c := f.dial(t, token(t, "alice"))
	done := make(chan error)
	go func() { done <- f.srv.Close(ctx) }()
	if e := nextEvent(t, c); e.Method != "close" || e.Status.Code != 308 {
		t.Errorf("pushed %+v, want close 308 (reconnect later)", e.Header)
	}
	ended(t, c)
	if err := <-done; err != nil {
		t.Errorf("Close: %v", err)
	}
	if c, err := twilsocktest.Dial(ctx, f.url, token(t, "alice")); err == nil {
		c.CloseNow()
		t.Error("Dial after Close succeeded")
	}
}

// rawDial opens a WebSocket to url without the test client, for frames the
// client would not send.
func rawDial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

func writeFrame(t *testing.T, ws *websocket.Conn, f *twilsock.Frame) {
	t.Helper()
	b, err := twilsock.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Write(ctx, websocket.MessageBinary, b); err != nil {
		t.Fatal(err)
	}
}

// readFrame reads the next frame, which must be binary.
func readFrame(t *testing.T, ws *websocket.Conn) *twilsock.Frame {
	t.Helper()
	typ, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.MessageBinary {
		t.Fatalf("server sent a %v frame, want binary", typ)
	}
	return mustDecode(t, b)
}
