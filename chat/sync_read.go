package chat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatd/chatd/model"
)

var _ model.SyncService = (*Chat)(nil)

// Reading the Sync objects as a first-person client. An object exists while
// the User or Channel it belongs to does, and its data is derived from them
// (sync_data.go) in the same read transaction as its last event ID, so a
// fetch is one consistent snapshot: every event up to that ID is in it, and
// none after. Items report the object's last event ID as their own. A client
// drops an item event whose ID is not above its copy's, so a replayed event
// already in the snapshot is dropped and every later one applied; IDs of the
// item's own last change would say no more.
//
// Who may read what: a User's channels map only that User; the info map of
// any User of the Service, as the SDK reads other Users' names; a Channel's
// document, messages and roster whoever may see the Channel (public ones,
// and private ones to their Members and invitees). An object the reader may
// not see is answered as missing; another User's channels map, which exists
// for all to know, as forbidden.

// Page sizes of item queries: the SDK asks for 50 by default and accepts
// up to 1000, of which the Sync API answers at most 100.
const (
	syncPageDefault = 50
	syncPageMax     = 100
	syncPageLimit   = 1000
)

// syncObject is an object a reader may see, with what the log records of
// it (nil while it has no event).
type syncObject struct {
	ref     model.SyncRef
	service string
	owner   time.Time // DateUpdated of its User or Channel
	channel *model.Channel
	log     *model.SyncObjectLog
}

func (o *syncObject) lastEventID() uint64 {
	if o.log == nil {
		return 0
	}
	return o.log.LastEventID
}

func (o *syncObject) dateUpdated() time.Time {
	if o.log != nil && o.log.DateUpdated.After(o.owner) {
		return o.log.DateUpdated
	}
	return o.owner
}

// syncNotFound is the Sync API's answer for a missing object of type typ.
func syncNotFound(typ, id string) error {
	switch typ {
	case model.SyncDocument:
		return model.Errorf(model.CodeSyncDocumentNotFound, "Document %s not found", id)
	case model.SyncList:
		return model.Errorf(model.CodeSyncListNotFound, "List %s not found", id)
	default:
		return model.Errorf(model.CodeSyncMapNotFound, "Map %s not found", id)
	}
}

// openSync resolves id (a SID or unique name) to an object of type typ that
// p may read.
func openSync(tx model.Tx, p *model.Principal, typ, id string) (*syncObject, error) {
	ref, ok := model.ParseSyncRef(typ, id)
	if !ok {
		return nil, syncNotFound(typ, id)
	}
	o := &syncObject{ref: ref, service: p.ServiceSid}
	if ref.OfUser() {
		u, err := tx.User(p.ServiceSid, ref.Owner)
		if errors.Is(err, model.ErrNotFound) || err == nil && u.Sid != ref.Owner {
			return nil, syncNotFound(typ, id)
		} else if err != nil {
			return nil, err
		}
		if ref.Kind == model.SyncKindUserChannels && u.Identity != p.Identity {
			return nil, model.Errorf(model.CodeSyncAccessForbidden, "Access forbidden for identity %s to map %s", p.Identity, id)
		}
		o.owner = u.DateUpdated
	} else {
		ch, err := tx.Channel(p.ServiceSid, ref.Owner)
		if errors.Is(err, model.ErrNotFound) || err == nil && ch.Sid != ref.Owner {
			return nil, syncNotFound(typ, id)
		} else if err != nil {
			return nil, err
		}
		if ok, err := seesChannel(tx, p, ch); err != nil {
			return nil, err
		} else if !ok {
			return nil, syncNotFound(typ, id)
		}
		o.owner, o.channel = ch.DateUpdated, ch
	}
	var err error
	o.log, err = tx.SyncObjectLog(p.ServiceSid, ref.Sid())
	return o, notFoundIsNil(err)
}

// removedSync returns the object id of type typ when its User or Channel no
// longer exists but its log does; nil otherwise.
func removedSync(tx model.Tx, service, typ, id string) (*syncObject, error) {
	ref, ok := model.ParseSyncRef(typ, id)
	if !ok {
		return nil, nil
	}
	var err error
	if ref.OfUser() {
		_, err = tx.User(service, ref.Owner)
	} else {
		_, err = tx.Channel(service, ref.Owner)
	}
	if !errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	log, err := tx.SyncObjectLog(service, ref.Sid())
	if err != nil {
		return nil, notFoundIsNil(err)
	}
	return &syncObject{ref: ref, service: service, log: log}, nil
}

// notFoundIsNil is err, unless it is the store's ErrNotFound.
func notFoundIsNil(err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return nil
	}
	return err
}

