package chat

import (
	"bytes"
	"errors"
	"slices"

	"github.com/chatd/chatd/model"
)

// The Sync projection. Every write of chat goes through update, whose Tx is
// a projectTx: it intercepts the methods that change records, notes which
// Sync objects and items each call changes (reading, before the call, what
// they held), and at the end of the transaction derives their new state and
// appends the events that tell of it to the Service's Sync event log, in
// the same transaction. So REST and first-person writes, seeds and resets
// are all projected without any operation knowing of Sync; an event is
// durable exactly when the change it tells of is, and a failed write
// appends nothing.
//
// Changes are compared at the end, not sent call by call: an item written
// twice in one transaction makes one event, an Invite turned into a
// membership is one update of the User's channels map (not a removal and
// an addition), and a write that changes nothing a client sees makes no
// event. Objects created in the transaction make no events at all: no
// client can have fetched them yet, and a fetch derives them whole.

// syncItemKey names one item of one object; key "" names the object itself
// (a document's data).
type syncItemKey struct {
	service string
	ref     model.SyncRef
	key     string
}

type syncObjectKey struct {
	service string
	ref     model.SyncRef
}

// projectTx is the Tx of update as the projection sees it.
type projectTx struct {
	model.Tx
	touched []syncItemKey                   // in the order of their first change
	before  map[syncItemKey]*model.SyncItem // as they were (nil: did not exist)
	created map[syncObjectKey]bool          // objects the transaction created
	removed []syncObjectKey                 // objects it removed, in order
	gone    map[syncObjectKey]bool          // the same, as a set
	after   map[syncObjectKey]itemSource    // read by flush, after every write
	// reset are the Services whose logs the transaction removed, "" for
	// all of them (a Wipe).
	reset []string
	// restart are the Services removed whose logs were started.
	restart map[string]bool
	// appended are the Messages the transaction appended and did not
	// change or delete after: flush takes their items and the documents'
	// lastMessage from them instead of reading them back.
	appended []*model.Message
}

func newProjectTx(tx model.Tx) *projectTx {
	p := &projectTx{Tx: tx}
	p.forget()
	return p
}

// forget drops everything noted so far: the Services it was about are gone.
// created and gone are made by the writes that create and remove objects,
// which most writes (a send) do not.
func (p *projectTx) forget() {
	p.touched, p.removed, p.appended = nil, nil, nil
	p.before = map[syncItemKey]*model.SyncItem{}
	p.created, p.gone = nil, nil
}

// item notes that items of ref are about to change, reading what they hold
// the first time each is noted.
func (p *projectTx) item(service string, ref model.SyncRef, keys ...string) error {
	src := source(p.Tx, service, ref)
	for _, key := range keys {
		k := syncItemKey{service, ref, key}
		if _, ok := p.before[k]; ok {
			continue
		}
		it, err := src.get(key)
		if err != nil {
			return err
		}
		p.before[k] = it
		p.touched = append(p.touched, k)
	}
	return nil
}

// newItem notes an item that a write just created.
func (p *projectTx) newItem(service string, ref model.SyncRef, key string) {
	k := syncItemKey{service, ref, key}
	if _, ok := p.before[k]; !ok {
		p.before[k] = nil
		p.touched = append(p.touched, k)
	}
}

// document notes that a Channel's document changed.
func (p *projectTx) document(service, channel string) {
	p.newItem(service, model.ChannelRef(channel), "")
}

func (p *projectTx) create(service string, refs ...model.SyncRef) {
	if p.created == nil {
		p.created = map[syncObjectKey]bool{}
	}
	for _, ref := range refs {
		p.created[syncObjectKey{service, ref}] = true
	}
}

func (p *projectTx) remove(service string, refs ...model.SyncRef) {
	if p.gone == nil {
		p.gone = map[syncObjectKey]bool{}
	}
	for _, ref := range refs {
		k := syncObjectKey{service, ref}
		if !p.gone[k] {
			p.gone[k] = true
			p.removed = append(p.removed, k)
		}
	}
}

