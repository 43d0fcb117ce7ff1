package bolt

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// exported is what Export handed a Loader, record by record; it checks
// the dependency order as the records come.
type exported struct {
	seen        map[string]bool // SIDs (and Sync objects) handed out so far
	settings    map[string]string
	apiKeys     []*model.APIKey
	credentials []*model.Credential
	services    []*model.Service
	roles       []*model.Role
	users       []*model.User
	channels    []*model.Channel
	lastIndex   map[string]int
	members     []*model.Member
	invites     []*model.Invite
	messages    []*model.Message
	webhooks    []*model.ChannelWebhook
	bindings    []*model.Binding
	media       []*model.Media
	content     map[string][]byte
	mutations   []*model.Mutation
	seqs        []uint64
	logs        []string // the Services whose Sync logs are started
	objects     []*model.SyncObjectLog
	events      []*model.SyncEvent
	deliveries  []*model.Delivery
	counters    [2]uint64
	countersAt  int // how many calls came before Counters
	calls       int
}

func newExported() *exported {
	return &exported{seen: map[string]bool{}, settings: map[string]string{}, lastIndex: map[string]int{}, content: map[string][]byte{}}
}

// after notes sid as handed out, once the parents it names have been.
func (x *exported) after(sid string, parents ...string) error {
	x.calls++
	for _, p := range parents {
		if p != "" && !x.seen[p] {
			return fmt.Errorf("%s came before %s", sid, p)
		}
	}
	x.seen[sid] = true
	return nil
}

func (x *exported) Setting(key, value string) error {
	x.settings[key] = value
	return x.after("setting " + key)
}
func (x *exported) APIKey(k *model.APIKey) error {
	x.apiKeys = append(x.apiKeys, k)
	return x.after(k.Sid)
}
func (x *exported) Credential(c *model.Credential) error {
	x.credentials = append(x.credentials, c)
	return x.after(c.Sid)
}
func (x *exported) Service(s *model.Service) error {
	x.services = append(x.services, s)
	return x.after(s.Sid)
}
func (x *exported) Role(r *model.Role) error {
	x.roles = append(x.roles, r)
	return x.after(r.Sid, r.ServiceSid)
}
func (x *exported) User(u *model.User) error {
	x.users = append(x.users, u)
	return x.after(u.Sid, u.ServiceSid)
}
func (x *exported) Channel(c *model.Channel, lastIndex int) error {
	x.channels = append(x.channels, c)
	x.lastIndex[c.Sid] = lastIndex
	return x.after(c.Sid, c.ServiceSid)
}
func (x *exported) Member(m *model.Member) error {
	x.members = append(x.members, m)
	return x.after(m.Sid, m.ChannelSid, m.UserSid)
}
func (x *exported) Invite(in *model.Invite) error {
	x.invites = append(x.invites, in)
	return x.after(in.Sid, in.ChannelSid, in.UserSid)
}
func (x *exported) Message(m *model.Message) error {
	x.messages = append(x.messages, m)
	return x.after(m.Sid, m.ChannelSid)
}
func (x *exported) ChannelWebhook(wh *model.ChannelWebhook) error {
	x.webhooks = append(x.webhooks, wh)
	return x.after(wh.Sid, wh.ChannelSid)
}
func (x *exported) Binding(b *model.Binding) error {
	x.bindings = append(x.bindings, b)
	return x.after(b.Sid, b.ServiceSid, b.UserSid, b.CredentialSid)
}
func (x *exported) Media(me *model.Media) error {
	x.media = append(x.media, me)
	return x.after(me.Sid, me.ServiceSid, me.MessageSid)
}
func (x *exported) MediaChunk(service, media string, seq int, data []byte) error {
	if want := len(x.content[media]); seq*model.MediaChunkSize != want {
		return fmt.Errorf("chunk %d of %s after %d bytes", seq, media, want)
	}
	x.content[media] = append(x.content[media], data...)
	return x.after(fmt.Sprint(media, "/", seq), service, media)
}
func (x *exported) Mutation(m *model.Mutation, seq uint64) error {
	x.mutations, x.seqs = append(x.mutations, m), append(x.seqs, seq)
	return x.after("mutation "+m.ID, m.ServiceSid)
}
func (x *exported) SyncLog(service string) error {
	x.logs = append(x.logs, service)
	return x.after("log "+service, service)
}
func (x *exported) SyncObject(o *model.SyncObjectLog) error {
	x.objects = append(x.objects, o)
	return x.after("object "+o.ObjectSid, o.ServiceSid, "log "+o.ServiceSid)
}
func (x *exported) SyncEvent(e *model.SyncEvent) error {
	x.events = append(x.events, e)
	return x.after(fmt.Sprint("event ", e.ID), e.ServiceSid, "object "+e.ObjectSid)
}
func (x *exported) Delivery(d *model.Delivery) error {
	x.deliveries = append(x.deliveries, d)
	return x.after(fmt.Sprint("delivery ", d.ID))
}
func (x *exported) Counters(lastDelivery, lastSyncEvent uint64) error {
	x.counters, x.countersAt = [2]uint64{lastDelivery, lastSyncEvent}, x.calls
	return nil
}

