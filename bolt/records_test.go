package bolt

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

var update = flag.Bool("update", false, "rewrite testdata/records.golden with the current encoding")

// goldenFile pins the encoding of one record of every kind: a hex dump of
// each under a "# name" line.
var goldenFile = filepath.Join("testdata", "records.golden")

// golden is one pinned record: the model value and how it is encoded and
// decoded.
type golden struct {
	name   string
	want   any
	encode func() ([]byte, error)
	decode func([]byte) (any, error)
}

func goldenOf[M any](name string, c codec[M], m *M) golden {
	return golden{
		name:   name,
		want:   m,
		encode: func() ([]byte, error) { return c.encode(m) },
		decode: func(v []byte) (any, error) { return c.decode(v) },
	}
}

func goldenMessage(name string, m *model.Message) golden {
	return golden{
		name:   name,
		want:   m,
		encode: func() ([]byte, error) { return record.EncodeMessage(m) },
		decode: func(v []byte) (any, error) {
			got := &model.Message{}
			if err := decodeMessage(v, got, m.ServiceSid, m.ChannelSid, uint64(m.Index)); err != nil {
				return nil, err
			}
			return got, nil
		},
	}
}

// goldenRecords are the fixture's records with the most fields set, and
// the ones whose lists are empty rather than nil.
func goldenRecords() []golden {
	f := newFixture()
	link := f.links[sid("US", 2)][1]
	at := func(seconds int) time.Time { return fixtureDate.Add(time.Duration(seconds) * time.Second) }
	return []golden{
		goldenOf("service", serviceCodec, f.services[0]),
		goldenOf("service with empty lists", serviceCodec, f.services[1]),
		goldenOf("role", roleCodec, f.roles[0]),
		goldenOf("user", userCodec, f.users[0]),
		goldenOf("user online", userCodec, online(f.users[0], true)),
		goldenOf("user offline", userCodec, online(f.users[1], false)),
		goldenOf("user channel", userChannelCodec, &link),
		goldenOf("channel", channelCodec, f.channels[0]),
		goldenOf("member", memberCodec, f.members[0]),
		goldenMessage("message", f.messages[0]),
		goldenMessage("edited message", f.messages[1]),
		goldenMessage("media message", f.messages[3]),
		goldenOf("invite", inviteCodec, f.invites[0]),
		goldenOf("credential", credentialCodec, f.credentials[0]),
		goldenOf("binding", bindingCodec, f.bindings[0]),
		goldenOf("binding with empty list", bindingCodec, f.bindings[1]),
		goldenOf("channel webhook", channelWebhookCodec, f.webhooks[0]),
		goldenOf("media", mediaCodec, f.media[0]),
		goldenOf("delivery", deliveryCodec, f.deliveries[0]),
		goldenOf("delivery with empty params", deliveryCodec, f.deliveries[2]),
		goldenOf("delivery without params", deliveryCodec, f.deliveries[3]),
		goldenOf("pre-event delivery", deliveryCodec, &model.Delivery{ID: 9, ServiceSid: sid("IS", 1), ChannelSid: sid("CH", 1),
			Event: "onMessageSend", URL: "https://example.com/pre", Method: "POST", Params: map[string][]string{"Body": {"hi"}},
			Status: model.DeliveryFailed, Attempts: 1, Error: "timed out", ErrorCode: 50076, Duration: 5 * time.Second,
			DateCreated: at(50), DateUpdated: at(55), NextAttempt: at(55)}),
		goldenOf("delivery with attempts", deliveryCodec, &model.Delivery{ID: 10, ServiceSid: sid("IS", 1), ChannelSid: sid("CH", 1),
			Event: "onMessageSent", URL: "https://example.com/post", Method: "POST", Params: map[string][]string{"Body": {"hi"}},
			MaxRetries: 1, Status: model.DeliveryDelivered, Attempts: 2, ResponseCode: 200, Duration: 30 * time.Millisecond,
			DateCreated: at(60), DateUpdated: at(61), NextAttempt: at(62),
			Log: []model.DeliveryAttempt{
				{Start: at(60), Duration: 2 * time.Second, Error: "timed out after 2s", Signature: "c2lnbmF0dXJlMQ=="},
				{Start: at(61), Duration: 30 * time.Millisecond, Status: 200, Signature: "c2lnbmF0dXJlMg==", Response: []byte{}},
			}}),
		goldenOf("api key", apiKeyCodec, &model.APIKey{Sid: sid("SK", 1), FriendlyName: ptr("ci"),
			SealedSecret: []byte{1, 2, 3, 4}, DateCreated: at(60), DateUpdated: at(60)}),
	}
}

// online is a copy of u whose reachability says online, as a Service with
// reachability enabled records it.
func online(u *model.User, online bool) *model.User {
	c := *u
	c.Online = &online
	return &c
}

// TestGolden checks that every kind of record encodes to the bytes pinned
// in testdata/records.golden, and that those bytes decode to the record:
// a change of the encoding must be deliberate (a new schema version, or a
// new field under the rules of records.go) and shows in the golden file.
func TestGolden(t *testing.T) {
	records := goldenRecords()
	if *update {
		var out bytes.Buffer
		for _, g := range records {
			v, err := g.encode()
			if err != nil {
				t.Fatalf("%s: %v", g.name, err)
			}
			fmt.Fprintf(&out, "# %s\n%s\n", g.name, hex.Dump(v))
		}
		if err := os.WriteFile(goldenFile, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pinned := readGolden(t)
	if len(pinned) != len(records) {
		t.Errorf("%s has %d records, want %d (run with -update after adding one)", goldenFile, len(pinned), len(records))
	}
	for _, g := range records {
		want, ok := pinned[g.name]
		if !ok {
			t.Errorf("%s: not in %s", g.name, goldenFile)
			continue
		}
		got, err := g.encode()
		if err != nil {
			t.Errorf("%s: encode: %v", g.name, err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s encodes to\n%s\nwant\n%s", g.name, hex.Dump(got), hex.Dump(want))
		}
		m, err := g.decode(want)
		if err != nil {
			t.Errorf("%s: decode: %v", g.name, err)
		} else if !reflect.DeepEqual(m, g.want) {
			t.Errorf("%s decodes to\n%s\nwant\n%s", g.name, show(m), show(g.want))
		}
	}
}

// readGolden parses the golden file: hex dumps by name.
func readGolden(t *testing.T) map[string][]byte {
	t.Helper()
	text, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var name string
	for _, line := range strings.Split(string(text), "\n") {
		if n, ok := strings.CutPrefix(line, "# "); ok {
			name = n
			out[name] = nil
			continue
		}
		// A hex.Dump line: offset, the bytes in hex, then |text|.
		hexPart, _, _ := strings.Cut(line, " |")
		fields := strings.Fields(hexPart)
		if len(fields) < 2 {
			continue
		}
		b, err := hex.DecodeString(strings.Join(fields[1:], ""))
		if err != nil {
			t.Fatalf("%s: %q: %v", goldenFile, line, err)
		}
		out[name] = append(out[name], b...)
	}
	return out
}