func channelObjects(channel string) []model.SyncRef {
	return []model.SyncRef{model.ChannelRef(channel), model.MessagesRef(channel), model.RosterRef(channel)}
}

func userObjects(user string) []model.SyncRef {
	return []model.SyncRef{model.UserInfoRef(user), model.UserChannelsRef(user)}
}

// userChannel notes a change of the item of channel in user's channels map.
func (p *projectTx) userChannel(service, user, channel string) error {
	return p.item(service, model.UserChannelsRef(user), channel)
}

// userInfo notes a change of the given items of user's info map.
func (p *projectTx) userInfo(service, user string, keys ...string) error {
	return p.item(service, model.UserInfoRef(user), keys...)
}

// The intercepted writes.

func (p *projectTx) InsertChannel(c *model.Channel) error {
	if err := p.Tx.InsertChannel(c); err != nil {
		return err
	}
	p.create(c.ServiceSid, channelObjects(c.Sid)...)
	return nil
}

// PutChannel changes the document; a Channel made private changes the type
// in the channels map of each of its Members and invitees.
func (p *projectTx) PutChannel(c *model.Channel) error {
	old, err := p.Tx.Channel(c.ServiceSid, c.Sid)
	if err == nil && old.Type != c.Type {
		err = p.eachLink(c.ServiceSid, c.Sid, func(user string) error { return p.userChannel(c.ServiceSid, user, c.Sid) })
	}
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	if err := p.Tx.PutChannel(c); err != nil {
		return err
	}
	p.document(c.ServiceSid, c.Sid)
	return nil
}

// eachLink calls fn with the User SID of every Member and invitee of a
// Channel.
func (p *projectTx) eachLink(service, channel string, fn func(user string) error) error {
	members, err := p.Tx.Members(service, channel, model.Window{})
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := fn(m.UserSid); err != nil {
			return err
		}
	}
	invites, err := p.Tx.Invites(service, channel, model.Window{})
	if err != nil {
		return err
	}
	for _, in := range invites {
		if err := fn(in.UserSid); err != nil {
			return err
		}
	}
	return nil
}

// DeleteChannelTree removes the Channel's objects and its item from the
// channels map of each of its Members and invitees.
func (p *projectTx) DeleteChannelTree(service, sid string) error {
	err := p.eachLink(service, sid, func(user string) error { return p.userChannel(service, user, sid) })
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	if err := p.Tx.DeleteChannelTree(service, sid); err != nil {
		return err
	}
	p.remove(service, channelObjects(sid)...)
	return nil
}

func (p *projectTx) InsertMember(m *model.Member) error {
	if err := p.userChannel(m.ServiceSid, m.UserSid, m.ChannelSid); err != nil {
		return err
	}
	if err := p.Tx.InsertMember(m); err != nil {
		return err
	}
	p.newItem(m.ServiceSid, model.RosterRef(m.ChannelSid), m.Sid)
	return nil
}

func (p *projectTx) PutMember(m *model.Member) error {
	if err := p.item(m.ServiceSid, model.RosterRef(m.ChannelSid), m.Sid); err != nil {
		return err
	}
	if err := p.userChannel(m.ServiceSid, m.UserSid, m.ChannelSid); err != nil {
		return err
	}
	return p.Tx.PutMember(m)
}

func (p *projectTx) DeleteMember(service, channel, sid string) error {
	m, err := p.Tx.Member(service, channel, sid)
	if err == nil && m.Sid == sid {
		if err := p.item(service, model.RosterRef(channel), sid); err != nil {
			return err
		}
		if err := p.userChannel(service, m.UserSid, channel); err != nil {
			return err
		}
	} else if err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	return p.Tx.DeleteMember(service, channel, sid)
}

func (p *projectTx) InsertInvite(in *model.Invite) error {
	if err := p.userChannel(in.ServiceSid, in.UserSid, in.ChannelSid); err != nil {
		return err
	}
	return p.Tx.InsertInvite(in)
}

