// Package twilsocktest is a twilsock client written in Go, for tests and
// benchmarks of chatd's realtime socket: it connects and sends init as the
// twilio-chat SDK does, tunnels requests, sends token updates,
// acknowledges what the server pushes and hands it to the caller.
package twilsocktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/coder/websocket"

	"github.com/chatd/chatd/twilsock"
)

// Options configure a Client. The zero value connects as the SDK does.
type Options struct {
	// ContinuationToken is sent in init, as a reconnecting SDK sends the
	// one its last connection got.
	ContinuationToken string
	// IgnorePings leaves the server's WebSocket pings unanswered, as a peer
	// that vanished would.
	IgnorePings bool
	// OnPing, when set, is called for every ping received.
	OnPing func()
	// Events is how many pushed frames wait for the caller before the
	// client stops reading the socket, 1024 by default.
	Events int
}

// Client is one twilsock connection. Its methods may be called
// concurrently.
type Client struct {
	// Init is the server's reply to the init.
	Init *twilsock.Frame

	ws     *websocket.Conn
	events chan *twilsock.Frame
	done   chan struct{}
	err    error // why reading stopped, once done is closed

	mu      sync.Mutex
	pending map[string]chan *twilsock.Frame
}

// StatusError is a reply whose twilsock status is not 2xx: a refused
// init or update, or a request the server could not tunnel.
type StatusError struct{ Status twilsock.Status }

func (e *StatusError) Error() string {
	return fmt.Sprintf("twilsock: status %d %s: %s (error code %d)", e.Status.Code, e.Status.Status, e.Status.Description, e.Status.ErrorCode)
}

// Dial connects to a twilsock endpoint (a ws:// or wss:// URL) and sends
// init with token. A refused init is a *StatusError.
func Dial(ctx context.Context, url, token string) (*Client, error) {
	return DialOptions(ctx, url, token, Options{})
}

// DialOptions is Dial with options.
func DialOptions(ctx context.Context, url, token string, opts Options) (*Client, error) {
	if opts.Events <= 0 {
		opts.Events = 1024
	}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			if opts.OnPing != nil {
				opts.OnPing()
			}
			return !opts.IgnorePings
		},
	})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(twilsock.MaxFrameSize)
	c := &Client{
		ws:      ws,
		events:  make(chan *twilsock.Frame, opts.Events),
		done:    make(chan struct{}),
		pending: map[string]chan *twilsock.Frame{},
	}
	go c.readLoop()
	c.Init, err = c.Send(ctx, &twilsock.Frame{Header: twilsock.Header{
		Method:            twilsock.MethodInit,
		Token:             token,
		ContinuationToken: opts.ContinuationToken,
		Metadata:          json.RawMessage(`{"ver":"0.12.2","env":"Go","envv":"","os":"linux","osv":"","osa":"","type":"chat","sdk":"go-twilsocktest","sdkv":"1"}`),
		Registrations:     json.RawMessage(registrations),
		Tweaks:            json.RawMessage(`null`),
		Capabilities:      []string{"client_update", "offline_storage", "telemetry.v1"},
	}})
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	return c, nil
}

// registrations are those twilio-chat 6.0.0 sends in its init.
const registrations = `[{"product":"ip_messaging","type":"ers","notification_protocol_version":0,` +
	`"message_types":["twilio.ipmsg.typing_indicator","twilio.sync.event","com.twilio.rtd.cds.document",` +
	`"com.twilio.rtd.cds.list","com.twilio.rtd.cds.map"]}]`

// Events delivers what the server pushes (notification, client_update and
// close frames), already acknowledged, in order. It is closed when the
// connection ends.
func (c *Client) Events() <-chan *twilsock.Frame { return c.events }

// Done is closed when the connection has ended; Err then tells why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection ended, once Done is closed.
func (c *Client) Err() error {
	<-c.done
	return c.err
}

// Write sends f without waiting for a reply, with a new id when it has
// none.
func (c *Client) Write(ctx context.Context, f *twilsock.Frame) error {
	if f.ID == "" {
		f.ID = newID()
	}
	b, err := twilsock.Encode(f)
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageBinary, b)
}

