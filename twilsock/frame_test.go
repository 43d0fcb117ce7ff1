package twilsock_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/chatd/chatd/twilsock"
)

// frame builds a frame the way the SDK's Parser.createPacket does: the
// magic, the header's byte length, CRLF, the header, CRLF, the payload.
func frame(header, payload string) []byte {
	return []byte("TWILSOCK V3.0 " + strconv.Itoa(len(header)) + "\r\n" + header + "\r\n" + payload)
}

func TestDecodeClientFrames(t *testing.T) {
	t.Run("Init", func(t *testing.T) {
		b := frame(`{"id":"TM0b1c5c2e-8b3a-4bd5-9c55-1a3c1f1e2d3c","method":"init","token":"eyJ.x.y",`+
			`"continuation_token":null,"metadata":{"ver":"0.12.2", "env":"Node.js","sdk":"JS","sdkv":"6.0.0"},`+
			`"registrations":[{"product":"ip_messaging","type":"ers","notification_protocol_version":0,`+
			`"message_types":["twilio.ipmsg.typing_indicator","twilio.sync.event"]}],"tweaks":null,`+
			`"capabilities":["client_update","offline_storage","telemetry.v1"],"payload_size":0}`, "")
		f := mustDecode(t, b)
		if f.Method != "init" || f.ID != "TM0b1c5c2e-8b3a-4bd5-9c55-1a3c1f1e2d3c" || f.Token != "eyJ.x.y" || f.ContinuationToken != "" {
			t.Errorf("init = %+v", f.Header)
		}
		if got := string(f.Metadata); got != `{"ver":"0.12.2","env":"Node.js","sdk":"JS","sdkv":"6.0.0"}` {
			t.Errorf("metadata = %s, want it compacted", got)
		}
		if string(f.Tweaks) != "null" || !strings.Contains(string(f.Registrations), `"ip_messaging"`) {
			t.Errorf("tweaks = %s, registrations = %s", f.Tweaks, f.Registrations)
		}
		if want := []string{"client_update", "offline_storage", "telemetry.v1"}; !reflect.DeepEqual(f.Capabilities, want) {
			t.Errorf("capabilities = %q, want %q", f.Capabilities, want)
		}
		if f.Payload != nil {
			t.Errorf("payload = %q, want none", f.Payload)
		}
	})
	t.Run("Message", func(t *testing.T) {
		body := `{"body":"héllo","attributes":"{}"}`
		b := frame(`{"id":"TM1","method":"message","active_grant":"ip_messaging","payload_type":"application/json",`+
			`"http_request":{"host":"aim.us1.twilio.com","path":"/Client/v1/Services/IS1/Conversations/CH1/Messages",`+
			`"method":"POST","params":{"PageSize":"50","Key":"a%2Fb","Index":["1","2"],"Flag":[null,"x"]},`+
			`"headers":{"Content-Type":"application/json","X-Twilio-Mutation-Id":"5c2e","Retries":3}},`+
			`"payload_size":`+strconv.Itoa(len(body))+`}`, body)
		f := mustDecode(t, b)
		r := f.HTTPRequest
		if f.Method != "message" || f.ActiveGrant != "ip_messaging" || r == nil || r.Method != "POST" || r.Host != "aim.us1.twilio.com" {
			t.Fatalf("message = %+v", f.Header)
		}
		wantParams := twilsock.Params{"PageSize": {"50"}, "Key": {"a%2Fb"}, "Index": {"1", "2"}, "Flag": {"", "x"}}
		if !reflect.DeepEqual(r.Params, wantParams) {
			t.Errorf("params = %q, want %q", r.Params, wantParams)
		}
		wantHeaders := twilsock.Headers{"Content-Type": "application/json", "X-Twilio-Mutation-Id": "5c2e", "Retries": "3"}
		if !reflect.DeepEqual(r.Headers, wantHeaders) {
			t.Errorf("headers = %q, want %q", r.Headers, wantHeaders)
		}
		if string(f.Payload) != body {
			t.Errorf("payload = %q, want %q", f.Payload, body)
		}
		q, err := r.Params.Values()
		if err != nil || q.Get("Key") != "a/b" || len(q["Index"]) != 2 {
			t.Errorf("Values = %v, %v", q, err)
		}
	})
	t.Run("Ack", func(t *testing.T) {
		f := mustDecode(t, frame(`{"id":"TS1","method":"reply","payload_type":"application/json","status":{"code":200,"status":"OK"},"payload_size":0}`, ""))
		if f.Method != "reply" || f.Status == nil || *f.Status != (twilsock.Status{Code: 200, Status: "OK"}) {
			t.Errorf("ack = %+v", f.Header)
		}
	})
	t.Run("TypingFormBody", func(t *testing.T) {
		body := "ChannelSid=CH0123"
		f := mustDecode(t, frame(`{"id":"TM2","method":"message","payload_type":"application/x-www-form-urlencoded",`+
			`"http_request":{"host":"aim.us1.twilio.com","path":"/Client/v1/Services/IS1/Typing","method":"POST","headers":{}},"payload_size":17}`, body))
		if f.PayloadType != "application/x-www-form-urlencoded" || string(f.Payload) != body || f.HTTPRequest.Headers == nil {
			t.Errorf("typing = %+v %q", f.Header, f.Payload)
		}
	})
}