// seesChannel reports whether p may see ch: a public Channel, or a private
// one p belongs or is invited to.
func seesChannel(tx model.Tx, p *model.Principal, ch *model.Channel) (bool, error) {
	if ch.Type != model.ChannelPrivate {
		return true, nil
	}
	m, err := tx.Member(p.ServiceSid, ch.Sid, p.Identity)
	if err == nil && m.Identity == p.Identity {
		return true, nil
	} else if err != nil && !errors.Is(err, model.ErrNotFound) {
		return false, err
	}
	_, err = tx.InviteFor(p.ServiceSid, ch.Sid, p.Identity)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// SyncRoot fetches an object: a document with its data, a map (with up to
// 100 of its items when withItems) or a list.
func (c *Chat) SyncRoot(ctx context.Context, p *model.Principal, typ, id string, withItems bool) (*model.SyncRoot, error) {
	var root *model.SyncRoot
	err := c.store.View(ctx, func(tx model.Tx) error {
		o, err := openSync(tx, p, typ, id)
		if err != nil {
			return err
		}
		root = &model.SyncRoot{Ref: o.ref, LastEventID: o.lastEventID(), DateUpdated: o.dateUpdated()}
		switch {
		case o.ref.Kind == model.SyncKindChannel:
			root.Data, err = channelDoc(tx, o.channel)
		case withItems && o.ref.Type() == model.SyncMap:
			root.Items, err = source(tx, o.service, o.ref).list("", false, syncPageMax)
			stamp(root.Items, o.lastEventID())
		}
		return err
	})
	return root, err
}

// stamp gives items the last event ID of their object.
func stamp(items []*model.SyncItem, id uint64) {
	for _, it := range items {
		it.LastEventID = id
	}
}

// SyncItems queries the items of a map or list: one by key (a list's index
// in decimal), or a page.
func (c *Chat) SyncItems(ctx context.Context, p *model.Principal, typ, id string, q model.SyncItemQuery) (*model.SyncItemPage, error) {
	if typ == model.SyncDocument {
		return nil, syncNotFound(typ, id)
	}
	cur, err := itemCursor(typ, q)
	if err != nil {
		return nil, err
	}
	var page *model.SyncItemPage
	err = c.store.View(ctx, func(tx model.Tx) error {
		o, err := openSync(tx, p, typ, id)
		if err != nil {
			return err
		}
		src := source(tx, o.service, o.ref)
		page = &model.SyncItemPage{Ref: o.ref, PageSize: cur.size}
		if q.Key != nil {
			it, err := src.get(*q.Key)
			if it != nil {
				page.Items = []*model.SyncItem{it}
			}
			stamp(page.Items, o.lastEventID())
			return err
		}
		var prev, next bool
		if page.Items, prev, next, err = cur.read(src); err != nil {
			return err
		}
		stamp(page.Items, o.lastEventID())
		if n := len(page.Items); n > 0 {
			if prev {
				page.PreviousToken = cur.token(true, page.Items[0].Key)
			}
			if next {
				page.NextToken = cur.token(false, page.Items[n-1].Key)
			}
		}
		return nil
	})
	return page, err
}

// SyncReplay lists up to limit events of an object after the ID after, for
// a client subscribing to it with that last event ID. An object removed
// since is replayed too: its log keeps only its removal, which tells
// nothing of what it held.
func (c *Chat) SyncReplay(ctx context.Context, p *model.Principal, typ, id string, after uint64, limit int) (*model.SyncReplay, error) {
	var r *model.SyncReplay
	err := c.store.View(ctx, func(tx model.Tx) error {
		o, err := openSync(tx, p, typ, id)
		if err != nil {
			gone, gerr := removedSync(tx, p.ServiceSid, typ, id)
			if gerr != nil || gone == nil {
				return cmp.Or(gerr, err)
			}
			o = gone
		}
		r = &model.SyncReplay{Ref: o.ref, LastEventID: o.lastEventID(), Complete: o.log == nil || after >= o.log.Trimmed}
		r.Events, err = tx.SyncEvents(o.service, o.ref.Sid(), after, limit)
		return err
	})
	return r, err
}

// SyncFeed lists up to limit events of every object of a Service after the
// ID after, in ID order: what the Service's subscribers are to be sent.
func (c *Chat) SyncFeed(ctx context.Context, service string, after uint64, limit int) ([]*model.SyncEvent, error) {
	var out []*model.SyncEvent
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		out, err = tx.SyncFeed(service, after, limit)
		return err
	})
	return out, err
}

// SyncHead is the ID of the newest event of a Service's log (0 when it has
// none): where a tailer of its feed that has seen nothing yet starts.
func (c *Chat) SyncHead(ctx context.Context, service string) (uint64, error) {
	var head uint64
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		head, err = tx.SyncHead(service)
		return err
	})
	return head, err
}