func (p *projectTx) DeleteInvite(service, channel, sid string) error {
	in, err := p.Tx.Invite(service, channel, sid)
	if err == nil {
		err = p.userChannel(service, in.UserSid, channel)
	}
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	return p.Tx.DeleteInvite(service, channel, sid)
}

// AppendMessage adds an item to the messages list and moves the document's
// lastMessage.
func (p *projectTx) AppendMessage(m *model.Message) error {
	if err := p.Tx.AppendMessage(m); err != nil {
		return err
	}
	p.newItem(m.ServiceSid, model.MessagesRef(m.ChannelSid), itemKey(m.Index))
	p.document(m.ServiceSid, m.ChannelSid)
	p.appended = append(p.appended, m)
	return nil
}

// appendedMessage is the Message of the channel the transaction appended
// and did not change since for which is(m) holds, or nil.
func (p *projectTx) appendedMessage(service, channel string, is func(*model.Message) bool) *model.Message {
	for _, m := range p.appended {
		if m.ServiceSid == service && m.ChannelSid == channel && is(m) {
			return m
		}
	}
	return nil
}

// changedMessage drops sid from the appended Messages.
func (p *projectTx) changedMessage(sid string) {
	p.appended = slices.DeleteFunc(p.appended, func(m *model.Message) bool { return m.Sid == sid })
}

// PutMessage changes the Message's item, and the document's lastMessage
// when it is the newest Message and its date changes.
func (p *projectTx) PutMessage(m *model.Message) error {
	p.changedMessage(m.Sid)
	if err := p.item(m.ServiceSid, model.MessagesRef(m.ChannelSid), itemKey(m.Index)); err != nil {
		return err
	}
	if err := p.lastMessage(m.ServiceSid, m.ChannelSid, m.Sid, func(old *model.Message) bool {
		return !old.DateCreated.Equal(m.DateCreated)
	}); err != nil {
		return err
	}
	return p.Tx.PutMessage(m)
}

// DeleteMessage removes the Message's item, and moves the document's
// lastMessage when it was the newest.
func (p *projectTx) DeleteMessage(service, channel, sid string) error {
	p.changedMessage(sid)
	m, err := p.Tx.Message(service, channel, sid)
	if err == nil {
		err = p.item(service, model.MessagesRef(channel), itemKey(m.Index))
	}
	if err == nil {
		err = p.lastMessage(service, channel, sid, func(*model.Message) bool { return true })
	}
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	return p.Tx.DeleteMessage(service, channel, sid)
}

// lastMessage notes a change of the document of channel when sid is its
// newest Message and moved(that Message) holds.
func (p *projectTx) lastMessage(service, channel, sid string, moved func(*model.Message) bool) error {
	ch, err := p.Tx.Channel(service, channel)
	if err != nil || ch.LastMessageSid != sid {
		return err
	}
	m, err := p.Tx.Message(service, channel, sid)
	if err != nil {
		return err
	}
	if moved(m) {
		p.document(service, channel)
	}
	return nil
}

func itemKey(index int) string { return model.SyncRevision(uint64(index)) }

func (p *projectTx) InsertUser(u *model.User) error {
	if err := p.Tx.InsertUser(u); err != nil {
		return err
	}
	p.create(u.ServiceSid, userObjects(u.Sid)...)
	return nil
}

func (p *projectTx) PutUser(u *model.User) error {
	if err := p.userInfo(u.ServiceSid, u.Sid, userInfoAttributes, userInfoFriendlyName, userInfoReachability); err != nil {
		return err
	}
	return p.Tx.PutUser(u)
}

// DeleteUserTree removes the User's objects and its Members' items from the
// rosters of their Channels.
func (p *projectTx) DeleteUserTree(service, sid string) error {
	links, err := p.Tx.UserChannels(service, sid, model.Window{})
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	for _, l := range links {
		if l.MemberSid == "" {
			continue
		}
		if err := p.item(service, model.RosterRef(l.ChannelSid), l.MemberSid); err != nil {
			return err
		}
	}
	if err := p.Tx.DeleteUserTree(service, sid); err != nil {
		return err
	}
	p.remove(service, userObjects(sid)...)
	return nil
}