func TestEncodeServerFrames(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   twilsock.Frame
		want string
	}{
		{"InitReply", twilsock.Frame{Header: twilsock.Header{
			Method: "reply", ID: "TM1", Status: twilsock.NewStatus(200),
			ContinuationToken: "abc.def", Capabilities: []string{"client_update"},
		}}, `{"method":"reply","id":"TM1","payload_size":0,"continuation_token":"abc.def","capabilities":["client_update"],"status":{"code":200,"status":"OK"}}`},
		{"Refused", twilsock.Frame{Header: twilsock.Header{
			Method: "reply", ID: "TM1",
			Status: &twilsock.Status{Code: 401, Status: "Unauthorized", Description: "Access Token expired or expiration date invalid", ErrorCode: 20104},
		}}, `{"method":"reply","id":"TM1","payload_size":0,"status":{"code":401,"status":"Unauthorized","description":"Access Token expired or expiration date invalid","errorCode":20104}}`},
		{"HTTPReply", twilsock.Frame{Header: twilsock.Header{
			Method: "reply", ID: "TM2", PayloadType: "application/json", Status: twilsock.NewStatus(200),
			HTTPStatus: &twilsock.HTTPStatus{Code: 201, Status: "Created"}, HTTPHeaders: twilsock.Headers{"Content-Type": "application/json"},
		}, Payload: []byte(`{"index":0}`)}, `{"method":"reply","id":"TM2","payload_size":11,"payload_type":"application/json","status":{"code":200,"status":"OK"},"http_status":{"code":201,"status":"Created"},"http_headers":{"Content-Type":"application/json"}}`},
		{"Notification", twilsock.Frame{Header: twilsock.Header{
			Method: "notification", ID: "TS1", PayloadType: "application/json", MessageType: "twilio.ipmsg.typing_indicator",
		}, Payload: []byte(`{"identity":"<alice>"}`)}, `{"method":"notification","id":"TS1","payload_size":22,"payload_type":"application/json","message_type":"twilio.ipmsg.typing_indicator"}`},
		{"ClientUpdate", twilsock.Frame{Header: twilsock.Header{
			Method: "client_update", ID: "TS2", ClientUpdateType: "token_about_to_expire",
		}}, `{"method":"client_update","id":"TS2","payload_size":0,"client_update_type":"token_about_to_expire"}`},
		{"Close", twilsock.Frame{Header: twilsock.Header{
			Method: "close", ID: "TS3", Status: &twilsock.Status{Code: 410, Status: "Gone"},
		}}, `{"method":"close","id":"TS3","payload_size":0,"status":{"code":410,"status":"Gone"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := twilsock.Encode(&tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if want := string(frame(tt.want, string(tt.in.Payload))); string(b) != want {
				t.Errorf("Encode =\n%q\nwant\n%q", b, want)
			}
			f := mustDecode(t, b)
			tt.in.PayloadSize = len(tt.in.Payload)
			if !reflect.DeepEqual(f, &tt.in) {
				t.Errorf("Decode(Encode) = %+v, want %+v", f, tt.in)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	ok := `{"method":"reply","id":"TM1","payload_size":2}`
	for _, tt := range []struct {
		name string
		in   string
	}{
		{"Empty", ""},
		{"OtherMagic", "TWILSOCKS V3.0 2\r\n{}\r\n"},
		{"OtherVersion", strings.Replace(string(frame(ok, "{}")), "V3.0", "V2.0", 1)},
		{"LowerCase", strings.Replace(string(frame(ok, "{}")), "TWILSOCK", "twilsock", 1)},
		{"NoCRLF", "TWILSOCK V3.0 2"},
		{"LFOnly", "TWILSOCK V3.0 2\n{}\r\n"},
		{"NoLength", "TWILSOCK V3.0 \r\n{}\r\n"},
		{"SignedLength", "TWILSOCK V3.0 +2\r\n{}\r\n"},
		{"LeadingZero", "TWILSOCK V3.0 02\r\n{}\r\n"},
		{"HexLength", "TWILSOCK V3.0 0x2\r\n{}\r\n"},
		{"LengthTooLarge", "TWILSOCK V3.0 9999999\r\n{}\r\n"},
		{"HeaderOverLimit", "TWILSOCK V3.0 65537\r\n" + strings.Repeat(" ", 65537) + "\r\n"},
		{"ShortHeader", "TWILSOCK V3.0 60\r\n" + ok + "\r\n{}"},
		{"NoCRLFAfterHeader", "TWILSOCK V3.0 " + strconv.Itoa(len(ok)) + "\r\n" + ok + "{}"},
		{"PayloadLonger", string(frame(ok, "{}x"))},
		{"PayloadShorter", string(frame(ok, "{"))},
		{"NegativeSize", string(frame(`{"method":"reply","id":"TM1","payload_size":-1}`, ""))},
		{"FractionalSize", string(frame(`{"method":"reply","id":"TM1","payload_size":0.5}`, ""))},
		{"NotJSON", string(frame(`{method:reply}`, ""))},
		{"NotObject", string(frame(`["reply"]`, ""))},
		{"Null", string(frame(`null`, ""))},
		{"TrailingData", string(frame(`{"method":"reply","id":"TM1"} x`, ""))},
		{"NoMethod", string(frame(`{"id":"TM1"}`, ""))},
		{"NoID", string(frame(`{"method":"reply"}`, ""))},
		{"StatusNotObject", string(frame(`{"method":"reply","id":"TM1","status":200}`, ""))},
		{"ParamObject", string(frame(`{"method":"message","id":"TM1","http_request":{"params":{"a":{}}}}`, ""))},
		{"ParamNumbers", string(frame(`{"method":"message","id":"TM1","http_request":{"params":{"a":[1]}}}`, ""))},
		{"HeaderArray", string(frame(`{"method":"message","id":"TM1","http_request":{"headers":{"a":["x"]}}}`, ""))},
		{"BadRawField", string(frame(`{"method":"init","id":"TM1","metadata":}`, ""))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if f, err := twilsock.Decode([]byte(tt.in)); err == nil {
				t.Errorf("Decode(%q) = %+v, want an error", tt.in, f)
			}
		})
	}
	t.Run("FrameOverLimit", func(t *testing.T) {
		big := frame(`{"method":"reply","id":"TM1","payload_size":`+strconv.Itoa(twilsock.MaxFrameSize)+`}`, strings.Repeat("x", twilsock.MaxFrameSize))
		if _, err := twilsock.Decode(big); !errors.Is(err, twilsock.ErrFrameTooLarge) {
			t.Errorf("Decode(%d bytes) = %v, want ErrFrameTooLarge", len(big), err)
		}
	})
}

func TestEncodeRefusesLargeFrames(t *testing.T) {
	if _, err := twilsock.Encode(&twilsock.Frame{Header: twilsock.Header{Method: "reply", ID: "TM1"}, Payload: make([]byte, twilsock.MaxFrameSize)}); !errors.Is(err, twilsock.ErrFrameTooLarge) {
		t.Errorf("Encode(4 MiB payload) = %v, want ErrFrameTooLarge", err)
	}
	if _, err := twilsock.Encode(&twilsock.Frame{Header: twilsock.Header{Method: "init", ID: "TM1", Token: strings.Repeat("x", twilsock.MaxHeaderSize)}}); !errors.Is(err, twilsock.ErrFrameTooLarge) {
		t.Errorf("Encode(64 KiB token) = %v, want ErrFrameTooLarge", err)
	}
	if _, err := twilsock.Encode(&twilsock.Frame{Header: twilsock.Header{Method: "init", ID: "TM1", Metadata: json.RawMessage("{")}}); err == nil {
		t.Error("Encode(invalid metadata) succeeded")
	}
}

func TestParamsValues(t *testing.T) {
	q, err := twilsock.Params{"Key": {"a%2Fb"}, "Plus": {"a+b"}, "Space": {"a%20b"}, "Index": {"2", "1"}, "k%3D": {""}}.Values()
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("Key") != "a/b" || q.Get("Plus") != "a b" || q.Get("Space") != "a b" || !reflect.DeepEqual(q["Index"], []string{"2", "1"}) || !q.Has("k=") {
		t.Errorf("Values = %q", q)
	}
	var pe *twilsock.ParamError
	if _, err := (twilsock.Params{"Key": {"%zz"}}).Values(); !errors.As(err, &pe) || pe.Name != "Key" || pe.Value != "%zz" {
		t.Errorf("Values(%%zz) = %v, want a ParamError for Key", err)
	}
}

func mustDecode(t *testing.T, b []byte) *twilsock.Frame {
	t.Helper()
	f, err := twilsock.Decode(b)
	if err != nil {
		t.Fatalf("Decode(%q): %v", b, err)
	}
	return f
}
