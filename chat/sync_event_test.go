package chat

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// TestPayloadBytes checks that payload writes, byte for byte, what
// encoding/json writes for the event's fields (as marshal encodes them),
// for every kind of change of every kind of object.
func TestPayloadBytes(t *testing.T) {
	ch := model.PrefixChannel + "00000000000000000000000000000001"
	us := model.PrefixUser + "00000000000000000000000000000002"
	refs := []model.SyncRef{model.ChannelRef(ch), model.MessagesRef(ch), model.RosterRef(ch), model.UserInfoRef(us), model.UserChannelsRef(us)}
	keys := []string{"0", "17", "friendlyName", "MB00000000000000000000000000000003", "a \"quoted\" \\ key\n\u2028é"}
	data := []json.RawMessage{nil, json.RawMessage(`{"a":"<b> & \u2028","n":[1,2]}`)}
	date := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("x", 3600))
	for _, url := range []string{"", "https://chatd.example", "https://ex\u00e9mple/\"q\""} {
		c := &Chat{syncURL: url}
		for _, ref := range refs {
			for what := changedDocument; what <= removedItem; what++ {
				if (ref.Kind == model.SyncKindChannel) != (what <= removedObject) && what != removedObject {
					continue
				}
				for _, key := range keys {
					if ref.Type() == model.SyncList && what >= addedItem {
						if _, err := strconv.Atoi(key); err != nil {
							continue
						}
					}
					for _, d := range data {
						change := syncChange{service: "IS1", ref: ref, what: what, key: key, data: d}
						got, err := c.payload(change, change.ref.Sid(), 42, date)
						if err != nil {
							t.Fatal(err)
						}
						want := referencePayload(t, c, change, 42, date)
						if !bytes.Equal(got, want) {
							t.Errorf("payload(%+v) =\n%s\nwant\n%s", change, got, want)
						}
					}
				}
			}
		}
	}
}

// referencePayload is the payload as encoding/json writes the event's
// fields.
func referencePayload(t *testing.T, c *Chat, ch syncChange, id uint64, date time.Time) []byte {
	type documentEvent struct {
		ID          uint64          `json:"id"`
		DateCreated string          `json:"date_created"`
		DocumentSid string          `json:"document_sid"`
		Data        json.RawMessage `json:"document_data,omitempty"`
		Revision    string          `json:"document_revision,omitempty"`
	}
	type listEvent struct {
		ID           uint64          `json:"id"`
		DateCreated  string          `json:"date_created"`
		ListSid      string          `json:"list_sid"`
		ItemIndex    *int            `json:"item_index,omitempty"`
		ItemData     json.RawMessage `json:"item_data,omitempty"`
		ItemURL      string          `json:"item_url,omitempty"`
		ItemRevision string          `json:"item_revision,omitempty"`
		ListRevision string          `json:"list_revision"`
	}
	type mapEvent struct {
		ID           uint64          `json:"id"`
		DateCreated  string          `json:"date_created"`
		MapSid       string          `json:"map_sid"`
		ItemKey      *string         `json:"item_key,omitempty"`
		ItemData     json.RawMessage `json:"item_data,omitempty"`
		ItemURL      string          `json:"item_url,omitempty"`
		ItemRevision string          `json:"item_revision,omitempty"`
		MapRevision  string          `json:"map_revision"`
	}
	created, sid, rev := syncTime(date), ch.ref.Sid(), model.SyncRevision(id)
	isItem := ch.what >= addedItem
	var url, itemRv string
	if isItem && ch.what != removedItem {
		url, itemRv = c.syncURL+ch.ref.ItemPath(ch.key), rev
	}
	var event any
	switch ch.ref.Type() {
	case model.SyncDocument:
		e := documentEvent{ID: id, DateCreated: created, DocumentSid: sid}
		if ch.what == changedDocument {
			e.Data, e.Revision = ch.data, rev
		}
		event = e
	case model.SyncList:
		e := listEvent{ID: id, DateCreated: created, ListSid: sid, ItemData: ch.data, ItemURL: url, ItemRevision: itemRv, ListRevision: rev}
		if isItem {
			index, err := strconv.Atoi(ch.key)
			if err != nil {
				t.Fatal(err)
			}
			e.ItemIndex = &index
		}
		event = e
	default:
		e := mapEvent{ID: id, DateCreated: created, MapSid: sid, ItemData: ch.data, ItemURL: url, ItemRevision: itemRv, MapRevision: rev}
		if isItem {
			e.ItemKey = &ch.key
		}
		event = e
	}
	b, err := marshal(struct {
		EventType string `json:"event_type"`
		Event     any    `json:"event"`
	}{ch.eventType(), event})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
