package record

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// TestDecodeMessageInAgrees checks that DecodeMessageIn reads every record
// as DecodeMessage (the generated codec) does: with each field set, with
// none, with a long body, with fields it does not know, and over a struct
// that held another Message.
func TestDecodeMessageInAgrees(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123, time.UTC)
	by, name := "bob", "cat.png"
	full := &messageRecord{
		Sid: "IM00000000000000000000000000000003", From: "alice", Body: "héllo \"there\"\n",
		Attributes: `{"a":1}`, LastUpdatedBy: &by, WasEdited: true,
		Media:       &messageMediaRecord{Sid: "ME1", Size: 42, ContentType: "image/png", Filename: &name},
		DateCreated: at, DateUpdated: at.Add(time.Hour),
	}
	// A record with every field set: a field added to messageRecord and
	// not to DecodeMessageIn fails here until it is set above.
	rv := reflect.ValueOf(*full)
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Fatalf("the full record leaves %s unset", rv.Type().Field(i).Name)
		}
	}
	unknown := []byte{0x83, 0xa1, '1', 0xa3, 'I', 'M', '1', 0xa2, '9', '9', 0x92, 0x01, 0xa1, 'x', 0xa1, '3', 0xa4, 'b', 'o', 'd', 'y'}
	cases := map[string][]byte{"unknown fields": unknown}
	for name, rec := range map[string]*messageRecord{
		"full":      full,
		"empty":     {},
		"long body": {Sid: "IM2", From: "carol", Body: strings.Repeat("x", 70_000), DateCreated: at},
		"no media":  {Sid: "IM3", LastUpdatedBy: &by, DateUpdated: at},
	} {
		v, err := rec.MarshalMsg(nil)
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = v
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			var want model.Message
			if err := DecodeMessage(v, &want); err != nil {
				t.Fatal(err)
			}
			got := model.Message{Sid: "IM9", Index: 9, WasEdited: true, Media: &model.MessageMedia{Sid: "ME9"}}
			if err := DecodeMessageIn(v, string(v), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("DecodeMessageIn = %+v\nDecodeMessage   = %+v", got, want)
			}
		})
	}
}

// TestDecodeMessageInErrors checks that a truncated record, a missing one
// and shared bytes of the wrong length are errors, not panics.
func TestDecodeMessageInErrors(t *testing.T) {
	v, err := (&messageRecord{Sid: "IM1", Body: "body"}).MarshalMsg(nil)
	if err != nil {
		t.Fatal(err)
	}
	var m model.Message
	for n := range len(v) {
		if err := DecodeMessageIn(v[:n], string(v[:n]), &m); err == nil {
			t.Errorf("%d of %d bytes decoded without error", n, len(v))
		}
	}
	if err := DecodeMessageIn(v, string(v[1:]), &m); err == nil {
		t.Error("shared bytes of another length decoded without error")
	}
	if err := DecodeMessageIn(nil, "", &m); err != model.ErrNotFound {
		t.Errorf("DecodeMessageIn(nil) = %v, want ErrNotFound", err)
	}
}