// Bindings decide whether a User is notifiable: the reachability item of
// its info map.

func (p *projectTx) InsertBinding(b *model.Binding) error {
	if err := p.userInfo(b.ServiceSid, b.UserSid, userInfoReachability); err != nil {
		return err
	}
	return p.Tx.InsertBinding(b)
}

func (p *projectTx) PutBinding(b *model.Binding) error {
	if err := p.userInfo(b.ServiceSid, b.UserSid, userInfoReachability); err != nil {
		return err
	}
	return p.Tx.PutBinding(b)
}

func (p *projectTx) DeleteBinding(service, sid string) error {
	b, err := p.Tx.Binding(service, sid)
	if err == nil {
		err = p.userInfo(service, b.UserSid, userInfoReachability)
	}
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	return p.Tx.DeleteBinding(service, sid)
}

// DeleteServiceTree and Wipe take the Sync logs with them: what was noted
// of the Services they remove is dropped, and whatever the transaction
// creates after them is new.

// A Service that clients signed in to keeps its log started when a reset
// makes it anew in the same transaction: they reconnect (chatd offloads
// them) and resubscribe from the revisions they hold, which the events
// from then on must follow.

func (p *projectTx) DeleteServiceTree(sid string) error {
	if err := p.noteStarted(sid); err != nil {
		return err
	}
	if err := p.Tx.DeleteServiceTree(sid); err != nil {
		return err
	}
	p.forgetService(sid)
	p.reset = append(p.reset, sid)
	return nil
}

func (p *projectTx) forgetService(service string) {
	touched := p.touched[:0]
	for _, k := range p.touched {
		if k.service == service {
			delete(p.before, k)
		} else {
			touched = append(touched, k)
		}
	}
	p.touched = touched
	removed := p.removed[:0]
	for _, k := range p.removed {
		if k.service != service {
			removed = append(removed, k)
		}
	}
	p.removed = removed
	appended := p.appended[:0]
	for _, m := range p.appended {
		if m.ServiceSid != service {
			appended = append(appended, m)
		}
	}
	p.appended = appended
}

func (p *projectTx) Wipe() error {
	services, err := p.Tx.Services(model.Window{})
	if err != nil {
		return err
	}
	for _, s := range services {
		if err := p.noteStarted(s.Sid); err != nil {
			return err
		}
	}
	if err := p.Tx.Wipe(); err != nil {
		return err
	}
	p.forget()
	p.reset = append(p.reset, "")
	return nil
}

// flush appends the events of everything the transaction changed to the
// logs that are started: a Service's is from its first first-person
// sign-in on (Tx.StartSyncLog), before which no client can hold a revision
// to bring up to date.
func (p *projectTx) flush(c *Chat) (services []string, err error) {
	// The stores answer again cheaply: bbolt from the transaction's buckets,
	// PostgreSQL from what the transaction read.
	started := p.Tx.SyncLogStarted
	var changes []syncChange
	for _, k := range p.touched {
		obj := syncObjectKey{k.service, k.ref}
		if p.created[obj] || p.gone[obj] {
			continue
		}
		if ok, err := started(k.service); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		ch, ok, err := p.changed(k)
		if err != nil {
			return nil, err
		}
		if ok {
			changes = append(changes, ch)
		}
	}
	var removals []syncChange
	for _, obj := range p.removed {
		if p.created[obj] {
			continue
		}
		if ok, err := started(obj.service); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		removals = append(removals, syncChange{service: obj.service, ref: obj.ref, what: removedObject})
	}
	return c.appendSync(p.Tx, changes, removals)
}

