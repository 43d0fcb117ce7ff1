package chat

import (
	"strconv"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// The data of a Channel's document and of a Message's item as encoding/json
// writes these structs: what chatd always sent, and what channelDocOf and
// messageItem must write byte for byte.

type channelDocJSON struct {
	FriendlyName *string          `json:"friendlyName"`
	UniqueName   *string          `json:"uniqueName"`
	Attributes   string           `json:"attributes"`
	CreatedBy    string           `json:"createdBy"`
	DateCreated  string           `json:"dateCreated"`
	DateUpdated  string           `json:"dateUpdated"`
	Type         string           `json:"type"`
	LastMessage  *lastMessageJSON `json:"lastMessage,omitempty"`
	Messages     string           `json:"messages"`
	Roster       string           `json:"roster"`
}

type lastMessageJSON struct {
	Index     int    `json:"index"`
	Timestamp string `json:"timestamp"`
}

type messageItemJSON struct {
	Sid           string          `json:"sid"`
	Author        string          `json:"author"`
	Text          string          `json:"text"`
	Attributes    string          `json:"attributes"`
	Type          string          `json:"type"`
	Media         *messageMedJSON `json:"media,omitempty"`
	Timestamp     string          `json:"timestamp"`
	DateUpdated   string          `json:"dateUpdated"`
	LastUpdatedBy *string         `json:"lastUpdatedBy"`
	MemberSid     *string         `json:"memberSid"`
}

type messageMedJSON struct {
	Sid         string  `json:"sid"`
	Filename    *string `json:"filename"`
	ContentType string  `json:"contentType"`
	Size        int64   `json:"size"`
}

// syncStrings are strings that encoding/json escapes in every way it can.
var syncStrings = []string{
	"",
	"plain",
	`{"color":"blue","n":[1,2]}`,
	"<b>&amp;</b> \"quoted\" back\\slash",
	"line\nbreak\ttab\r\x00\x1f\x7f",
	"é 世界 😀 \u2028\u2029",
	"\xff\xc3( invalid \xe2\x80",
}

// syncDates are dates in every zone and range that syncDate formats.
var syncDates = []time.Time{
	{},
	time.Date(2024, 3, 5, 7, 8, 9, 123456789, time.UTC),
	time.Date(2024, 12, 31, 20, 30, 0, 999999999, time.FixedZone("", -(9*3600+30*60))),
	time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(-1, 6, 15, 12, 0, 0, 0, time.UTC),
}

func TestChannelDocBytes(t *testing.T) {
	n := 0
	for i, s := range syncStrings {
		for j, at := range syncDates {
			n++
			ch := &model.Channel{
				Sid: "CH" + s, ServiceSid: "IS1", Attributes: s, CreatedBy: syncStrings[(i+1)%len(syncStrings)],
				Type: "public", DateCreated: at, DateUpdated: syncDates[(j+1)%len(syncDates)],
			}
			if n%2 == 0 {
				ch.FriendlyName, ch.Type = &syncStrings[(i+2)%len(syncStrings)], "private"
			}
			if n%3 == 0 {
				ch.UniqueName = &s
			}
			var last *model.Message
			want := channelDocJSON{
				FriendlyName: ch.FriendlyName, UniqueName: ch.UniqueName, Attributes: ch.Attributes,
				CreatedBy: ch.CreatedBy, DateCreated: syncTime(ch.DateCreated), DateUpdated: syncTime(ch.DateUpdated),
				Type: ch.Type, Messages: model.SyncMessages(ch.Sid), Roster: model.SyncRoster(ch.Sid),
			}
			if n%4 != 0 {
				last = &model.Message{Index: n * 1000, DateCreated: at}
				want.LastMessage = &lastMessageJSON{Index: last.Index, Timestamp: syncTime(at)}
			}
			wantJSON, err := marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if got := channelDocOf(ch, last); string(got) != string(wantJSON) {
				t.Errorf("channelDocOf:\n got  %s\n want %s", got, wantJSON)
			}
		}
	}
}

func TestMessageItemBytes(t *testing.T) {
	n := 0
	for i, s := range syncStrings {
		for j, at := range syncDates {
			n++
			m := &model.Message{
				Sid: "IM" + s, Index: n, From: s, Body: syncStrings[(i+1)%len(syncStrings)],
				Attributes: syncStrings[(i+2)%len(syncStrings)], DateCreated: at, DateUpdated: syncDates[(j+1)%len(syncDates)],
			}
			member := ""
			want := messageItemJSON{
				Sid: m.Sid, Author: m.From, Text: m.Body, Attributes: m.Attributes, Type: "text",
				Timestamp: syncTime(m.DateCreated), DateUpdated: syncTime(m.DateUpdated),
			}
			if n%2 == 0 {
				m.LastUpdatedBy = &syncStrings[(i+3)%len(syncStrings)]
				want.LastUpdatedBy = m.LastUpdatedBy
			}
			if n%3 != 0 {
				member = "MB" + s
				want.MemberSid = &member
			}
			if n%4 == 0 {
				m.Media = &model.MessageMedia{Sid: "ME" + s, ContentType: s, Size: int64(n) << 30}
				if n%8 == 0 {
					m.Media.Filename = &syncStrings[(i+4)%len(syncStrings)]
				}
				want.Type = "media"
				want.Media = &messageMedJSON{Sid: m.Media.Sid, Filename: m.Media.Filename, ContentType: m.Media.ContentType, Size: m.Media.Size}
			}
			wantJSON, err := marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			it := messageItem(m, member)
			if string(it.Data) != string(wantJSON) {
				t.Errorf("messageItem:\n got  %s\n want %s", it.Data, wantJSON)
			}
			if it.Key != strconv.Itoa(n) || it.Index != n || !it.DateUpdated.Equal(m.DateUpdated) {
				t.Errorf("messageItem: key %q, index %d, updated %v", it.Key, it.Index, it.DateUpdated)
			}
		}
	}
}
