package model

import (
	"context"
	"encoding/json"
	"time"
)

// SyncRoot is a Sync object as a client fetches it: its last event ID (0
// while it has none) and, for a document, its data, and for a map fetched
// with its items, those.
type SyncRoot struct {
	Ref         SyncRef
	LastEventID uint64
	DateUpdated time.Time
	Data        json.RawMessage
	Items       []*SyncItem
}

// SyncItem is one item of a map (Key) or list (Index, and Key its decimal
// form). LastEventID is the object's as of the read: every event of the
// item up to it is in Data, and a client applies only the events after it.
type SyncItem struct {
	Key         string
	Index       int
	Data        json.RawMessage
	LastEventID uint64
	DateUpdated time.Time
}

// SyncItemQuery selects items of a map or list: the one under Key (a list's
// Index in decimal), or a page of PageSize items in Order (OrderAsc or
// OrderDesc) starting at From (included) or at the first, or the page a
// PageToken names.
type SyncItemQuery struct {
	Key       *string
	From      *string
	Order     string
	PageSize  int
	PageToken string
}

// SyncItemPage is a page of items with the tokens of the pages before and
// after it ("" when there is none).
type SyncItemPage struct {
	Ref           SyncRef
	Items         []*SyncItem
	PageSize      int
	PreviousToken string
	NextToken     string
}

// SyncReplay is what a subscription to an object is sent first: the events
// after the client's last event ID, oldest first. Complete is false when
// the log no longer reaches back that far (it kept only the newest events
// of the object), so that some of what the client missed is not among
// Events. A last event ID above LastEventID was given before the object's
// log was removed with its Service (a reset): the client's copy is of an
// object that no longer exists.
type SyncReplay struct {
	Ref         SyncRef
	Events      []*SyncEvent
	Complete    bool
	LastEventID uint64
}

// SyncService is the read side of the Sync objects, for a first-person
// client: typ is the object's Sync type (as in the path /v3/Documents,
// /v3/Lists or /v3/Maps) and id its SID or unique name.
type SyncService interface {
	SyncRoot(ctx context.Context, p *Principal, typ, id string, withItems bool) (*SyncRoot, error)
	SyncItems(ctx context.Context, p *Principal, typ, id string, q SyncItemQuery) (*SyncItemPage, error)
	// SyncReplay lists up to limit events of an object after the ID after.
	SyncReplay(ctx context.Context, p *Principal, typ, id string, after uint64, limit int) (*SyncReplay, error)
}
