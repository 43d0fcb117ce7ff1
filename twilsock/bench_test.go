package twilsock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chatd/chatd/twilsock"
)

// sdkMessage is a message frame as the SDK sends one: a message post.
var sdkMessage = frame(`{"id":"TM0b1c5c2e-8b3a-4bd5-9c55-1a3c1f1e2d3c","method":"message","active_grant":"ip_messaging",`+
	`"payload_type":"application/json","http_request":{"host":"aim.us1.twilio.com",`+
	`"path":"/Client/v1/Services/IS0123456789abcdef0123456789abcdef/Conversations/CH0123456789abcdef0123456789abcdef/Messages",`+
	`"method":"POST","params":{},"headers":{"Content-Type":"application/json","X-Twilio-Mutation-Id":"5c2e1f2a-8b3a-4bd5-9c55-1a3c1f1e2d3c"}},`+
	`"payload_size":40}`, `{"body":"hello there","attributes":"{}"}`)

func BenchmarkDecode(b *testing.B) {
	b.SetBytes(int64(len(sdkMessage)))
	for b.Loop() {
		if _, err := twilsock.Decode(sdkMessage); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	f := &twilsock.Frame{
		Header: twilsock.Header{
			Method: "reply", ID: "TM0b1c5c2e-8b3a-4bd5-9c55-1a3c1f1e2d3c", PayloadType: "application/json",
			Status: twilsock.NewStatus(200), HTTPStatus: &twilsock.HTTPStatus{Code: 201, Status: "Created"},
			HTTPHeaders: twilsock.Headers{"Content-Type": "application/json", "Twilio-Request-Id": "RQ0123456789abcdef0123456789abcdef"},
		},
		Payload: []byte(`{"sid":"IM0123456789abcdef0123456789abcdef","index":0,"body":"` + strings.Repeat("x", 900) + `"}`),
	}
	for b.Loop() {
		if _, err := twilsock.Encode(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTunnel is the round trip of one tunnelled request over a real
// socket: encode, send, decode, build the request, run a handler that
// writes a small JSON body, encode the reply, send, decode.
func BenchmarkTunnel(b *testing.B) {
	f := start(b, twilsock.Options{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"sid":"IM0123456789abcdef0123456789abcdef","index":0}`))
	})})
	c := f.dial(b, token(b, "alice"))
	headers := map[string]string{"Content-Type": "application/json"}
	body := []byte(`{"body":"hello there","attributes":"{}"}`)
	url := "https://aim.us1.twilio.com/Client/v1/Services/" + service + "/Conversations/CH0123456789abcdef0123456789abcdef/Messages"
	b.Run("Serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Do(ctx, http.MethodPost, url, headers, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Do(ctx, http.MethodPost, url, headers, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkNotify is one notification pushed to a connection and read by
// its client.
func BenchmarkNotify(b *testing.B) {
	f := start(b, twilsock.Options{})
	c := f.dial(b, token(b, "alice"))
	payload := map[string]any{"event_type": "list_item_added", "event": map[string]any{"id": 1, "item_index": 0, "item_data": map[string]string{"text": "hello"}}}
	for b.Loop() {
		if err := f.srv.Notify(service, "alice", "com.twilio.rtd.cds.list", payload); err != nil {
			b.Fatal(err)
		}
		<-c.Events()
	}
}