// TestExport writes the fixture, and what it lacks (an API key, mutation
// records, Sync events, a staged upload, a second Service deleted), and
// exports the file: every record comes out as the Tx reads it, in
// dependency order, with the counters the Tx would continue from.
func TestExport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chatd.db")
	d := openUnmanaged(t, path)
	f := newFixture()
	mustUpdate(t, d, f.write)
	s1 := sid("IS", 1)
	key := &model.APIKey{Sid: sid("SK", 1), SealedSecret: []byte("sealed"), DateCreated: fixtureDate, DateUpdated: fixtureDate}
	mutations := []*model.Mutation{
		{ServiceSid: s1, Identity: "alice", ID: "m1", Ref: "message/" + sid("CH", 1) + "/" + sid("IM", 1), DateCreated: fixtureDate},
		{ServiceSid: s1, Identity: "bob/x", ID: "m1", Ref: "channel//" + sid("CH", 1), DateCreated: fixtureDate.Add(time.Second)},
		{ServiceSid: s1, Identity: "alice", ID: "m2", Ref: "user_channels//", DateCreated: fixtureDate.Add(2 * time.Second)},
	}
	var events []*model.SyncEvent
	mustUpdate(t, d, func(tx model.Tx) error {
		if err := tx.InsertAPIKey(clone(key)); err != nil {
			return err
		}
		for _, m := range mutations {
			if err := tx.InsertMutation(clone(m), 2); err != nil { // the first is forgotten
				return err
			}
		}
		if err := tx.StageMediaChunk(s1, sid("ME", 9), 0, []byte("staged")); err != nil {
			return err
		}
		// Events of two objects of Service 1, then of a Service deleted:
		// the newest IDs were its.
		first, err := tx.ReserveSyncEventIDs(s1, 3)
		if err != nil {
			return err
		}
		events = []*model.SyncEvent{
			{ServiceSid: s1, ObjectSid: "MAa", ID: first, Date: fixtureDate, Payload: []byte(`{"a":1}`)},
			{ServiceSid: s1, ObjectSid: "ETb", ID: first + 1, Date: fixtureDate, Payload: []byte(`{"b":1}`)},
			{ServiceSid: s1, ObjectSid: "MAa", ID: first + 2, Date: fixtureDate.Add(time.Second), Payload: []byte(`{"a":2}`)},
		}
		if err := tx.AppendSyncEvents(events, 0); err != nil {
			return err
		}
		gone := &model.Service{Sid: sid("IS", 9), FriendlyName: "gone", DateCreated: fixtureDate, DateUpdated: fixtureDate}
		if err := tx.InsertService(gone); err != nil {
			return err
		}
		id, err := tx.ReserveSyncEventIDs(gone.Sid, 1)
		if err != nil {
			return err
		}
		if err := tx.AppendSyncEvents([]*model.SyncEvent{{ServiceSid: gone.Sid, ObjectSid: "MAc", ID: id, Date: fixtureDate}}, 0); err != nil {
			return err
		}
		return tx.DeleteServiceTree(gone.Sid)
	})
	var want exported
	mustView(t, d, func(tx model.Tx) (err error) {
		// What the Tx reads is what the export must hand out.
		for _, s := range f.services {
			if want.objects, err = syncObjects(tx, s.Sid, want.objects); err != nil {
				return err
			}
		}
		return nil
	})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	x := newExported()
	if err := Export(context.Background(), path, x, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if x.countersAt != x.calls {
		t.Errorf("Counters came after %d of %d records, want last", x.countersAt, x.calls)
	}
	if want := [2]uint64{uint64(len(f.deliveries)), events[2].ID + 1}; x.counters != want {
		t.Errorf("counters = %v, want the last delivery ID and the last Sync event ID ever given, %v", x.counters, want)
	}
	same := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", what, show(got), show(want))
		}
	}
	same("settings", x.settings, f.settings)
	same("API keys", x.apiKeys, []*model.APIKey{key})
	same("credentials", x.credentials, f.credentials)
	same("services", x.services, f.services)
	same("roles", bySid(x.roles, func(r *model.Role) string { return r.Sid }), bySid(f.roles, func(r *model.Role) string { return r.Sid }))
	same("users", bySid(x.users, func(u *model.User) string { return u.Sid }), bySid(f.users, func(u *model.User) string { return u.Sid }))
	same("channels", bySid(x.channels, func(c *model.Channel) string { return c.Sid }), bySid(f.channels, func(c *model.Channel) string { return c.Sid }))
	same("last indexes", x.lastIndex, map[string]int{sid("CH", 1): 4, sid("CH", 2): 0})
	same("members", bySid(x.members, func(m *model.Member) string { return m.Sid }), bySid(f.members, func(m *model.Member) string { return m.Sid }))
	same("invites", bySid(x.invites, func(in *model.Invite) string { return in.Sid }), bySid(f.invites, func(in *model.Invite) string { return in.Sid }))
	kept := filter(f.messages, func(m *model.Message) bool { return !contains(f.deleted, m.Sid) })
	same("messages", bySid(x.messages, func(m *model.Message) string { return m.Sid }), bySid(kept, func(m *model.Message) string { return m.Sid }))
	same("webhooks", bySid(x.webhooks, func(wh *model.ChannelWebhook) string { return wh.Sid }), bySid(f.webhooks, func(wh *model.ChannelWebhook) string { return wh.Sid }))
	same("bindings", bySid(x.bindings, func(b *model.Binding) string { return b.Sid }), bySid(f.bindings, func(b *model.Binding) string { return b.Sid }))
	same("media", bySid(x.media, func(me *model.Media) string { return me.Sid }), bySid(f.media, func(me *model.Media) string { return me.Sid }))
	if got := x.content[sid("ME", 1)]; !bytes.Equal(got, fixtureMedia) {
		t.Errorf("content of Media 1 = %q, want %q", got, fixtureMedia)
	}
	if got, ok := x.content[sid("ME", 2)]; !ok || len(got) != 0 {
		t.Errorf("content of the empty Media 2 = %q (handed out: %v), want one empty chunk", got, ok)
	}
	if _, ok := x.content[sid("ME", 9)]; ok || x.seen[sid("ME", 9)] {
		t.Error("the staged upload was handed out")
	}
	same("mutations", x.mutations, mutations[1:])
	same("mutation sequence numbers", x.seqs, []uint64{2, 3})
	same("started Sync logs", x.logs, []string{s1})
	same("Sync objects", x.objects, want.objects)
	same("Sync events", x.events, events)
	same("deliveries", x.deliveries, f.deliveries)
	if x.seen[sid("IS", 9)] || x.seen["object MAc"] {
		t.Error("the deleted Service's records were handed out")
	}
}

