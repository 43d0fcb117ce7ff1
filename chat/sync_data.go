package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/chatd/chatd/internal/jsonenc"
	"github.com/chatd/chatd/model"
)

// The data of the Sync objects, derived from chat's records whenever it is
// read: a root or item fetch and the projection's events (sync_project.go)
// build it with the same functions, so that an event says exactly what a
// fetch after it returns. Field names and shapes are those the client SDK
// reads.

// syncDate is the date format inside Sync data: ISO 8601 in UTC with
// milliseconds, as JavaScript's Date parses and prints it.
const syncDate = "2006-01-02T15:04:05.000Z"

func syncTime(t time.Time) string { return t.UTC().Format(syncDate) }

// marshal encodes v as JSON without escaping "<", ">" and "&", as chatd's
// APIs write them.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func optSyncTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := syncTime(*t)
	return &s
}

// channelDoc is the data of ch's document.
func channelDoc(tx model.Tx, ch *model.Channel) (json.RawMessage, error) {
	var last *model.Message
	if ch.LastMessageSid != "" {
		var err error
		if last, err = tx.Message(ch.ServiceSid, ch.Sid, ch.LastMessageSid); err != nil {
			return nil, err
		}
	}
	return channelDocOf(ch, last), nil
}

// channelDocOf is the data of ch's document whose newest Message is last
// (nil when it has none). It and messageItem are written member by member,
// as encoding/json writes the structs of sync_data_test.go: they are made
// for every Message sent, inside the write transaction.
func channelDocOf(ch *model.Channel, last *model.Message) json.RawMessage {
	// Room for the members with the names and dates, so that the data is
	// made in one allocation.
	b := make([]byte, 0, 480+len(ch.Attributes)+optLen(ch.FriendlyName)+optLen(ch.UniqueName)+len(ch.CreatedBy))
	b = append(b, `{"friendlyName":`...)
	b = appendOptString(b, ch.FriendlyName)
	b = append(b, `,"uniqueName":`...)
	b = appendOptString(b, ch.UniqueName)
	b = append(b, `,"attributes":`...)
	b = jsonenc.AppendString(b, ch.Attributes)
	b = append(b, `,"createdBy":`...)
	b = jsonenc.AppendString(b, ch.CreatedBy)
	b = append(b, `,"dateCreated":`...)
	b = appendSyncTime(b, ch.DateCreated)
	b = append(b, `,"dateUpdated":`...)
	b = appendSyncTime(b, ch.DateUpdated)
	b = append(b, `,"type":`...)
	b = jsonenc.AppendString(b, ch.Type)
	if last != nil {
		b = append(b, `,"lastMessage":{"index":`...)
		b = strconv.AppendInt(b, int64(last.Index), 10)
		b = append(b, `,"timestamp":`...)
		b = appendSyncTime(b, last.DateCreated)
		b = append(b, '}')
	}
	b = append(b, `,"messages":`...)
	b = jsonenc.AppendString(b, model.SyncMessages(ch.Sid))
	b = append(b, `,"roster":`...)
	b = jsonenc.AppendString(b, model.SyncRoster(ch.Sid))
	return append(b, '}')
}

// messageItem is the item of m; memberSid is its author's Member in the
// Channel, "" when the author is not one.
func messageItem(m *model.Message, memberSid string) *model.SyncItem {
	b := make([]byte, 0, 320+len(m.From)+len(m.Body)+len(m.Attributes)+optLen(m.LastUpdatedBy))
	b = append(b, `{"sid":`...)
	b = jsonenc.AppendString(b, m.Sid)
	b = append(b, `,"author":`...)
	b = jsonenc.AppendString(b, m.From)
	b = append(b, `,"text":`...)
	b = jsonenc.AppendString(b, m.Body)
	b = append(b, `,"attributes":`...)
	b = jsonenc.AppendString(b, m.Attributes)
	if md := m.Media; md != nil {
		b = append(b, `,"type":"media","media":{"sid":`...)
		b = jsonenc.AppendString(b, md.Sid)
		b = append(b, `,"filename":`...)
		b = appendOptString(b, md.Filename)
		b = append(b, `,"contentType":`...)
		b = jsonenc.AppendString(b, md.ContentType)
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, md.Size, 10)
		b = append(b, '}')
	} else {
		b = append(b, `,"type":"text"`...)
	}
	b = append(b, `,"timestamp":`...)
	b = appendSyncTime(b, m.DateCreated)
	b = append(b, `,"dateUpdated":`...)
	b = appendSyncTime(b, m.DateUpdated)
	b = append(b, `,"lastUpdatedBy":`...)
	b = appendOptString(b, m.LastUpdatedBy)
	b = append(b, `,"memberSid":`...)
	if memberSid != "" {
		b = jsonenc.AppendString(b, memberSid)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, '}')
	return &model.SyncItem{Key: strconv.Itoa(m.Index), Index: m.Index, Data: b, DateUpdated: m.DateUpdated}
}

// optLen is the length of *s, 0 when s is nil.
func optLen(s *string) int {
	if s == nil {
		return 0
	}
	return len(*s)
}

