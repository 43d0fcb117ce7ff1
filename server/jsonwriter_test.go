package server

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/jsonenc"
	"github.com/chatd/chatd/model"
)

// marshal is what encoding/json writes for v with HTML escaping off.
func marshal(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

var escapeSeeds = []string{
	"",
	"plain ascii",
	`quote " backslash \ slash /`,
	"<script>alert('&')</script>",
	"\b\f\n\r\t\x00\x01\x1f\x7f",
	"é 世界 😀",
	"\u2028\u2029 line and paragraph separators",
	"\xff \xc3 \xc3( \xe2\x80 \xed\xa0\x80 \xf4\x90\x80\x80 invalid UTF-8",
	"\xe2\x80\xa8", // U+2028 spelled as bytes
	"ends in a cut sequence \xe4\xb8",
}

// TestConcatEscapesAsOne checks that the parts of a URL escape as their
// concatenation does when every boundary has an ASCII byte on one side.
func TestConcatEscapesAsOne(t *testing.T) {
	for _, host := range escapeSeeds {
		for _, sid := range escapeSeeds {
			w := jsonWriter{}
			w.concat("", host, "/Channels/", sid, "/Messages")
			got := string(w.document())
			if want := marshal(t, host+"/Channels/"+sid+"/Messages") + "\n"; got != want {
				t.Errorf("concat(%q, %q) = %s, want %s", host, sid, got, want)
			}
		}
	}
}

func TestAppendTime(t *testing.T) {
	zone := time.FixedZone("", -(9*3600 + 30*60))
	for _, tm := range []time.Time{
		{},
		time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC),
		time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 12, 31, 20, 30, 0, 0, zone), // the next day in UTC
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 15, 12, 0, 0, 0, time.UTC),
		time.Unix(1<<40, 0),
	} {
		got := string(appendTime(nil, tm))
		if want := marshal(t, tm.UTC().Format(dateLayout)); got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1, 1.5, 0.1, 2000, 1e-6, 9.99e-7, 1e-7, 1.234e-10,
		1e20, 1e21, 123456789012345678901234.0, -1e300, math.SmallestNonzeroFloat64, math.MaxFloat64,
		float64(1500*time.Microsecond) / float64(time.Millisecond), 1e-100,
	} {
		got := string(appendFloat(nil, f))
		if want := marshal(t, f); got != want {
			t.Errorf("appendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

// TestJSONWriter writes every kind of member, nested and empty objects and
// arrays, and compares with encoding/json's encoding of the same struct.
func TestJSONWriter(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type doc struct {
		Str      string         `json:"str"`
		OptNil   *string        `json:"opt_nil"`
		OptSet   *string        `json:"opt_set"`
		Concat   string         `json:"concat"`
		NilList  []string       `json:"nil_list"`
		Empty    []string       `json:"empty_list"`
		List     []string       `json:"list"`
		Int      int            `json:"int"`
		Neg      int64          `json:"neg"`
		Big      uint64         `json:"big"`
		OptInt   *int           `json:"opt_int"`
		Float    float64        `json:"float"`
		True     bool           `json:"true"`
		Date     string         `json:"date"`
		NoDate   *string        `json:"no_date"`
		EmptyObj struct{}       `json:"empty_obj"`
		Nested   inner          `json:"nested"`
		Objects  []inner        `json:"objects"`
		NoObjs   []inner        `json:"no_objects"`
		Map      map[string]int `json:"map"`
	}
	set, seven, when := "<set>", 7, time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)
	want := marshal(t, doc{
		Str: "a\"b", OptSet: &set, Concat: "x/é/y", NilList: nil, Empty: []string{}, List: []string{"1", "\u2028"},
		Int: 42, Neg: -5, Big: math.MaxUint64, OptInt: &seven, Float: 0.25, True: true, Date: when.Format(dateLayout),
		Nested: inner{"n"}, Objects: []inner{{"1"}, {"2"}}, NoObjs: []inner{}, Map: map[string]int{"k": 1},
	}) + "\n"

	var w jsonWriter
	w.open("")
	w.str("str", "a\"b")
	w.optStr("opt_nil", nil)
	w.optStr("opt_set", &set)
	w.concat("concat", "x", "/é/", "y")
	w.strs("nil_list", nil)
	w.strs("empty_list", []string{})
	w.strs("list", []string{"1", "\u2028"})
	w.int("int", 42)
	w.int64("neg", -5)
	w.uint64("big", math.MaxUint64)
	w.optInt("opt_int", &seven)
	w.float("float", 0.25)
	w.bool("true", true)
	w.date("date", when)
	w.optDate("no_date", nil)
	w.open("empty_obj")
	w.close()
	w.open("nested")
	w.str("a", "n")
	w.close()
	w.openArray("objects")
	for _, a := range []string{"1", "2"} {
		w.open("")
		w.str("a", a)
		w.close()
	}
	w.closeArray()
	w.openArray("no_objects")
	w.closeArray()
	w.open("map")
	w.int("k", 1)
	w.close()
	w.close()
	if got := string(w.document()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestDateRepeats writes runs of equal and different dates, so that the
// copy of the last date is used and invalidated.
func TestDateRepeats(t *testing.T) {
	t0 := time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)
	t0later := t0.Add(999 * time.Millisecond).In(time.FixedZone("", 3600)) // the same second
	t1 := t0.Add(time.Second)
	far := time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC)
	dates := []time.Time{t0, t0, t0later, t1, t0, far, far, t1, t1, {}}
	var w jsonWriter
	w.openArray("")
	var want []string
	for _, d := range dates {
		w.date("", d)
		want = append(want, d.UTC().Format(dateLayout))
	}
	w.closeArray()
	if got, want := string(w.document()), marshal(t, want)+"\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestMessagesOfSeveralChannels renders messages of different Channels
// into one body: what each repeats of its Channel must follow it.
func TestMessagesOfSeveralChannels(t *testing.T) {
	b := &body{account: jsonenc.AppendString(nil, "AC1"), version: v2, base: "http://h", root: "http://h/v2"}
	type sids struct{ service, channel string }
	list := []sids{{"IS1", "CH1"}, {"IS1", "CH1"}, {"IS1", "CH2"}, {"IS2", "CH2"}, {"IS1", "CH1"}}
	b.openArray("")
	for i, s := range list {
		b.message(&model.Message{Sid: "IM" + strconv.Itoa(i), ServiceSid: s.service, ChannelSid: s.channel, Attributes: "{}"}, true)
	}
	b.closeArray()
	var got []struct {
		Sid        string `json:"sid"`
		ServiceSid string `json:"service_sid"`
		ChannelSid string `json:"channel_sid"`
		To         string `json:"to"`
		URL        string `json:"url"`
	}
	if err := json.Unmarshal(b.document(), &got); err != nil {
		t.Fatal(err)
	}
	for i, s := range list {
		m := got[i]
		url := "http://h/v2/Services/" + s.service + "/Channels/" + s.channel + "/Messages/IM" + strconv.Itoa(i)
		if m.ServiceSid != s.service || m.ChannelSid != s.channel || m.To != s.channel || m.URL != url {
			t.Errorf("message %d = %+v, want service %s, channel %s, url %s", i, m, s.service, s.channel, url)
		}
	}
}