// Send sends f and waits for the server's reply to it. A reply whose
// status is not 2xx is a *StatusError, returned with the reply.
func (c *Client) Send(ctx context.Context, f *twilsock.Frame) (*twilsock.Frame, error) {
	if f.ID == "" {
		f.ID = newID()
	}
	ch := make(chan *twilsock.Frame, 1)
	c.mu.Lock()
	c.pending[f.ID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, f.ID)
		c.mu.Unlock()
	}()
	if err := c.Write(ctx, f); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return reply(r)
	case <-c.done:
		select {
		case r := <-ch: // the reply came just before the end
			return reply(r)
		default:
			return nil, fmt.Errorf("twilsock: connection ended before the reply: %w", c.err)
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// reply is r, with a *StatusError when its status is not 2xx.
func reply(r *twilsock.Frame) (*twilsock.Frame, error) {
	if r.Status == nil || r.Status.Code < 200 || r.Status.Code > 299 {
		var st twilsock.Status
		if r.Status != nil {
			st = *r.Status
		}
		return r, &StatusError{Status: st}
	}
	return r, nil
}

// Update sends a refreshed token.
func (c *Client) Update(ctx context.Context, token string) error {
	_, err := c.Send(ctx, &twilsock.Frame{Header: twilsock.Header{Method: twilsock.MethodUpdate, Token: token}})
	return err
}

// Response is the answer to a tunnelled request.
type Response struct {
	StatusCode int
	Header     twilsock.Headers
	Body       []byte
	// Reply is the whole reply frame.
	Reply *twilsock.Frame
}

// Do tunnels one HTTP request to rawURL, an absolute http(s) URL whose host
// the server ignores, as the SDK does: the query goes in params still
// percent-encoded (a repeated key as an array), the body as payload with
// its Content-Type (application/json when headers name none) as
// payload_type.
func (c *Client) Do(ctx context.Context, method, rawURL string, headers map[string]string, body []byte) (*Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("twilsock: %q is not an absolute http(s) URL", rawURL)
	}
	req := &twilsock.HTTPRequest{Host: u.Host, Path: u.EscapedPath(), Method: method, Headers: headers}
	if u.RawQuery != "" {
		req.Params = twilsock.Params{}
		for _, pair := range strings.Split(u.RawQuery, "&") {
			k, v, _ := strings.Cut(pair, "=")
			req.Params[k] = append(req.Params[k], v)
		}
	}
	payloadType := headers["Content-Type"]
	if payloadType == "" {
		payloadType = "application/json"
	}
	r, err := c.Send(ctx, &twilsock.Frame{
		Header:  twilsock.Header{Method: twilsock.MethodMessage, ActiveGrant: "ip_messaging", PayloadType: payloadType, HTTPRequest: req},
		Payload: body,
	})
	if err != nil {
		return nil, err
	}
	if r.HTTPStatus == nil {
		return nil, errors.New("twilsock: reply to a message without http_status")
	}
	return &Response{StatusCode: r.HTTPStatus.Code, Header: r.HTTPHeaders, Body: r.Payload, Reply: r}, nil
}

// Get tunnels a GET.
func (c *Client) Get(ctx context.Context, rawURL string) (*Response, error) {
	return c.Do(ctx, http.MethodGet, rawURL, nil, nil)
}

// Close sends close, as the SDK does on shutdown, and closes the socket.
func (c *Client) Close() error {
	c.Write(context.Background(), &twilsock.Frame{Header: twilsock.Header{Method: twilsock.MethodClose}})
	return c.ws.Close(websocket.StatusNormalClosure, "")
}

// CloseNow drops the socket without a word, as a lost network does.
func (c *Client) CloseNow() error { return c.ws.CloseNow() }

// readLoop routes replies to their senders and acknowledges and delivers
// everything else.
func (c *Client) readLoop() {
	defer close(c.events)
	defer close(c.done)
	for {
		typ, b, err := c.ws.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		if typ != websocket.MessageBinary {
			c.err = errors.New("twilsock: the server sent a text frame")
			c.ws.CloseNow()
			return
		}
		f, err := twilsock.Decode(b)
		if err != nil {
			c.err = err
			c.ws.CloseNow()
			return
		}
		if f.Method == twilsock.MethodReply {
			c.mu.Lock()
			ch := c.pending[f.ID]
			c.mu.Unlock()
			if ch != nil {
				ch <- f
			}
			continue
		}
		c.Write(context.Background(), &twilsock.Frame{Header: twilsock.Header{
			Method: twilsock.MethodReply, ID: f.ID, PayloadType: "application/json", Status: twilsock.NewStatus(http.StatusOK),
		}})
		c.events <- f
	}
}

// newID is a client frame id as the SDK makes them: TM and a random UUID.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return "TM" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