// appendOptString appends *s as a JSON string, or null when s is nil.
func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return jsonenc.AppendString(b, *s)
}

// appendSyncTime appends t as the JSON string of syncTime(t).
func appendSyncTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, syncDate)
	return append(b, '"')
}

// rosterItemJSON is the data of a Member's item in its Channel's roster.
type rosterItemJSON struct {
	Identity                 string  `json:"identity"`
	Type                     string  `json:"type"`
	Attributes               string  `json:"attributes"`
	DateCreated              string  `json:"dateCreated"`
	DateUpdated              string  `json:"dateUpdated"`
	RoleSid                  string  `json:"roleSid"`
	LastConsumedMessageIndex *int    `json:"lastConsumedMessageIndex"`
	LastConsumptionTimestamp *string `json:"lastConsumptionTimestamp"`
	UserInfo                 string  `json:"userInfo"`
}

func rosterItem(m *model.Member) (*model.SyncItem, error) {
	data, err := marshal(rosterItemJSON{
		Identity:                 m.Identity,
		Type:                     "chat",
		Attributes:               m.Attributes,
		DateCreated:              syncTime(m.DateCreated),
		DateUpdated:              syncTime(m.DateUpdated),
		RoleSid:                  m.RoleSid,
		LastConsumedMessageIndex: m.LastConsumedMessageIndex,
		LastConsumptionTimestamp: optSyncTime(m.LastConsumptionTimestamp),
		UserInfo:                 model.SyncUserInfo(m.UserSid),
	})
	if err != nil {
		return nil, err
	}
	return &model.SyncItem{Key: m.Sid, Data: data, DateUpdated: m.DateUpdated}, nil
}

// userChannelItemJSON is the data of a Channel's item in the channels map of
// a User who belongs or is invited to it.
type userChannelItemJSON struct {
	Channel                  string `json:"channel"`
	Messages                 string `json:"messages"`
	Roster                   string `json:"roster"`
	Status                   string `json:"status"`
	Type                     string `json:"type"`
	LastConsumedMessageIndex *int   `json:"lastConsumedMessageIndex"`
	NotificationLevel        string `json:"notificationLevel"`
}

// userChannelItem is the item of the link l of a User to a Channel.
func userChannelItem(tx model.Tx, service string, l model.UserChannelLink) (*model.SyncItem, error) {
	ch, err := tx.Channel(service, l.ChannelSid)
	if err != nil {
		return nil, err
	}
	d := userChannelItemJSON{
		Channel:           model.SyncChannel(ch.Sid),
		Messages:          model.SyncMessages(ch.Sid),
		Roster:            model.SyncRoster(ch.Sid),
		Status:            model.UserChannelInvited,
		Type:              ch.Type,
		NotificationLevel: model.NotificationDefault,
	}
	var updated time.Time
	if l.MemberSid != "" {
		m, err := tx.Member(service, ch.Sid, l.MemberSid)
		if err != nil {
			return nil, err
		}
		d.Status, d.LastConsumedMessageIndex, d.NotificationLevel = model.UserChannelJoined, m.LastConsumedMessageIndex, m.NotificationLevel
		updated = m.DateUpdated
	} else {
		in, err := tx.Invite(service, ch.Sid, l.InviteSid)
		if err != nil {
			return nil, err
		}
		updated = in.DateUpdated
	}
	data, err := marshal(d)
	if err != nil {
		return nil, err
	}
	return &model.SyncItem{Key: ch.Sid, Data: data, DateUpdated: updated}, nil
}

// The keys of a user info map, in key order.
const (
	userInfoAttributes   = "attributes"
	userInfoFriendlyName = "friendlyName"
	userInfoReachability = "reachability"
)

type userInfoValueJSON struct {
	Value *string `json:"value"`
}

type reachabilityJSON struct {
	Online     bool `json:"online"`
	Notifiable bool `json:"notifiable"`
}

// userInfoItems are the items of u's info map, in key order. The
// reachability item tells whether a client of u is connected (SetOnline)
// and whether u has a push Binding: the SDK reads it only when its Service
// has reachability enabled.
func userInfoItems(tx model.Tx, u *model.User) ([]*model.SyncItem, error) {
	bindings, err := tx.UserBindings(u.ServiceSid, u.Sid)
	if err != nil {
		return nil, err
	}
	values := []struct {
		key string
		v   any
	}{
		{userInfoAttributes, userInfoValueJSON{&u.Attributes}},
		{userInfoFriendlyName, userInfoValueJSON{u.FriendlyName}},
		{userInfoReachability, reachabilityJSON{Online: u.Online != nil && *u.Online, Notifiable: len(bindings) > 0}},
	}
	out := make([]*model.SyncItem, 0, len(values))
	for _, kv := range values {
		data, err := marshal(kv.v)
		if err != nil {
			return nil, err
		}
		out = append(out, &model.SyncItem{Key: kv.key, Data: data, DateUpdated: u.DateUpdated})
	}
	return out, nil
}

