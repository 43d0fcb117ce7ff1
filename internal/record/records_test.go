package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// TestRecordsDecodeUnknownFields checks the rule of records.go that lets a
// field be added: a record decodes the fields it knows and skips the
// others, and fields missing from the bytes decode as zero.
func TestRecordsDecodeUnknownFields(t *testing.T) {
	sid := "IM00000000000000000000000000000001"
	// {"1": "IM…", "99": [1, "x"], "3": "body"}: field 99 is unknown, and
	// From, Attributes and the dates are missing.
	v := []byte{0x83, 0xa1, '1', 0xd9, 34}
	v = append(v, sid...)
	v = append(v, 0xa2, '9', '9', 0x92, 0x01, 0xa1, 'x', 0xa1, '3', 0xa4, 'b', 'o', 'd', 'y')
	var rec messageRecord
	rec.From = "left over from an earlier decode"
	if err := decodeRecord(v, &rec); err != nil {
		t.Fatal(err)
	}
	if want := (messageRecord{Sid: sid, Body: "body"}); !reflect.DeepEqual(rec, want) {
		t.Errorf("decoded %+v, want %+v", rec, want)
	}
}

// TestDecodeMessageOverwrites checks that DecodeMessage leaves nothing of
// what m held before: a page of Messages reuses its structs.
func TestDecodeMessageOverwrites(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	want := &model.Message{Sid: "IM00000000000000000000000000000002", From: "alice", Body: "hi", Attributes: "{}",
		DateCreated: at, DateUpdated: at}
	v, err := EncodeMessage(&model.Message{Sid: want.Sid, ServiceSid: "IS1", ChannelSid: "CH1", Index: 7,
		From: "alice", Body: "hi", Attributes: "{}", DateCreated: at, DateUpdated: at})
	if err != nil {
		t.Fatal(err)
	}
	m := &model.Message{ServiceSid: "IS9", Index: 9, WasEdited: true, Media: &model.MessageMedia{Sid: "ME1"}}
	if err := DecodeMessage(v, m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("decoded %+v, want %+v", m, want)
	}
	if err := DecodeMessage(nil, m); err != model.ErrNotFound {
		t.Errorf("DecodeMessage(nil) = %v, want ErrNotFound", err)
	}
}