// syncObjects appends the Sync object records of service's log to out.
func syncObjects(tx model.Tx, service string, out []*model.SyncObjectLog) ([]*model.SyncObjectLog, error) {
	events, err := tx.SyncFeed(service, 0, 0)
	if err != nil {
		return nil, err
	}
	var objects []string
	for _, e := range events {
		if !slices.Contains(objects, e.ObjectSid) {
			objects = append(objects, e.ObjectSid)
		}
	}
	slices.Sort(objects)
	for _, o := range objects {
		log, err := tx.SyncObjectLog(service, o)
		if err != nil {
			return nil, err
		}
		out = append(out, log)
	}
	return out, nil
}

// bySid sorts records by the key of each.
func bySid[T any](records []*T, key func(*T) string) []*T {
	return slices.SortedFunc(slices.Values(records), func(a, b *T) int { return cmp.Compare(key(a), key(b)) })
}

// TestExportRefuses: a file a chatd serves, a file of an older schema and
// a file that is not chatd's are refused before anything is handed out.
func TestExportRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chatd.db")
	served := openUnmanaged(t, path)
	x := newExported()
	err := Export(context.Background(), path, x, ExportOptions{LockTimeout: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("export of a served file: %v, want an error saying it is in use", err)
	}
	if err := served.Close(); err != nil {
		t.Fatal(err)
	}

	old := copyFile(t, filepath.Join("testdata", "chatd-v3.db"))
	err = Export(context.Background(), old, x, ExportOptions{})
	if err == nil || !strings.Contains(err.Error(), "schema version 3") || !strings.Contains(err.Error(), "chatd serve --db") {
		t.Errorf("export of a schema-3 file: %v, want an error saying how to migrate it", err)
	}
	setRawVersion(t, path, version(schemaVersion+1))
	if err := Export(context.Background(), path, x, ExportOptions{}); err == nil || !strings.Contains(err.Error(), "newer chatd") {
		t.Errorf("export of a file of a newer schema: %v", err)
	}
	if x.calls != 0 {
		t.Errorf("the refused exports handed out %d records", x.calls)
	}
}