// itemSource reads the items of one map or list, by key or in key order.
// Keys of a list are its indexes in decimal.
type itemSource interface {
	// get returns the item under key, nil when there is none.
	get(key string) (*model.SyncItem, error)
	// list returns up to limit items whose keys come after after ("" from
	// the first, or with reverse the last) in the direction of reverse.
	list(after string, reverse bool, limit int) ([]*model.SyncItem, error)
}

// source returns the items of the map or list ref.
func source(tx model.Tx, service string, ref model.SyncRef) itemSource {
	switch ref.Kind {
	case model.SyncKindUserInfo:
		return &userInfoSource{tx: tx, service: service, user: ref.Owner}
	case model.SyncKindUserChannels:
		return userChannelsSource{tx, service, ref.Owner}
	case model.SyncKindMessages:
		return &messagesSource{tx: tx, service: service, channel: ref.Owner}
	default:
		return rosterSource{tx, service, ref.Owner}
	}
}

type userInfoSource struct {
	tx            model.Tx
	service, user string
	items         []*model.SyncItem // read once
}

func (s *userInfoSource) all() ([]*model.SyncItem, error) {
	if s.items != nil {
		return s.items, nil
	}
	u, err := s.tx.User(s.service, s.user)
	if errors.Is(err, model.ErrNotFound) || err == nil && u.Sid != s.user {
		s.items = []*model.SyncItem{}
		return s.items, nil
	} else if err != nil {
		return nil, err
	}
	s.items, err = userInfoItems(s.tx, u)
	return s.items, err
}

func (s *userInfoSource) get(key string) (*model.SyncItem, error) {
	items, err := s.all()
	for _, it := range items {
		if it.Key == key {
			return it, err
		}
	}
	return nil, err
}

func (s *userInfoSource) list(after string, reverse bool, limit int) ([]*model.SyncItem, error) {
	items, err := s.all()
	if err != nil {
		return nil, err
	}
	return inMemory(items, func(it *model.SyncItem) string { return it.Key })(model.Window{After: after, Reverse: reverse, Limit: limit})
}

type userChannelsSource struct {
	tx            model.Tx
	service, user string
}

func (s userChannelsSource) get(key string) (*model.SyncItem, error) {
	l, err := s.tx.UserChannel(s.service, s.user, key)
	if err != nil {
		return nil, notFoundIsNil(err)
	}
	return userChannelItem(s.tx, s.service, l)
}

func (s userChannelsSource) list(after string, reverse bool, limit int) ([]*model.SyncItem, error) {
	links, err := s.tx.UserChannels(s.service, s.user, model.Window{After: after, Reverse: reverse, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]*model.SyncItem, 0, len(links))
	for _, l := range links {
		it, err := userChannelItem(s.tx, s.service, l)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

type rosterSource struct {
	tx               model.Tx
	service, channel string
}

func (s rosterSource) get(key string) (*model.SyncItem, error) {
	if !model.IsSID(model.PrefixMember, key) {
		return nil, nil
	}
	m, err := s.tx.Member(s.service, s.channel, key)
	if err != nil || m.Sid != key {
		return nil, notFoundIsNil(err)
	}
	return rosterItem(m)
}

func (s rosterSource) list(after string, reverse bool, limit int) ([]*model.SyncItem, error) {
	ms, err := s.tx.Members(s.service, s.channel, model.Window{After: after, Reverse: reverse, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]*model.SyncItem, 0, len(ms))
	for _, m := range ms {
		it, err := rosterItem(m)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

type messagesSource struct {
	tx               model.Tx
	service, channel string
	members          []authorMember // read once each
}

// authorMember is the Member SID of an author in a Channel, "" for none. A
// source holds the few authors of a page (mostly one, a send's): a slice
// searched in turn costs less than a map.
type authorMember struct{ author, member string }

func (s *messagesSource) get(key string) (*model.SyncItem, error) {
	i, err := strconv.Atoi(key)
	if err != nil || i < 0 {
		return nil, nil
	}
	after := ""
	if i > 0 {
		after = strconv.Itoa(i - 1)
	}
	ms, err := s.tx.Messages(s.service, s.channel, model.Window{After: after, Limit: 1})
	if err != nil || len(ms) == 0 || ms[0].Index != i {
		return nil, err
	}
	return s.item(ms[0])
}

func (s *messagesSource) list(after string, reverse bool, limit int) ([]*model.SyncItem, error) {
	ms, err := s.tx.Messages(s.service, s.channel, model.Window{After: after, Reverse: reverse, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]*model.SyncItem, 0, len(ms))
	for _, m := range ms {
		it, err := s.item(m)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// item is the item of m, with the Member SID of its author.
func (s *messagesSource) item(m *model.Message) (*model.SyncItem, error) {
	for _, am := range s.members {
		if am.author == m.From {
			return messageItem(m, am.member), nil
		}
	}
	sid := ""
	mb, err := s.tx.Member(s.service, s.channel, m.From)
	switch {
	case err == nil && mb.Identity == m.From:
		sid = mb.Sid
	case err != nil && !errors.Is(err, model.ErrNotFound):
		return nil, err
	}
	s.members = append(s.members, authorMember{m.From, sid})
	return messageItem(m, sid), nil
}
