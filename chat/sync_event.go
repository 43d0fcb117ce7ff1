package chat

import (
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"github.com/chatd/chatd/internal/jsonenc"
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
func (ch syncChange) eventType() string { return ch.ref.Type() + ch.eventOfType() }

// eventOfType is what eventType adds to the object's type.
func (ch syncChange) eventOfType() string {
	switch ch.what {
	case changedDocument:
		return "_updated"
	case removedObject:
		return "_removed"
	case addedItem:
		return "_item_added"
	case updatedItem:
		return "_item_updated"
	default:
		return "_item_removed"
	}
}

// payload is the notification payload of ch as the event id, made at date,
// written member by member in the order and with the omissions that
// encoding/json gives the event's fields (the sync tests pin the bytes).
// sid is the object's SID (ch.ref.Sid()). ch.data is compact JSON
// (sync_data.go writes no spaces), so it is copied as it is.
func (c *Chat) payload(ch syncChange, sid string, id uint64, date time.Time) ([]byte, error) {
	var (
		typ    = ch.ref.Type()
		rev    = model.SyncRevision(id)
		isItem = ch.what >= addedItem
		// Room for the longest event with its item URL, so that the
		// payload is made in one allocation.
		b = make([]byte, 0, payloadRoom+len(ch.data)+len(c.syncURL)+2*len(sid)+len(ch.key))
	)
	// The event type, the SID and the item URL are escaped piece by piece:
	// each piece they join meets the next at an ASCII byte ("_", "/"), so
	// that is escaping the whole.
	b = append(b, `{"event_type":"`...)
	b = append(b, typ...)
	b = append(b, ch.eventOfType()...)
	b = append(b, `","event":{"id":`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `,"date_created":"`...)
	b = date.UTC().AppendFormat(b, syncDate)
	b = append(b, `","`...)
	b = append(b, typ...)
	b = append(b, `_sid":`...)
	b = jsonenc.AppendString(b, sid)
	if typ == model.SyncDocument {
		if ch.what == changedDocument {
			b = appendRaw(b, `,"document_data":`, ch.data)
			b = append(b, `,"document_revision":`...)
			b = jsonenc.AppendString(b, rev)
		}
		return append(b, "}}"...), nil
	}
	if isItem {
		if typ == model.SyncList {
			index, err := strconv.Atoi(ch.key)
			if err != nil {
				return nil, err
			}
			b = append(b, `,"item_index":`...)
			b = strconv.AppendInt(b, int64(index), 10)
		} else {
			b = append(b, `,"item_key":`...)
			b = jsonenc.AppendString(b, ch.key)
		}
	}
	b = appendRaw(b, `,"item_data":`, ch.data)
	if isItem && ch.what != removedItem {
		b = append(b, `,"item_url":"`...)
		b = jsonenc.AppendEscaped(b, c.syncURL)
		b = jsonenc.AppendEscaped(b, ch.ref.TypePath())
		b = jsonenc.AppendEscaped(b, sid)
		b = append(b, "/Items/"...)
		b = jsonenc.AppendEscaped(b, url.PathEscape(ch.key))
		b = append(b, '"')
		b = append(b, `,"item_revision":`...)
		b = jsonenc.AppendString(b, rev)
	}
	b = append(b, `,"`...)
	b = append(b, typ...)
	b = append(b, `_revision":`...)
	b = jsonenc.AppendString(b, rev)
	return append(b, "}}"...), nil
}

// payloadRoom is what a payload holds besides its data, the Sync URL, the
// object's SID (twice: in the event and in the item URL) and the item's key,
// with room to spare: the member names, the ID, the date and the revisions.
const payloadRoom = 320

// appendRaw appends the member key: v, omitted when v is empty.
func appendRaw(b []byte, key string, v json.RawMessage) []byte {
	if len(v) == 0 {
		return b
	}
	b = append(b, key...)
	return append(b, v...)
}