// SyncTail lists up to limit events of a Service's feed after the ID
// after, as SyncFeed does, with, from the same read, the newest ID that the
// log of each of their objects has dropped (0 for none; see
// model.SyncObjectLog.Trimmed): a tailer that has sent a subscriber of an
// object its events up to an ID below that mark has missed some for good.
func (c *Chat) SyncTail(ctx context.Context, service string, after uint64, limit int) ([]*model.SyncEvent, map[string]uint64, error) {
	var (
		events  []*model.SyncEvent
		trimmed map[string]uint64
	)
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		if events, err = tx.SyncFeed(service, after, limit); err != nil {
			return err
		}
		trimmed = map[string]uint64{}
		for _, e := range events {
			if _, ok := trimmed[e.ObjectSid]; ok {
				continue
			}
			o, err := tx.SyncObjectLog(service, e.ObjectSid)
			if err != nil {
				return err
			}
			trimmed[e.ObjectSid] = o.Trimmed
		}
		return nil
	})
	return events, trimmed, err
}

// syncCursor is where a page of items starts: after key (or, for the first
// page of a query, at from, included), or with back the page before key;
// its items in descending key order when desc.
type syncCursor struct {
	list bool // the items are a list's: keys are indexes
	back bool
	desc bool
	size int
	key  string
	from *string
}

// itemCursor validates the paging parameters of q.
func itemCursor(typ string, q model.SyncItemQuery) (syncCursor, error) {
	cur := syncCursor{list: typ == model.SyncList, size: syncPageDefault}
	if q.Key != nil && cur.list && !isIndex(*q.Key) {
		return cur, model.InvalidParam("Index", *q.Key)
	}
	if q.PageToken != "" {
		return parseItemToken(cur.list, q.PageToken)
	}
	switch q.Order {
	case "", model.OrderAsc:
	case model.OrderDesc:
		cur.desc = true
	default:
		return cur, model.InvalidParam("Order", q.Order)
	}
	switch {
	case q.PageSize < 0 || q.PageSize > syncPageLimit:
		return cur, model.InvalidParam("PageSize", strconv.Itoa(q.PageSize))
	case q.PageSize > 0:
		cur.size = min(q.PageSize, syncPageMax)
	}
	if q.From != nil && cur.list && !isIndex(*q.From) {
		return cur, model.InvalidParam("From", *q.From)
	}
	cur.from = q.From
	return cur, nil
}

// read reads the page of cur from src, and whether there are items before
// and after it.
func (cur syncCursor) read(src itemSource) (items []*model.SyncItem, prev, next bool, err error) {
	if cur.back {
		// The page before key: read away from it, then turn it around.
		if items, err = src.list(cur.key, !cur.desc, cur.size+1); err != nil {
			return nil, false, false, err
		}
		if prev = len(items) > cur.size; prev {
			items = items[:cur.size]
		}
		slices.Reverse(items)
		next, err = cur.beyond(src, items, false)
		return items, prev, next, err
	}
	after := cur.key
	if cur.from != nil {
		it, err := src.get(*cur.from)
		if err != nil {
			return nil, false, false, err
		}
		if it != nil {
			items = append(items, it)
		}
		after = *cur.from
	}
	rest, err := src.list(after, cur.desc, cur.size+1-len(items))
	if err != nil {
		return nil, false, false, err
	}
	items = append(items, rest...)
	if next = len(items) > cur.size; next {
		items = items[:cur.size]
	}
	prev, err = cur.beyond(src, items, true)
	return items, prev, next, err
}

// beyond reports whether src has an item before the first of items (before
// true) or after the last, in the page's order.
func (cur syncCursor) beyond(src itemSource, items []*model.SyncItem, before bool) (bool, error) {
	if len(items) == 0 {
		return false, nil
	}
	edge, reverse := items[len(items)-1].Key, cur.desc
	if before {
		edge, reverse = items[0].Key, !cur.desc
	}
	more, err := src.list(edge, reverse, 1)
	return len(more) > 0, err
}

// Item page tokens name a position and carry the query's order and page
// size, since a client sends a token back alone: "P" (the page before key)
// or "N" (the page after it), "a" or "d" for the order, the page size, "_"
// and the key.
func (cur syncCursor) token(back bool, key string) string {
	dir, order := "N", "a"
	if back {
		dir = "P"
	}
	if cur.desc {
		order = "d"
	}
	return fmt.Sprintf("%s%s%d_%s", dir, order, cur.size, key)
}

func parseItemToken(list bool, t string) (syncCursor, error) {
	bad := model.InvalidParam("PageToken", t)
	head, key, ok := strings.Cut(t, "_")
	if !ok || len(head) < 3 || key == "" || list && !isIndex(key) {
		return syncCursor{}, bad
	}
	cur := syncCursor{list: list, key: key}
	switch head[:2] {
	case "Na":
	case "Nd":
		cur.desc = true
	case "Pa":
		cur.back = true
	case "Pd":
		cur.back, cur.desc = true, true
	default:
		return cur, bad
	}
	size, err := strconv.Atoi(head[2:])
	if err != nil || size < 1 || size > syncPageMax {
		return cur, bad
	}
	cur.size = size
	return cur, nil
}
