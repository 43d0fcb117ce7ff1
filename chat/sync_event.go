package chat

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/chatd/chatd/model"
)

// The events of the Sync objects, as a client is sent them: the payload of a
// notification, {"event_type": …, "event": {…}}, with the event's ID and
// date, the object's SID under its type's name and, for an item, its key
// (map) or index (list), its data and URL. Revisions are event IDs (see
// model.SyncRevision).

// changeKind is what happened to an object or one of its items.
type changeKind uint8

const (
	changedDocument changeKind = iota
	removedObject
	addedItem
	updatedItem
	removedItem
)

// syncChange is one change of an object: the event that tells of it, but
// for its ID.
type syncChange struct {
	service string
	ref     model.SyncRef
	what    changeKind
	key     string          // the item's key (a list's index in decimal)
	data    json.RawMessage // the document's or item's data; a removed item's data before
}

// eventType is the Sync event type of ch: "document_updated",
// "list_removed", "map_item_added" and so on.
func (ch syncChange) eventType() string {
	typ := ch.ref.Type()
	switch ch.what {
	case changedDocument:
		return typ + "_updated"
	case removedObject:
		return typ + "_removed"
	case addedItem:
		return typ + "_item_added"
	case updatedItem:
		return typ + "_item_updated"
	default:
		return typ + "_item_removed"
	}
}

type syncPayloadJSON struct {
	EventType string `json:"event_type"`
	Event     any    `json:"event"`
}

type documentEventJSON struct {
	ID          uint64          `json:"id"`
	DateCreated string          `json:"date_created"`
	DocumentSid string          `json:"document_sid"`
	Data        json.RawMessage `json:"document_data,omitempty"`
	Revision    string          `json:"document_revision,omitempty"`
}

type listEventJSON struct {
	ID           uint64          `json:"id"`
	DateCreated  string          `json:"date_created"`
	ListSid      string          `json:"list_sid"`
	ItemIndex    *int            `json:"item_index,omitempty"`
	ItemData     json.RawMessage `json:"item_data,omitempty"`
	ItemURL      string          `json:"item_url,omitempty"`
	ItemRevision string          `json:"item_revision,omitempty"`
	ListRevision string          `json:"list_revision"`
}

type mapEventJSON struct {
	ID           uint64          `json:"id"`
	DateCreated  string          `json:"date_created"`
	MapSid       string          `json:"map_sid"`
	ItemKey      *string         `json:"item_key,omitempty"`
	ItemData     json.RawMessage `json:"item_data,omitempty"`
	ItemURL      string          `json:"item_url,omitempty"`
	ItemRevision string          `json:"item_revision,omitempty"`
	MapRevision  string          `json:"map_revision"`
}

// payload is the notification payload of ch as the event id, made at date.
func (c *Chat) payload(ch syncChange, id uint64, date time.Time) ([]byte, error) {
	var (
		created     = syncTime(date)
		sid         = ch.ref.Sid()
		rev         = model.SyncRevision(id)
		isItem      = ch.what >= addedItem
		url, itemRv string
	)
	if isItem && ch.what != removedItem {
		url, itemRv = c.syncURL+ch.ref.ItemPath(ch.key), rev
	}
	var event any
	switch ch.ref.Type() {
	case model.SyncDocument:
		e := documentEventJSON{ID: id, DateCreated: created, DocumentSid: sid}
		if ch.what == changedDocument {
			e.Data, e.Revision = ch.data, rev
		}
		event = e
	case model.SyncList:
		e := listEventJSON{ID: id, DateCreated: created, ListSid: sid, ItemData: ch.data, ItemURL: url, ItemRevision: itemRv, ListRevision: rev}
		if isItem {
			index, err := strconv.Atoi(ch.key)
			if err != nil {
				return nil, err
			}
			e.ItemIndex = &index
		}
		event = e
	default:
		e := mapEventJSON{ID: id, DateCreated: created, MapSid: sid, ItemData: ch.data, ItemURL: url, ItemRevision: itemRv, MapRevision: rev}
		if isItem {
			e.ItemKey = &ch.key
		}
		event = e
	}
	return marshal(syncPayloadJSON{EventType: ch.eventType(), Event: event})
}