// changed compares the item k as it is now with how it was before, and
// returns the change if there is one.
func (p *projectTx) changed(k syncItemKey) (syncChange, bool, error) {
	ch := syncChange{service: k.service, ref: k.ref, key: k.key}
	if k.ref.Kind == model.SyncKindChannel {
		c, err := p.Tx.Channel(k.service, k.ref.Owner)
		if errors.Is(err, model.ErrNotFound) {
			return ch, false, nil
		} else if err != nil {
			return ch, false, err
		}
		ch.what = changedDocument
		if last := p.appendedMessage(k.service, c.Sid, func(m *model.Message) bool { return m.Sid == c.LastMessageSid }); last != nil {
			ch.data = channelDocOf(c, last)
		} else if ch.data, err = channelDoc(p.Tx, c); err != nil {
			return ch, false, err
		}
		return ch, true, nil
	}
	obj := syncObjectKey{k.service, k.ref}
	src, ok := p.after[obj]
	if !ok {
		src = source(p.Tx, k.service, k.ref)
		if p.after == nil {
			p.after = map[syncObjectKey]itemSource{}
		}
		p.after[obj] = src
	}
	var now *model.SyncItem
	var err error
	if m := p.appendedItem(k); m != nil {
		now, err = src.(*messagesSource).item(m)
	} else {
		now, err = src.get(k.key)
	}
	if err != nil {
		return ch, false, err
	}
	was := p.before[k]
	switch {
	case was == nil && now == nil:
		return ch, false, nil
	case now == nil:
		ch.what, ch.data = removedItem, was.Data
	case was == nil:
		ch.what, ch.data = addedItem, now.Data
	case bytes.Equal(was.Data, now.Data):
		return ch, false, nil
	default:
		ch.what, ch.data = updatedItem, now.Data
	}
	return ch, true, nil
}

// appendedItem is the appended Message whose item in its Channel's list k
// names, or nil.
func (p *projectTx) appendedItem(k syncItemKey) *model.Message {
	if k.ref.Kind != model.SyncKindMessages {
		return nil
	}
	return p.appendedMessage(k.service, k.ref.Owner, func(m *model.Message) bool { return itemKey(m.Index) == k.key })
}

// appendSync appends changes and removals to the logs, in order: changes
// under the retention of c, removals as the only event their object keeps.
// Each is a draft: the store gives it its ID, and then it renders its
// payload, which holds the ID. It returns the Services whose logs grew.
func (c *Chat) appendSync(tx model.Tx, changes, removals []syncChange) ([]string, error) {
	all := append(changes, removals...)
	if len(all) == 0 {
		return nil, nil
	}
	var services []string // mostly one
	now := tx.Now()
	events := make([]*model.SyncEvent, len(all))
	drafts := make([]model.SyncEvent, len(all))
	for i, ch := range all {
		if !slices.Contains(services, ch.service) {
			services = append(services, ch.service)
		}
		sid := ch.ref.Sid()
		drafts[i] = model.SyncEvent{ServiceSid: ch.service, ObjectSid: sid, Date: now,
			Render: func(id uint64) ([]byte, error) { return c.payload(ch, sid, id, now) }}
		events[i] = &drafts[i]
	}
	if len(changes) > 0 {
		if err := tx.AppendSyncEvents(events[:len(changes)], c.syncKeep); err != nil {
			return nil, err
		}
	}
	if len(removals) > 0 {
		if err := tx.AppendSyncEvents(events[len(changes):], 1); err != nil {
			return nil, err
		}
	}
	return services, nil
}

// noteStarted notes the Service's log when it is started, to start it
// again should the transaction make the Service anew.
func (p *projectTx) noteStarted(service string) error {
	started, err := p.Tx.SyncLogStarted(service)
	if errors.Is(err, model.ErrNotFound) {
		return nil
	}
	if err != nil || !started {
		return err
	}
	if p.restart == nil {
		p.restart = map[string]bool{}
	}
	p.restart[service] = true
	return nil
}

func (p *projectTx) InsertService(s *model.Service) error {
	if err := p.Tx.InsertService(s); err != nil {
		return err
	}
	if p.restart[s.Sid] {
		return p.Tx.StartSyncLog(s.Sid)
	}
	return nil
}
