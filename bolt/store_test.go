package bolt

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// op is one retry-safe write: it builds its records afresh on every run.
type op = func(model.Tx) error

// Record builders. Every record is named by small numbers: service n is
// sid("IS", n), channel n of it sid("CH", n), and so on.

func newService(n int) *model.Service {
	return &model.Service{Sid: sid("IS", n), FriendlyName: fmt.Sprint("service ", n), DateCreated: testNow, DateUpdated: testNow}
}

func newRole(svc, n int) *model.Role {
	return &model.Role{Sid: sid("RL", n), ServiceSid: sid("IS", svc), FriendlyName: fmt.Sprint("role ", n),
		Type: model.RoleTypeChannel, Permissions: []string{"sendMessage"}, DateCreated: testNow, DateUpdated: testNow}
}

func newUser(svc, n int, identity string) *model.User {
	return &model.User{Sid: sid("US", n), ServiceSid: sid("IS", svc), Identity: identity, Attributes: "{}",
		RoleSid: sid("RL", 1), DateCreated: testNow, DateUpdated: testNow}
}

func newChannel(svc, n int, typ, uniqueName string) *model.Channel {
	c := &model.Channel{Sid: sid("CH", n), ServiceSid: sid("IS", svc), Attributes: "{}", Type: typ,
		CreatedBy: model.DefaultAuthor, DateCreated: testNow, DateUpdated: testNow}
	if uniqueName != "" {
		c.UniqueName = &uniqueName
	}
	return c
}

func newMember(svc, ch, n, user int, identity string) *model.Member {
	return &model.Member{Sid: sid("MB", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch), UserSid: sid("US", user),
		Identity: identity, RoleSid: sid("RL", 1), Attributes: "{}", NotificationLevel: model.NotificationDefault,
		DateCreated: testNow, DateUpdated: testNow}
}

func newInvite(svc, ch, n, user int, identity string) *model.Invite {
	return &model.Invite{Sid: sid("IN", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch), UserSid: sid("US", user),
		Identity: identity, RoleSid: sid("RL", 1), DateCreated: testNow, DateUpdated: testNow}
}

func newMessage(svc, ch, n int) *model.Message {
	return &model.Message{Sid: sid("IM", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch),
		From: model.DefaultAuthor, Body: fmt.Sprint("message ", n), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
}

// Write ops over the builders.

func insService(n int) op   { return func(tx model.Tx) error { return tx.InsertService(newService(n)) } }
func insRole(svc, n int) op { return func(tx model.Tx) error { return tx.InsertRole(newRole(svc, n)) } }
func insUser(svc, n int, identity string) op {
	return func(tx model.Tx) error { return tx.InsertUser(newUser(svc, n, identity)) }
}
func insChannel(svc, n int, typ, uniqueName string) op {
	return func(tx model.Tx) error { return tx.InsertChannel(newChannel(svc, n, typ, uniqueName)) }
}
func insMember(svc, ch, n, user int, identity string) op {
	return func(tx model.Tx) error { return tx.InsertMember(newMember(svc, ch, n, user, identity)) }
}
func insInvite(svc, ch, n, user int, identity string) op {
	return func(tx model.Tx) error { return tx.InsertInvite(newInvite(svc, ch, n, user, identity)) }
}
func appendMsg(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.AppendMessage(newMessage(svc, ch, n)) }
}
func delService(n int) op {
	return func(tx model.Tx) error { return tx.DeleteServiceTree(sid("IS", n)) }
}
func delUser(svc, n int) op {
	return func(tx model.Tx) error { return tx.DeleteUserTree(sid("IS", svc), sid("US", n)) }
}
func delChannel(svc, n int) op {
	return func(tx model.Tx) error { return tx.DeleteChannelTree(sid("IS", svc), sid("CH", n)) }
}
func delMember(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.DeleteMember(sid("IS", svc), sid("CH", ch), sid("MB", n)) }
}
func delInvite(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.DeleteInvite(sid("IS", svc), sid("CH", ch), sid("IN", n)) }
}
func delMsg(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.DeleteMessage(sid("IS", svc), sid("CH", ch), sid("IM", n)) }
}

// editChannel reads channel n, applies edit and puts it back.
func editChannel(svc, n int, edit func(*model.Channel)) op {
	return func(tx model.Tx) error {
		c, err := tx.Channel(sid("IS", svc), sid("CH", n))
		if err != nil {
			return err
		}
		edit(c)
		return tx.PutChannel(c)
	}
}

func renameChannel(svc, n int, uniqueName *string) op {
	return editChannel(svc, n, func(c *model.Channel) { c.UniqueName = uniqueName })
}

func ptr[T any](v T) *T { return &v }

// mustSeed runs ops in order in one Update.
func mustSeed(t *testing.T, d *DB, ops ...op) {
	t.Helper()
	mustUpdate(t, d, func(tx model.Tx) error {
		for i, o := range ops {
			if err := o(tx); err != nil {
				return fmt.Errorf("seed op %d: %w", i, err)
			}
		}
		return nil
	})
}

// tryOp runs o in an Update that commits whatever o did, and returns o's
// error: how a test checks that a failing write wrote nothing.
func tryOp(t *testing.T, d *DB, o op) error {
	t.Helper()
	var err error
	mustUpdate(t, d, func(tx model.Tx) error {
		err = o(tx)
		return nil
	})
	return err
}

// mustRead returns what read reads in one View.
func mustRead[T any](t *testing.T, d *DB, read func(model.Tx) (T, error)) T {
	t.Helper()
	var out T
	mustView(t, d, func(tx model.Tx) (err error) {
		out, err = read(tx)
		return err
	})
	return out
}

// viewErr returns the error of read in one View.
func viewErr(d *DB, read func(model.Tx) error) error {
	return d.View(context.Background(), read)
}

func mustChannel(t *testing.T, d *DB, svc int, key string) *model.Channel {
	t.Helper()
	return mustRead(t, d, func(tx model.Tx) (*model.Channel, error) { return tx.Channel(sid("IS", svc), key) })
}

func mustUser(t *testing.T, d *DB, svc int, key string) *model.User {
	t.Helper()
	return mustRead(t, d, func(tx model.Tx) (*model.User, error) { return tx.User(sid("IS", svc), key) })
}

func mustLink(t *testing.T, d *DB, svc, user, ch int) model.UserChannelLink {
	t.Helper()
	return mustRead(t, d, func(tx model.Tx) (model.UserChannelLink, error) {
		return tx.UserChannel(sid("IS", svc), sid("US", user), sid("CH", ch))
	})
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, model.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

func wantTaken(t *testing.T, what string, err error, field string) {
	t.Helper()
	var taken *model.TakenError
	if !errors.As(err, &taken) || taken.Field != field {
		t.Errorf("%s: err = %v, want *TakenError{Field: %q}", what, err, field)
	}
}

// sids maps records to their keys.
func sids[T any](recs []T, key func(T) string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = key(r)
	}
	return out
}

func indexes(ms []*model.Message) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.Index
	}
	return out
}

// rawBucket returns the key/value pairs of the bucket at path (nil when it
// does not exist), read straight from the file: how tests look at indexes.
func rawBucket(t *testing.T, d *DB, path ...string) map[string]string {
	t.Helper()
	var out map[string]string
	err := d.bolt.View(func(btx *bbolt.Tx) error {
		b := btx.Bucket([]byte(path[0]))
		for _, name := range path[1:] {
			if b == nil {
				return nil
			}
			b = b.Bucket([]byte(name))
		}
		if b == nil {
			return nil
		}
		out = map[string]string{}
		return b.ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rawDump is every key, value and bucket sequence in the file, so that a
// test can check that a failed write changed nothing at all.
func rawDump(t *testing.T, d *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var dump func(prefix string, b *bbolt.Bucket) error
	dump = func(prefix string, b *bbolt.Bucket) error {
		out[prefix+"#sequence"] = strconv.FormatUint(b.Sequence(), 10)
		return b.ForEach(func(k, v []byte) error {
			name := prefix + "/" + strconv.Quote(string(k))
			if v == nil {
				if sub := b.Bucket(k); sub != nil {
					return dump(name, sub)
				}
			}
			out[name] = string(v)
			return nil
		})
	}
	err := d.bolt.View(func(btx *bbolt.Tx) error {
		return btx.ForEach(func(name []byte, b *bbolt.Bucket) error { return dump(string(name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantUnchanged fails when the file differs from before.
func wantUnchanged(t *testing.T, d *DB, before map[string]string) {
	t.Helper()
	after := rawDump(t, d)
	if maps.Equal(before, after) {
		return
	}
	for k, v := range after {
		if bv, ok := before[k]; !ok || bv != v {
			t.Errorf("written: %s = %q (was %q)", k, v, bv)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("deleted: %s", k)
		}
	}
}

func TestSettings(t *testing.T) {
	d := newDB(t)
	if got := mustSetting(t, d, "missing"); got != "" {
		t.Errorf("unset setting = %q, want empty", got)
	}
	mustSeed(t, d, putSetting("a", "1"), putSetting("b", "2"))
	mustSeed(t, d, putSetting("a", "3"))
	for key, want := range map[string]string{"a": "3", "b": "2"} {
		if got := mustSetting(t, d, key); got != want {
			t.Errorf("setting %s = %q, want %q", key, got, want)
		}
	}
}

func TestRoles(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insRole(1, 1), insRole(1, 2))
	t.Run("Role finds an inserted role", func(t *testing.T) {
		r := mustRead(t, d, func(tx model.Tx) (*model.Role, error) { return tx.Role(sid("IS", 1), sid("RL", 2)) })
		if !reflect.DeepEqual(r, newRole(1, 2)) {
			t.Errorf("Role = %+v, want %+v", r, newRole(1, 2))
		}
	})
	t.Run("PutRole replaces the record", func(t *testing.T) {
		mustSeed(t, d, func(tx model.Tx) error {
			r := newRole(1, 1)
			r.Permissions = []string{"sendMessage", "leaveChannel"}
			return tx.PutRole(r)
		})
		r := mustRead(t, d, func(tx model.Tx) (*model.Role, error) { return tx.Role(sid("IS", 1), sid("RL", 1)) })
		if !slices.Equal(r.Permissions, []string{"sendMessage", "leaveChannel"}) {
			t.Errorf("Permissions = %v after PutRole", r.Permissions)
		}
	})
	t.Run("PutRole of an unknown role is not found", func(t *testing.T) {
		wantNotFound(t, "PutRole", tryOp(t, d, func(tx model.Tx) error { return tx.PutRole(newRole(1, 9)) }))
	})
	t.Run("DeleteRole removes it", func(t *testing.T) {
		mustSeed(t, d, func(tx model.Tx) error { return tx.DeleteRole(sid("IS", 1), sid("RL", 1)) })
		wantNotFound(t, "Role", viewErr(d, func(tx model.Tx) error {
			_, err := tx.Role(sid("IS", 1), sid("RL", 1))
			return err
		}))
		rs := mustRead(t, d, func(tx model.Tx) ([]*model.Role, error) { return tx.Roles(sid("IS", 1), model.Window{}) })
		if got := sids(rs, func(r *model.Role) string { return r.Sid }); !slices.Equal(got, []string{sid("RL", 2)}) {
			t.Errorf("Roles = %v, want [RL 2]", got)
		}
	})
}

// windowed is an ordered collection for TestWindows: records keyed 1, 2, 4,
// 5 and 6 remain after the test deletes the records in gone.
type windowed struct {
	name   string
	setup  []op
	keys   []int // records to insert, in order
	gone   []int // records to delete afterwards
	insert func(k int) op
	remove func(k int) op
	key    func(k int) string // the window key of record k
	list   func(tx model.Tx, w model.Window) ([]string, error)
}

func TestWindows(t *testing.T) {
	svc := sid("IS", 1)
	ch := sid("CH", 1)
	sidKeys, sidGone := []int{1, 2, 3, 4, 5, 6}, []int{3}
	collections := []windowed{
		{
			name: "Services", keys: sidKeys, gone: sidGone,
			insert: insService, remove: delService,
			key: func(k int) string { return sid("IS", k) },
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				ss, err := tx.Services(w)
				return sids(ss, func(s *model.Service) string { return s.Sid }), err
			},
		},
		{
			name: "Roles", setup: []op{insService(1)}, keys: sidKeys, gone: sidGone,
			insert: func(k int) op { return insRole(1, k) },
			remove: func(k int) op {
				return func(tx model.Tx) error { return tx.DeleteRole(svc, sid("RL", k)) }
			},
			key: func(k int) string { return sid("RL", k) },
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				rs, err := tx.Roles(svc, w)
				return sids(rs, func(r *model.Role) string { return r.Sid }), err
			},
		},
		{
			name: "Users", setup: []op{insService(1)}, keys: sidKeys, gone: sidGone,
			insert: func(k int) op { return insUser(1, k, fmt.Sprint("user-", k)) },
			remove: func(k int) op { return delUser(1, k) },
			key:    func(k int) string { return sid("US", k) },
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				us, err := tx.Users(svc, w)
				return sids(us, func(u *model.User) string { return u.Sid }), err
			},
		},
		{
			name: "Channels", setup: []op{insService(1)}, keys: sidKeys, gone: sidGone,
			insert: func(k int) op { return insChannel(1, k, model.ChannelPublic, "") },
			remove: func(k int) op { return delChannel(1, k) },
			key:    func(k int) string { return sid("CH", k) },
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				cs, err := tx.Channels(svc, nil, w)
				return sids(cs, func(c *model.Channel) string { return c.Sid }), err
			},
		},
		{
			// Public channels have even numbers; the private ones between
			// them are not in the type index walked.
			name: "Channels of one type",
			setup: []op{insService(1),
				insChannel(1, 1, model.ChannelPrivate, ""), insChannel(1, 3, model.ChannelPrivate, ""),
				insChannel(1, 5, model.ChannelPrivate, ""), insChannel(1, 7, model.ChannelPrivate, ""),
				insChannel(1, 9, model.ChannelPrivate, ""), insChannel(1, 11, model.ChannelPrivate, ""),
				insChannel(1, 13, model.ChannelPrivate, ""), insChannel(1, 201, model.ChannelPrivate, "")},
			keys: sidKeys, gone: sidGone,
			insert: func(k int) op { return insChannel(1, 2*k, model.ChannelPublic, "") },
			remove: func(k int) op { return delChannel(1, 2*k) },
			key:    func(k int) string { return sid("CH", 2*k) },
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				cs, err := tx.Channels(svc, []string{model.ChannelPublic}, w)
				return sids(cs, func(c *model.Channel) string { return c.Sid }), err
			},
		},
		{
			name: "Members", setup: []op{insService(1), insChannel(1, 1, model.ChannelPublic, "")},
			keys: sidKeys, gone: sidGone,
			insert: func(k int) op {
				return func(tx model.Tx) error {
					if err := insUser(1, k, fmt.Sprint("user-", k))(tx); err != nil {
						return err
					}
					return insMember(1, 1, k, k, fmt.Sprint("user-", k))(tx)
				}
			},
			remove: func(k int) op { return delMember(1, 1, k) },
			key:    func(k int) string { return sid("MB", k) },
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				ms, err := tx.Members(svc, ch, w)
				return sids(ms, func(m *model.Member) string { return m.Sid }), err
			},
		},
		{
			name: "Invites", setup: []op{insService(1), insChannel(1, 1, model.ChannelPublic, "")},
			keys: sidKeys, gone: sidGone,
			insert: func(k int) op {
				return func(tx model.Tx) error {
					if err := insUser(1, k, fmt.Sprint("user-", k))(tx); err != nil {
						return err
					}
					return insInvite(1, 1, k, k, fmt.Sprint("user-", k))(tx)
				}
			},
			remove: func(k int) op { return delInvite(1, 1, k) },
			key:    func(k int) string { return sid("IN", k) },
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				is, err := tx.Invites(svc, ch, w)
				return sids(is, func(in *model.Invite) string { return in.Sid }), err
			},
		},
		{
			name: "UserChannels", setup: []op{insService(1), insUser(1, 1, "alice")},
			keys: sidKeys, gone: sidGone,
			insert: func(k int) op {
				return func(tx model.Tx) error {
					if err := insChannel(1, k, model.ChannelPublic, "")(tx); err != nil {
						return err
					}
					return insMember(1, k, k, 1, "alice")(tx)
				}
			},
			remove: func(k int) op { return delMember(1, k, k) },
			key:    func(k int) string { return sid("CH", k) },
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				ls, err := tx.UserChannels(svc, sid("US", 1), w)
				return sids(ls, func(l model.UserChannelLink) string { return l.ChannelSid }), err
			},
		},
		{
			// Message k has index k; 0 and 3 are deleted. After is the
			// decimal index.
			name: "Messages", setup: []op{insService(1), insChannel(1, 1, model.ChannelPublic, "")},
			keys: []int{0, 1, 2, 3, 4, 5, 6}, gone: []int{0, 3},
			insert: func(k int) op { return appendMsg(1, 1, k) },
			remove: func(k int) op { return delMsg(1, 1, k) },
			key:    strconv.Itoa,
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				ms, err := tx.Messages(svc, ch, w)
				return sids(ms, func(m *model.Message) string { return strconv.Itoa(m.Index) }), err
			},
		},
	}

	all, allRev := []int{1, 2, 4, 5, 6}, []int{6, 5, 4, 2, 1}
	type window struct {
		after   int // -1: no After
		reverse bool
		limit   int
	}
	cases := []struct {
		name string
		w    window
		want []int
	}{
		{"forward from the start", window{-1, false, 0}, all},
		{"reverse from the end", window{-1, true, 0}, allRev},
		{"forward with a limit", window{-1, false, 2}, []int{1, 2}},
		{"reverse with a limit", window{-1, true, 2}, []int{6, 5}},
		{"a negative limit is all", window{-1, false, -1}, all},
		{"a negative limit in reverse is all", window{-1, true, -1}, allRev},
		{"a limit beyond the length is all", window{-1, false, 100}, all},
		{"forward after a key excludes it", window{2, false, 0}, []int{4, 5, 6}},
		{"reverse after a key excludes it", window{4, true, 0}, []int{2, 1}},
		{"forward after a key with a limit", window{1, false, 2}, []int{2, 4}},
		{"reverse after a key with a limit", window{6, true, 2}, []int{5, 4}},
		{"forward after a deleted key", window{3, false, 0}, []int{4, 5, 6}},
		{"reverse after a deleted key", window{3, true, 0}, []int{2, 1}},
		{"forward after the last key is empty", window{6, false, 0}, nil},
		{"reverse after the first key is empty", window{1, true, 0}, nil},
		{"forward after a key past the end is empty", window{99, false, 0}, nil},
		{"reverse after a key past the end is all", window{99, true, 0}, allRev},
		{"forward after a key before the start is all", window{0, false, 0}, all},
		{"reverse after a key before the start is empty", window{0, true, 0}, nil},
	}

	for _, c := range collections {
		t.Run(c.name, func(t *testing.T) {
			d := newDB(t)
			ops := slices.Clone(c.setup)
			for _, k := range c.keys {
				ops = append(ops, c.insert(k))
			}
			mustSeed(t, d, ops...)
			ops = nil
			for _, k := range c.gone {
				ops = append(ops, c.remove(k))
			}
			mustSeed(t, d, ops...)

			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					w := model.Window{Reverse: tc.w.reverse, Limit: tc.w.limit}
					if tc.w.after >= 0 {
						w.After = c.key(tc.w.after)
					}
					var want []string
					for _, k := range tc.want {
						want = append(want, c.key(k))
					}
					got := mustRead(t, d, func(tx model.Tx) ([]string, error) { return c.list(tx, w) })
					if !slices.Equal(got, want) {
						t.Errorf("window %+v = %v, want %v", w, got, want)
					}
				})
			}
		})
	}
}

func TestChannelsByType(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1),
			insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPrivate, ""),
			insChannel(1, 3, model.ChannelPublic, ""), insChannel(1, 4, model.ChannelPrivate, ""))
		return d
	}
	list := func(t *testing.T, d *DB, svc int, types []string, w model.Window) []string {
		t.Helper()
		cs := mustRead(t, d, func(tx model.Tx) ([]*model.Channel, error) { return tx.Channels(sid("IS", svc), types, w) })
		return sids(cs, func(c *model.Channel) string { return c.Sid })
	}
	chs := func(ns ...int) []string {
		var out []string
		for _, n := range ns {
			out = append(out, sid("CH", n))
		}
		return out
	}
	pub, priv := model.ChannelPublic, model.ChannelPrivate

	d := setup(t)
	cases := []struct {
		name  string
		types []string
		w     model.Window
		want  []string
	}{
		{"no types lists every channel", nil, model.Window{}, chs(1, 2, 3, 4)},
		{"an empty type list lists every channel", []string{}, model.Window{}, chs(1, 2, 3, 4)},
		{"both types list every channel", []string{pub, priv}, model.Window{}, chs(1, 2, 3, 4)},
		{"both types in any order list every channel", []string{priv, pub}, model.Window{}, chs(1, 2, 3, 4)},
		{"public lists public channels", []string{pub}, model.Window{}, chs(1, 3)},
		{"private lists private channels", []string{priv}, model.Window{}, chs(2, 4)},
		{"a repeated type is one type", []string{pub, pub}, model.Window{}, chs(1, 3)},
		{"one type in reverse with a limit", []string{priv}, model.Window{Reverse: true, Limit: 1}, chs(4)},
		{"one type after a channel of the other type", []string{pub}, model.Window{After: sid("CH", 2)}, chs(3)},
		{"both types after a key", []string{pub, priv}, model.Window{After: sid("CH", 2), Limit: 1}, chs(3)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(t, d, 1, tc.types, tc.w); !slices.Equal(got, tc.want) {
				t.Errorf("Channels(%v, %+v) = %v, want %v", tc.types, tc.w, got, tc.want)
			}
		})
	}

	t.Run("a type without channels lists none", func(t *testing.T) {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, priv, ""))
		if got := list(t, d, 1, []string{pub}, model.Window{}); len(got) != 0 {
			t.Errorf("Channels(public) = %v, want none", got)
		}
	})
	t.Run("PutChannel changing the type moves the index entry", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, editChannel(1, 1, func(c *model.Channel) { c.Type = priv }))
		if got := list(t, d, 1, []string{pub}, model.Window{}); !slices.Equal(got, chs(3)) {
			t.Errorf("Channels(public) = %v, want %v", got, chs(3))
		}
		if got := list(t, d, 1, []string{priv}, model.Window{}); !slices.Equal(got, chs(1, 2, 4)) {
			t.Errorf("Channels(private) = %v, want %v", got, chs(1, 2, 4))
		}
		if got := mustChannel(t, d, 1, sid("CH", 1)).Type; got != priv {
			t.Errorf("stored Type = %q, want %q", got, priv)
		}
		pubIndex := rawBucket(t, d, "services", sid("IS", 1), "channel_types", pub)
		if _, ok := pubIndex[sid("CH", 1)]; ok {
			t.Errorf("channel_types/public still holds CH 1: %v", pubIndex)
		}
		if _, ok := rawBucket(t, d, "services", sid("IS", 1), "channel_types", priv)[sid("CH", 1)]; !ok {
			t.Error("channel_types/private does not hold CH 1")
		}
	})
}

func TestChannelUniqueName(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, "general"))
		return d
	}
	names := func(t *testing.T, d *DB) map[string]string {
		t.Helper()
		return rawBucket(t, d, "services", sid("IS", 1), "channel_names")
	}
	channelErr := func(d *DB, key string) error {
		return viewErr(d, func(tx model.Tx) error { _, err := tx.Channel(sid("IS", 1), key); return err })
	}

	t.Run("Channel finds by SID and by unique name", func(t *testing.T) {
		d := setup(t)
		for _, key := range []string{sid("CH", 1), "general"} {
			if got := mustChannel(t, d, 1, key); got.Sid != sid("CH", 1) || deref(got.UniqueName) != "general" {
				t.Errorf("Channel(%s) = %s %q, want CH 1 general", key, got.Sid, deref(got.UniqueName))
			}
		}
		wantNotFound(t, "Channel(unknown name)", channelErr(d, "nope"))
		wantNotFound(t, "Channel(unknown SID)", channelErr(d, sid("CH", 2)))
	})
	t.Run("InsertChannel with a taken unique name returns TakenError and writes nothing", func(t *testing.T) {
		d := setup(t)
		before := rawDump(t, d)
		wantTaken(t, "InsertChannel", tryOp(t, d, insChannel(1, 2, model.ChannelPrivate, "general")), "unique_name")
		wantUnchanged(t, d, before)
		wantNotFound(t, "Channel(CH 2)", channelErr(d, sid("CH", 2)))
		if got := mustChannel(t, d, 1, "general").Sid; got != sid("CH", 1) {
			t.Errorf("general resolves to %s, want CH 1", got)
		}
	})
	t.Run("PutChannel renames: the old name is freed and the new one found", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, renameChannel(1, 1, ptr("lobby")))
		wantNotFound(t, "Channel(general)", channelErr(d, "general"))
		if got := mustChannel(t, d, 1, "lobby"); got.Sid != sid("CH", 1) {
			t.Errorf("Channel(lobby) = %s, want CH 1", got.Sid)
		}
		if got, want := names(t, d), map[string]string{"lobby": sid("CH", 1)}; !maps.Equal(got, want) {
			t.Errorf("channel_names = %v, want %v", got, want)
		}
		mustSeed(t, d, insChannel(1, 2, model.ChannelPublic, "general"))
		if got := mustChannel(t, d, 1, "general").Sid; got != sid("CH", 2) {
			t.Errorf("freed name general resolves to %s, want CH 2", got)
		}
	})
	t.Run("PutChannel to a taken name returns TakenError and writes nothing", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insChannel(1, 2, model.ChannelPublic, "random"))
		before := rawDump(t, d)
		wantTaken(t, "PutChannel", tryOp(t, d, renameChannel(1, 2, ptr("general"))), "unique_name")
		wantUnchanged(t, d, before)
		if got := mustChannel(t, d, 1, "random").Sid; got != sid("CH", 2) {
			t.Errorf("random resolves to %s, want CH 2", got)
		}
		if got := mustChannel(t, d, 1, "general").Sid; got != sid("CH", 1) {
			t.Errorf("general resolves to %s, want CH 1", got)
		}
	})
	t.Run("clearing the unique name frees it", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, renameChannel(1, 1, nil))
		if got := mustChannel(t, d, 1, sid("CH", 1)).UniqueName; got != nil {
			t.Errorf("UniqueName = %q, want nil", *got)
		}
		wantNotFound(t, "Channel(general)", channelErr(d, "general"))
		if got := names(t, d); len(got) != 0 {
			t.Errorf("channel_names = %v, want empty", got)
		}
		mustSeed(t, d, insChannel(1, 2, model.ChannelPublic, "general"))
		if got := mustChannel(t, d, 1, "general").Sid; got != sid("CH", 2) {
			t.Errorf("general resolves to %s, want CH 2", got)
		}
	})
	t.Run("naming a channel that had no unique name", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insChannel(1, 2, model.ChannelPublic, ""), renameChannel(1, 2, ptr("random")))
		if got := mustChannel(t, d, 1, "random").Sid; got != sid("CH", 2) {
			t.Errorf("random resolves to %s, want CH 2", got)
		}
	})
	t.Run("PutChannel keeping the name keeps the index", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, editChannel(1, 1, func(c *model.Channel) { c.FriendlyName = ptr("General") }))
		got := mustChannel(t, d, 1, "general")
		if got.Sid != sid("CH", 1) || deref(got.FriendlyName) != "General" {
			t.Errorf("Channel(general) = %s %q, want CH 1 named General", got.Sid, deref(got.FriendlyName))
		}
		if got, want := names(t, d), map[string]string{"general": sid("CH", 1)}; !maps.Equal(got, want) {
			t.Errorf("channel_names = %v, want %v", got, want)
		}
	})
	t.Run("a unique name is per service", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insService(2), insChannel(2, 2, model.ChannelPublic, "general"))
		if got := mustChannel(t, d, 2, "general").Sid; got != sid("CH", 2) {
			t.Errorf("general in IS 2 resolves to %s, want CH 2", got)
		}
	})
}

func TestUserIdentity(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insUser(1, 1, "alice"))
		return d
	}
	userErr := func(d *DB, key string) error {
		return viewErr(d, func(tx model.Tx) error { _, err := tx.User(sid("IS", 1), key); return err })
	}

	t.Run("User finds by SID and by identity", func(t *testing.T) {
		d := setup(t)
		for _, key := range []string{sid("US", 1), "alice"} {
			if got := mustUser(t, d, 1, key); got.Sid != sid("US", 1) || got.Identity != "alice" {
				t.Errorf("User(%s) = %s %s, want US 1 alice", key, got.Sid, got.Identity)
			}
		}
		wantNotFound(t, "User(bob)", userErr(d, "bob"))
		wantNotFound(t, "User(US 2)", userErr(d, sid("US", 2)))
	})
	t.Run("a SID wins over an identity that looks like it", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insUser(1, 2, sid("US", 1)), insUser(1, 3, sid("US", 9)))
		if got := mustUser(t, d, 1, sid("US", 1)).Sid; got != sid("US", 1) {
			t.Errorf("User(US 1) = %s, want US 1", got)
		}
		if got := mustUser(t, d, 1, sid("US", 9)).Sid; got != sid("US", 3) {
			t.Errorf("User(identity US 9) = %s, want US 3", got)
		}
	})
	t.Run("InsertUser with a taken identity returns TakenError and writes nothing", func(t *testing.T) {
		d := setup(t)
		before := rawDump(t, d)
		wantTaken(t, "InsertUser", tryOp(t, d, insUser(1, 2, "alice")), "identity")
		wantUnchanged(t, d, before)
		wantNotFound(t, "User(US 2)", userErr(d, sid("US", 2)))
	})
	t.Run("an identity is per service", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insService(2), insUser(2, 2, "alice"))
		if got := mustUser(t, d, 2, "alice").Sid; got != sid("US", 2) {
			t.Errorf("alice in IS 2 = %s, want US 2", got)
		}
	})
	t.Run("PutUser keeps the identity", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, func(tx model.Tx) error {
			u := newUser(1, 1, "mallory")
			u.FriendlyName = ptr("Alice")
			return tx.PutUser(u)
		})
		got := mustUser(t, d, 1, "alice")
		if got.Identity != "alice" || deref(got.FriendlyName) != "Alice" {
			t.Errorf("User(alice) = %s %q, want identity alice named Alice", got.Identity, deref(got.FriendlyName))
		}
		wantNotFound(t, "User(mallory)", userErr(d, "mallory"))
	})
}

func TestMemberIdentity(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""),
			insUser(1, 1, "alice"), insMember(1, 1, 1, 1, "alice"))
		return d
	}
	member := func(t *testing.T, d *DB, ch int, key string) *model.Member {
		t.Helper()
		return mustRead(t, d, func(tx model.Tx) (*model.Member, error) { return tx.Member(sid("IS", 1), sid("CH", ch), key) })
	}
	memberErr := func(d *DB, ch int, key string) error {
		return viewErr(d, func(tx model.Tx) error { _, err := tx.Member(sid("IS", 1), sid("CH", ch), key); return err })
	}

	t.Run("Member finds by SID and by identity", func(t *testing.T) {
		d := setup(t)
		for _, key := range []string{sid("MB", 1), "alice"} {
			if got := member(t, d, 1, key); got.Sid != sid("MB", 1) {
				t.Errorf("Member(%s) = %s, want MB 1", key, got.Sid)
			}
		}
		wantNotFound(t, "Member(bob)", memberErr(d, 1, "bob"))
		wantNotFound(t, "Member(alice) in CH 2", memberErr(d, 2, "alice"))
	})
	t.Run("InsertMember with an identity taken in the channel returns TakenError and writes nothing", func(t *testing.T) {
		d := setup(t)
		before := rawDump(t, d)
		wantTaken(t, "InsertMember", tryOp(t, d, insMember(1, 1, 2, 1, "alice")), "identity")
		wantUnchanged(t, d, before)
		wantNotFound(t, "Member(MB 2)", memberErr(d, 1, sid("MB", 2)))
	})
	t.Run("the same identity in another channel is free", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insMember(1, 2, 2, 1, "alice"))
		if got := member(t, d, 2, "alice").Sid; got != sid("MB", 2) {
			t.Errorf("alice in CH 2 = %s, want MB 2", got)
		}
		if got := member(t, d, 1, "alice").Sid; got != sid("MB", 1) {
			t.Errorf("alice in CH 1 = %s, want MB 1", got)
		}
	})
	t.Run("DeleteMember frees the identity", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, delMember(1, 1, 1))
		wantNotFound(t, "Member(alice)", memberErr(d, 1, "alice"))
		mustSeed(t, d, insMember(1, 1, 3, 1, "alice"))
		if got := member(t, d, 1, "alice").Sid; got != sid("MB", 3) {
			t.Errorf("alice in CH 1 = %s, want MB 3", got)
		}
	})
	t.Run("PutMember keeps the identity and the user", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, func(tx model.Tx) error {
			m := newMember(1, 1, 1, 9, "mallory")
			m.Attributes = `{"x":1}`
			return tx.PutMember(m)
		})
		got := member(t, d, 1, "alice")
		if got.Identity != "alice" || got.UserSid != sid("US", 1) || got.Attributes != `{"x":1}` {
			t.Errorf("Member(alice) = %+v, want alice of US 1 with the new attributes", got)
		}
		wantNotFound(t, "Member(mallory)", memberErr(d, 1, "mallory"))
	})
}

func TestInviteIdentity(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""),
			insUser(1, 1, "alice"), insInvite(1, 1, 1, 1, "alice"))
		return d
	}
	inviteFor := func(t *testing.T, d *DB, ch int, identity string) *model.Invite {
		t.Helper()
		return mustRead(t, d, func(tx model.Tx) (*model.Invite, error) {
			return tx.InviteFor(sid("IS", 1), sid("CH", ch), identity)
		})
	}
	inviteForErr := func(d *DB, ch int, identity string) error {
		return viewErr(d, func(tx model.Tx) error {
			_, err := tx.InviteFor(sid("IS", 1), sid("CH", ch), identity)
			return err
		})
	}

	t.Run("Invite finds by SID and InviteFor by identity", func(t *testing.T) {
		d := setup(t)
		in := mustRead(t, d, func(tx model.Tx) (*model.Invite, error) {
			return tx.Invite(sid("IS", 1), sid("CH", 1), sid("IN", 1))
		})
		if !reflect.DeepEqual(in, newInvite(1, 1, 1, 1, "alice")) {
			t.Errorf("Invite = %+v, want %+v", in, newInvite(1, 1, 1, 1, "alice"))
		}
		if got := inviteFor(t, d, 1, "alice").Sid; got != sid("IN", 1) {
			t.Errorf("InviteFor(alice) = %s, want IN 1", got)
		}
		wantNotFound(t, "InviteFor(bob)", inviteForErr(d, 1, "bob"))
		wantNotFound(t, "InviteFor(alice) in CH 2", inviteForErr(d, 2, "alice"))
		wantNotFound(t, "Invite(IN 1 by identity)", viewErr(d, func(tx model.Tx) error {
			_, err := tx.Invite(sid("IS", 1), sid("CH", 1), "alice")
			return err
		}))
	})
	t.Run("InsertInvite with an identity taken in the channel returns TakenError and writes nothing", func(t *testing.T) {
		d := setup(t)
		before := rawDump(t, d)
		wantTaken(t, "InsertInvite", tryOp(t, d, insInvite(1, 1, 2, 1, "alice")), "identity")
		wantUnchanged(t, d, before)
	})
	t.Run("the same identity in another channel is free", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insInvite(1, 2, 2, 1, "alice"))
		if got := inviteFor(t, d, 2, "alice").Sid; got != sid("IN", 2) {
			t.Errorf("InviteFor(alice) in CH 2 = %s, want IN 2", got)
		}
	})
	t.Run("DeleteInvite frees the identity", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, delInvite(1, 1, 1))
		wantNotFound(t, "InviteFor(alice)", inviteForErr(d, 1, "alice"))
		mustSeed(t, d, insInvite(1, 1, 3, 1, "alice"))
		if got := inviteFor(t, d, 1, "alice").Sid; got != sid("IN", 3) {
			t.Errorf("InviteFor(alice) = %s, want IN 3", got)
		}
	})
}

func TestDuplicateSidIsTaken(t *testing.T) {
	base := []op{insService(1), insRole(1, 1), insUser(1, 1, "alice"), insChannel(1, 1, model.ChannelPublic, ""),
		insMember(1, 1, 1, 1, "alice"), insInvite(1, 1, 1, 1, "alice"), appendMsg(1, 1, 1)}
	cases := []struct {
		name string
		dup  op
	}{
		{"InsertService", insService(1)},
		{"InsertRole", insRole(1, 1)},
		{"InsertUser", insUser(1, 1, "other")},
		{"InsertChannel", insChannel(1, 1, model.ChannelPrivate, "other")},
		{"InsertMember", insMember(1, 1, 1, 1, "other")},
		{"InsertInvite", insInvite(1, 1, 1, 1, "other")},
		{"AppendMessage", appendMsg(1, 1, 1)},
	}
	for _, tc := range cases {
		t.Run(tc.name+" with a taken SID returns TakenError and writes nothing", func(t *testing.T) {
			d := newDB(t)
			mustSeed(t, d, base...)
			before := rawDump(t, d)
			wantTaken(t, tc.name, tryOp(t, d, tc.dup), "sid")
			wantUnchanged(t, d, before)
		})
	}
}

func TestMemberCounts(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""),
			insUser(1, 1, "alice"), insUser(1, 2, "bob"))
		return d
	}
	counts := func(t *testing.T, d *DB) (ch1, ch2, alice, bob int) {
		t.Helper()
		return mustChannel(t, d, 1, sid("CH", 1)).MembersCount, mustChannel(t, d, 1, sid("CH", 2)).MembersCount,
			mustUser(t, d, 1, "alice").JoinedChannelsCount, mustUser(t, d, 1, "bob").JoinedChannelsCount
	}
	links := func(t *testing.T, d *DB, user int) []model.UserChannelLink {
		t.Helper()
		return mustRead(t, d, func(tx model.Tx) ([]model.UserChannelLink, error) {
			return tx.UserChannels(sid("IS", 1), sid("US", user), model.Window{})
		})
	}

	t.Run("InsertMember bumps both counts and links the user", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insMember(1, 1, 1, 1, "alice"))
		if c1, c2, a, b := counts(t, d); c1 != 1 || c2 != 0 || a != 1 || b != 0 {
			t.Errorf("counts CH1=%d CH2=%d alice=%d bob=%d, want 1 0 1 0", c1, c2, a, b)
		}
		want := model.UserChannelLink{ChannelSid: sid("CH", 1), MemberSid: sid("MB", 1)}
		if got := mustLink(t, d, 1, 1, 1); got != want {
			t.Errorf("UserChannel = %+v, want %+v", got, want)
		}
		if got := links(t, d, 1); !slices.Equal(got, []model.UserChannelLink{want}) {
			t.Errorf("UserChannels = %+v, want [%+v]", got, want)
		}
	})
	t.Run("counts add up over channels and users", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insMember(1, 1, 1, 1, "alice"), insMember(1, 2, 2, 1, "alice"), insMember(1, 1, 3, 2, "bob"))
		if c1, c2, a, b := counts(t, d); c1 != 2 || c2 != 1 || a != 2 || b != 1 {
			t.Errorf("counts CH1=%d CH2=%d alice=%d bob=%d, want 2 1 2 1", c1, c2, a, b)
		}
	})
	t.Run("DeleteMember reverses the counts and the link", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insMember(1, 1, 1, 1, "alice"), insMember(1, 2, 2, 1, "alice"), insMember(1, 1, 3, 2, "bob"))
		mustSeed(t, d, delMember(1, 1, 1))
		if c1, c2, a, b := counts(t, d); c1 != 1 || c2 != 1 || a != 1 || b != 1 {
			t.Errorf("counts CH1=%d CH2=%d alice=%d bob=%d, want 1 1 1 1", c1, c2, a, b)
		}
		wantNotFound(t, "UserChannel(alice, CH 1)", viewErr(d, func(tx model.Tx) error {
			_, err := tx.UserChannel(sid("IS", 1), sid("US", 1), sid("CH", 1))
			return err
		}))
		want := []model.UserChannelLink{{ChannelSid: sid("CH", 2), MemberSid: sid("MB", 2)}}
		if got := links(t, d, 1); !slices.Equal(got, want) {
			t.Errorf("UserChannels(alice) = %+v, want %+v", got, want)
		}
	})
	t.Run("a user without links lists none", func(t *testing.T) {
		d := setup(t)
		if got := links(t, d, 2); len(got) != 0 {
			t.Errorf("UserChannels(bob) = %+v, want none", got)
		}
		if got := links(t, d, 9); len(got) != 0 {
			t.Errorf("UserChannels(unknown user) = %+v, want none", got)
		}
	})
}

func TestInviteLinks(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insUser(1, 1, "alice"))
		return d
	}
	linkErr := func(d *DB) error {
		return viewErr(d, func(tx model.Tx) error {
			_, err := tx.UserChannel(sid("IS", 1), sid("US", 1), sid("CH", 1))
			return err
		})
	}
	member := model.UserChannelLink{ChannelSid: sid("CH", 1), MemberSid: sid("MB", 1)}
	invite := model.UserChannelLink{ChannelSid: sid("CH", 1), InviteSid: sid("IN", 1)}
	both := model.UserChannelLink{ChannelSid: sid("CH", 1), MemberSid: sid("MB", 1), InviteSid: sid("IN", 1)}

	t.Run("InsertInvite links the user without counting a membership", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insInvite(1, 1, 1, 1, "alice"))
		if got := mustLink(t, d, 1, 1, 1); got != invite {
			t.Errorf("UserChannel = %+v, want %+v", got, invite)
		}
		if n := mustChannel(t, d, 1, sid("CH", 1)).MembersCount; n != 0 {
			t.Errorf("MembersCount = %d, want 0", n)
		}
		if n := mustUser(t, d, 1, "alice").JoinedChannelsCount; n != 0 {
			t.Errorf("JoinedChannelsCount = %d, want 0", n)
		}
	})
	t.Run("DeleteInvite removes the link", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, insInvite(1, 1, 1, 1, "alice"))
		mustSeed(t, d, delInvite(1, 1, 1))
		wantNotFound(t, "UserChannel", linkErr(d))
		wantNotFound(t, "Invite", viewErr(d, func(tx model.Tx) error {
			_, err := tx.Invite(sid("IS", 1), sid("CH", 1), sid("IN", 1))
			return err
		}))
	})

	orders := []struct {
		name        string
		first, then op
		left        model.UserChannelLink
	}{
		{"member deleted first", delMember(1, 1, 1), delInvite(1, 1, 1), invite},
		{"invite deleted first", delInvite(1, 1, 1), delMember(1, 1, 1), member},
	}
	for _, tc := range orders {
		t.Run("a link with a member and an invite goes when both are gone, "+tc.name, func(t *testing.T) {
			d := setup(t)
			mustSeed(t, d, insMember(1, 1, 1, 1, "alice"), insInvite(1, 1, 1, 1, "alice"))
			if got := mustLink(t, d, 1, 1, 1); got != both {
				t.Errorf("UserChannel = %+v, want %+v", got, both)
			}
			mustSeed(t, d, tc.first)
			if got := mustLink(t, d, 1, 1, 1); got != tc.left {
				t.Errorf("after the first delete UserChannel = %+v, want %+v", got, tc.left)
			}
			mustSeed(t, d, tc.then)
			wantNotFound(t, "UserChannel after both deletes", linkErr(d))
		})
	}
}

func TestStoredDerivedCountsWin(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insUser(1, 1, "alice"),
			insMember(1, 1, 1, 1, "alice"), appendMsg(1, 1, 1), appendMsg(1, 1, 2))
		return d
	}
	t.Run("PutChannel keeps the stored counts", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, func(tx model.Tx) error {
			c := newChannel(1, 1, model.ChannelPublic, "")
			c.FriendlyName = ptr("renamed")
			c.MembersCount, c.MessagesCount, c.LastMessageSid = 42, 42, sid("IM", 42)
			return tx.PutChannel(c)
		})
		c := mustChannel(t, d, 1, sid("CH", 1))
		if deref(c.FriendlyName) != "renamed" || c.MembersCount != 1 || c.MessagesCount != 2 || c.LastMessageSid != sid("IM", 2) {
			t.Errorf("channel = %+v, want renamed with 1 member, 2 messages, last IM 2", c)
		}
	})
	t.Run("PutUser keeps the stored JoinedChannelsCount", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, func(tx model.Tx) error {
			u := newUser(1, 1, "alice")
			u.FriendlyName = ptr("Alice")
			u.JoinedChannelsCount = 42
			return tx.PutUser(u)
		})
		u := mustUser(t, d, 1, "alice")
		if deref(u.FriendlyName) != "Alice" || u.JoinedChannelsCount != 1 {
			t.Errorf("user = %+v, want named Alice with 1 joined channel", u)
		}
	})
	t.Run("InsertChannel starts the counts at zero", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, func(tx model.Tx) error {
			c := newChannel(1, 2, model.ChannelPublic, "")
			c.MembersCount, c.MessagesCount, c.LastMessageSid = 5, 5, sid("IM", 5)
			return tx.InsertChannel(c)
		})
		if c := mustChannel(t, d, 1, sid("CH", 2)); c.MembersCount != 0 || c.MessagesCount != 0 || c.LastMessageSid != "" {
			t.Errorf("new channel counts = %d %d %q, want 0 0 \"\"", c.MembersCount, c.MessagesCount, c.LastMessageSid)
		}
	})
	t.Run("InsertUser starts JoinedChannelsCount at zero", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, func(tx model.Tx) error {
			u := newUser(1, 2, "bob")
			u.JoinedChannelsCount = 5
			return tx.InsertUser(u)
		})
		if n := mustUser(t, d, 1, "bob").JoinedChannelsCount; n != 0 {
			t.Errorf("new user JoinedChannelsCount = %d, want 0", n)
		}
	})
}

func TestAppendMessage(t *testing.T) {
	setup := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""))
		return d
	}
	messages := func(t *testing.T, d *DB, ch int) []*model.Message {
		t.Helper()
		return mustRead(t, d, func(tx model.Tx) ([]*model.Message, error) {
			return tx.Messages(sid("IS", 1), sid("CH", ch), model.Window{})
		})
	}

	t.Run("indexes are 0, 1, 2 in append order", func(t *testing.T) {
		d := setup(t)
		assigned := make([]int, 3)
		mustUpdate(t, d, func(tx model.Tx) error {
			for i := range 3 {
				m := newMessage(1, 1, i+1)
				m.Index = 99
				if err := tx.AppendMessage(m); err != nil {
					return err
				}
				assigned[i] = m.Index
			}
			return nil
		})
		if !slices.Equal(assigned, []int{0, 1, 2}) {
			t.Errorf("AppendMessage set m.Index to %v, want [0 1 2]", assigned)
		}
		ms := messages(t, d, 1)
		if got := indexes(ms); !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf("stored indexes = %v, want [0 1 2]", got)
		}
		if got := sids(ms, func(m *model.Message) string { return m.Sid }); !slices.Equal(got, []string{sid("IM", 1), sid("IM", 2), sid("IM", 3)}) {
			t.Errorf("message SIDs = %v, want IM 1..3", got)
		}
	})
	t.Run("MessagesCount and LastMessageSid follow appends", func(t *testing.T) {
		d := setup(t)
		for n := 1; n <= 3; n++ {
			mustSeed(t, d, appendMsg(1, 1, n))
			c := mustChannel(t, d, 1, sid("CH", 1))
			if c.MessagesCount != n || c.LastMessageSid != sid("IM", n) {
				t.Errorf("after append %d: MessagesCount = %d, LastMessageSid = %s; want %d, IM %d", n, c.MessagesCount, c.LastMessageSid, n, n)
			}
		}
	})
	t.Run("each channel has its own indexes", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 2, 3))
		if got := indexes(messages(t, d, 2)); !slices.Equal(got, []int{0}) {
			t.Errorf("CH 2 indexes = %v, want [0]", got)
		}
	})
	t.Run("an index is never reused after deleting the newest", func(t *testing.T) {
		d := setup(t)
		mustSeed(t, d, appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 1, 3))
		mustSeed(t, d, delMsg(1, 1, 3))
		mustSeed(t, d, appendMsg(1, 1, 4))
		if got := indexes(messages(t, d, 1)); !slices.Equal(got, []int{0, 1, 3}) {
			t.Errorf("indexes = %v, want [0 1 3]", got)
		}
		mustSeed(t, d, delMsg(1, 1, 1), delMsg(1, 1, 2), delMsg(1, 1, 4))
		mustSeed(t, d, appendMsg(1, 1, 5))
		if got := indexes(messages(t, d, 1)); !slices.Equal(got, []int{4}) {
			t.Errorf("indexes after emptying the channel = %v, want [4]", got)
		}
	})
}

func TestDeleteMessage(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""),
		appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 1, 3), appendMsg(1, 1, 4))
	// Steps run in order on one channel.
	steps := []struct {
		name     string
		del      int
		count    int
		last     string
		indexesL []int
	}{
		{"deleting the newest moves LastMessageSid back", 4, 3, sid("IM", 3), []int{0, 1, 2}},
		{"deleting a middle message keeps LastMessageSid", 2, 2, sid("IM", 3), []int{0, 2}},
		{"deleting the newest again moves LastMessageSid over the gap", 3, 1, sid("IM", 1), []int{0}},
		{"deleting the last message clears LastMessageSid", 1, 0, "", nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			mustSeed(t, d, delMsg(1, 1, s.del))
			c := mustChannel(t, d, 1, sid("CH", 1))
			if c.MessagesCount != s.count || c.LastMessageSid != s.last {
				t.Errorf("MessagesCount = %d, LastMessageSid = %q; want %d, %q", c.MessagesCount, c.LastMessageSid, s.count, s.last)
			}
			ms := mustRead(t, d, func(tx model.Tx) ([]*model.Message, error) {
				return tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{})
			})
			if got := indexes(ms); !slices.Equal(got, s.indexesL) {
				t.Errorf("indexes = %v, want %v", got, s.indexesL)
			}
			wantNotFound(t, "Message(deleted)", viewErr(d, func(tx model.Tx) error {
				_, err := tx.Message(sid("IS", 1), sid("CH", 1), sid("IM", s.del))
				return err
			}))
		})
	}
	t.Run("deleting a deleted message is not found", func(t *testing.T) {
		before := rawDump(t, d)
		wantNotFound(t, "DeleteMessage", tryOp(t, d, delMsg(1, 1, 1)))
		wantUnchanged(t, d, before)
	})
}

func TestPutMessage(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""), appendMsg(1, 1, 1), appendMsg(1, 1, 2))
	t.Run("PutMessage keeps the index when the caller changes it", func(t *testing.T) {
		mustSeed(t, d, func(tx model.Tx) error {
			m := newMessage(1, 1, 1)
			m.Index, m.Body, m.WasEdited = 7, "edited", true
			return tx.PutMessage(m)
		})
		m := mustRead(t, d, func(tx model.Tx) (*model.Message, error) {
			return tx.Message(sid("IS", 1), sid("CH", 1), sid("IM", 1))
		})
		if m.Index != 0 || m.Body != "edited" || !m.WasEdited {
			t.Errorf("message = %+v, want index 0 with the edited body", m)
		}
		ms := mustRead(t, d, func(tx model.Tx) ([]*model.Message, error) {
			return tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{})
		})
		if got := indexes(ms); !slices.Equal(got, []int{0, 1}) || ms[0].Body != "edited" {
			t.Errorf("messages = %v (first body %q), want [0 1] with the first edited", got, ms[0].Body)
		}
		if got := len(rawBucket(t, d, "services", sid("IS", 1), "channel_data", sid("CH", 1), "messages")); got != 2 {
			t.Errorf("%d message records, want 2", got)
		}
		if c := mustChannel(t, d, 1, sid("CH", 1)); c.MessagesCount != 2 || c.LastMessageSid != sid("IM", 2) {
			t.Errorf("channel counts = %d %s, want 2 IM 2", c.MessagesCount, c.LastMessageSid)
		}
	})
	t.Run("PutMessage of an unknown message is not found", func(t *testing.T) {
		before := rawDump(t, d)
		wantNotFound(t, "PutMessage", tryOp(t, d, func(tx model.Tx) error { return tx.PutMessage(newMessage(1, 1, 9)) }))
		wantUnchanged(t, d, before)
	})
	t.Run("a window After that is not a decimal index is an error", func(t *testing.T) {
		for _, after := range []string{"abc", "-1", sid("IM", 1)} {
			err := viewErr(d, func(tx model.Tx) error {
				_, err := tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{After: after})
				return err
			})
			if err == nil {
				t.Errorf("Messages(After %q) succeeded, want an error", after)
			}
		}
	})
}

func TestCountMessagesAfter(t *testing.T) {
	d := newDB(t)
	ops := []op{insService(1)}
	// addChannel appends n messages to channel ch (SIDs ch*100+i) and then
	// deletes the ones at the given indexes.
	addChannel := func(ch, n int, deleted ...int) {
		ops = append(ops, insChannel(1, ch, model.ChannelPublic, ""))
		for i := range n {
			ops = append(ops, appendMsg(1, ch, ch*100+i))
		}
		for _, i := range deleted {
			ops = append(ops, delMsg(1, ch, ch*100+i))
		}
	}
	const (
		plain    = 1 // indexes 0..4
		gaps     = 2 // 0 1 3 4 6 7 8 remain of 0..9
		empty    = 3
		emptied  = 4 // 0..2, all deleted
		gapFirst = 5 // 1 2 3 remain of 0..3
	)
	addChannel(plain, 5)
	addChannel(gaps, 10, 2, 5, 9)
	addChannel(empty, 0)
	addChannel(emptied, 3, 0, 1, 2)
	addChannel(gapFirst, 4, 0)
	mustSeed(t, d, ops...)

	cases := []struct {
		name  string
		ch    int
		index int
		want  int
	}{
		{"no gaps, index -1 counts all", plain, -1, 5},
		{"no gaps, below -1 counts all", plain, -7, 5},
		{"no gaps, after the first", plain, 0, 4},
		{"no gaps, in the middle", plain, 2, 2},
		{"no gaps, at the last", plain, 4, 0},
		{"no gaps, beyond the last", plain, 100, 0},
		{"gaps, index -1 counts the remaining", gaps, -1, 7},
		{"gaps, after the first", gaps, 0, 6},
		{"gaps, just before a gap", gaps, 1, 5},
		{"gaps, at a deleted index", gaps, 2, 5},
		{"gaps, between gaps", gaps, 3, 4},
		{"gaps, at another deleted index", gaps, 5, 3},
		{"gaps, at the newest remaining", gaps, 8, 0},
		{"gaps, at the deleted newest", gaps, 9, 0},
		{"gaps, beyond the last", gaps, 10, 0},
		{"empty channel, index -1", empty, -1, 0},
		{"empty channel, index 0", empty, 0, 0},
		{"emptied channel, index -1", emptied, -1, 0},
		{"emptied channel, index 0", emptied, 0, 0},
		{"deleted first message, index -1", gapFirst, -1, 3},
		{"deleted first message, at it", gapFirst, 0, 3},
		{"deleted first message, after the next", gapFirst, 1, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustRead(t, d, func(tx model.Tx) (int, error) {
				return tx.CountMessagesAfter(sid("IS", 1), sid("CH", tc.ch), tc.index)
			})
			if got != tc.want {
				t.Errorf("CountMessagesAfter(CH %d, %d) = %d, want %d", tc.ch, tc.index, got, tc.want)
			}
			// The table agrees with counting the messages themselves.
			ms := mustRead(t, d, func(tx model.Tx) ([]*model.Message, error) {
				return tx.Messages(sid("IS", 1), sid("CH", tc.ch), model.Window{})
			})
			n := 0
			for _, m := range ms {
				if m.Index > tc.index {
					n++
				}
			}
			if n != tc.want {
				t.Errorf("table is wrong: %d messages of CH %d are after %d, table says %d", n, tc.ch, tc.index, tc.want)
			}
		})
	}
}

func TestDeleteChannelTree(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1),
		insUser(1, 1, "alice"), insUser(1, 2, "bob"), insUser(1, 3, "carol"),
		insChannel(1, 1, model.ChannelPrivate, "room"), insChannel(1, 2, model.ChannelPublic, "other"),
		insMember(1, 1, 1, 1, "alice"), insMember(1, 1, 2, 2, "bob"), insMember(1, 2, 3, 1, "alice"),
		insInvite(1, 1, 1, 3, "carol"), insInvite(1, 1, 2, 1, "alice"),
		appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 2, 3),
	)
	mustSeed(t, d, delChannel(1, 1))
	svc, ch := sid("IS", 1), sid("CH", 1)

	t.Run("the channel is gone by SID and by unique name", func(t *testing.T) {
		for _, key := range []string{ch, "room"} {
			wantNotFound(t, "Channel("+key+")", viewErr(d, func(tx model.Tx) error { _, err := tx.Channel(svc, key); return err }))
		}
	})
	t.Run("its members, messages and invites are gone", func(t *testing.T) {
		reads := map[string]func(tx model.Tx) error{
			"Members":            func(tx model.Tx) error { _, err := tx.Members(svc, ch, model.Window{}); return err },
			"Member":             func(tx model.Tx) error { _, err := tx.Member(svc, ch, "alice"); return err },
			"Messages":           func(tx model.Tx) error { _, err := tx.Messages(svc, ch, model.Window{}); return err },
			"Message":            func(tx model.Tx) error { _, err := tx.Message(svc, ch, sid("IM", 1)); return err },
			"CountMessagesAfter": func(tx model.Tx) error { _, err := tx.CountMessagesAfter(svc, ch, -1); return err },
			"Invites":            func(tx model.Tx) error { _, err := tx.Invites(svc, ch, model.Window{}); return err },
			"Invite":             func(tx model.Tx) error { _, err := tx.Invite(svc, ch, sid("IN", 1)); return err },
			"InviteFor":          func(tx model.Tx) error { _, err := tx.InviteFor(svc, ch, "carol"); return err },
		}
		for name, read := range reads {
			wantNotFound(t, name, viewErr(d, read))
		}
		data := rawBucket(t, d, "services", svc, "channel_data")
		if _, ok := data[ch]; ok || len(data) != 1 {
			t.Errorf("channel_data holds %v, want only CH 2", slices.Sorted(maps.Keys(data)))
		}
	})
	t.Run("the members' JoinedChannelsCount drops", func(t *testing.T) {
		for identity, want := range map[string]int{"alice": 1, "bob": 0, "carol": 0} {
			if got := mustUser(t, d, 1, identity).JoinedChannelsCount; got != want {
				t.Errorf("%s JoinedChannelsCount = %d, want %d", identity, got, want)
			}
		}
	})
	t.Run("the links to the channel are gone", func(t *testing.T) {
		for user := 1; user <= 3; user++ {
			wantNotFound(t, fmt.Sprintf("UserChannel(US %d, CH 1)", user), viewErr(d, func(tx model.Tx) error {
				_, err := tx.UserChannel(svc, sid("US", user), ch)
				return err
			}))
		}
		got := mustRead(t, d, func(tx model.Tx) ([]model.UserChannelLink, error) {
			return tx.UserChannels(svc, sid("US", 1), model.Window{})
		})
		want := []model.UserChannelLink{{ChannelSid: sid("CH", 2), MemberSid: sid("MB", 3)}}
		if !slices.Equal(got, want) {
			t.Errorf("UserChannels(alice) = %+v, want %+v", got, want)
		}
	})
	t.Run("the unique name and type index entries are gone", func(t *testing.T) {
		if got, want := rawBucket(t, d, "services", svc, "channel_names"), map[string]string{"other": sid("CH", 2)}; !maps.Equal(got, want) {
			t.Errorf("channel_names = %v, want %v", got, want)
		}
		if got := rawBucket(t, d, "services", svc, "channel_types", model.ChannelPrivate); len(got) != 0 {
			t.Errorf("channel_types/private = %v, want empty", got)
		}
		cs := mustRead(t, d, func(tx model.Tx) ([]*model.Channel, error) {
			return tx.Channels(svc, []string{model.ChannelPrivate}, model.Window{})
		})
		if len(cs) != 0 {
			t.Errorf("Channels(private) lists %d channels, want none", len(cs))
		}
	})
	t.Run("other channels are untouched", func(t *testing.T) {
		c := mustChannel(t, d, 1, "other")
		if c.MembersCount != 1 || c.MessagesCount != 1 || c.LastMessageSid != sid("IM", 3) {
			t.Errorf("CH 2 = %+v, want 1 member and 1 message", c)
		}
	})
	t.Run("the unique name can be taken again", func(t *testing.T) {
		mustSeed(t, d, insChannel(1, 3, model.ChannelPrivate, "room"))
		if got := mustChannel(t, d, 1, "room").Sid; got != sid("CH", 3) {
			t.Errorf("room resolves to %s, want CH 3", got)
		}
	})
	t.Run("deleting it again is not found", func(t *testing.T) {
		wantNotFound(t, "DeleteChannelTree", tryOp(t, d, delChannel(1, 1)))
	})
}

func TestDeleteUserTree(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1),
		insUser(1, 1, "alice"), insUser(1, 2, "bob"),
		insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""), insChannel(1, 3, model.ChannelPublic, ""),
		insMember(1, 1, 1, 1, "alice"), insMember(1, 2, 2, 1, "alice"), insMember(1, 1, 3, 2, "bob"),
		insInvite(1, 3, 1, 1, "alice"), insInvite(1, 3, 2, 2, "bob"), insInvite(1, 1, 3, 1, "alice"),
	)
	mustSeed(t, d, delUser(1, 1))
	svc := sid("IS", 1)

	t.Run("the user is gone by SID and by identity", func(t *testing.T) {
		for _, key := range []string{sid("US", 1), "alice"} {
			wantNotFound(t, "User("+key+")", viewErr(d, func(tx model.Tx) error { _, err := tx.User(svc, key); return err }))
		}
	})
	t.Run("its memberships are gone and the channels' MembersCount drops", func(t *testing.T) {
		for ch, want := range map[int]int{1: 1, 2: 0, 3: 0} {
			if got := mustChannel(t, d, 1, sid("CH", ch)).MembersCount; got != want {
				t.Errorf("CH %d MembersCount = %d, want %d", ch, got, want)
			}
		}
		for _, key := range []string{"alice", sid("MB", 1)} {
			wantNotFound(t, "Member("+key+")", viewErr(d, func(tx model.Tx) error {
				_, err := tx.Member(svc, sid("CH", 1), key)
				return err
			}))
		}
		ms := mustRead(t, d, func(tx model.Tx) ([]*model.Member, error) { return tx.Members(svc, sid("CH", 1), model.Window{}) })
		if got := sids(ms, func(m *model.Member) string { return m.Sid }); !slices.Equal(got, []string{sid("MB", 3)}) {
			t.Errorf("CH 1 members = %v, want [MB 3]", got)
		}
	})
	t.Run("its invites are gone", func(t *testing.T) {
		wantNotFound(t, "InviteFor(alice)", viewErr(d, func(tx model.Tx) error {
			_, err := tx.InviteFor(svc, sid("CH", 3), "alice")
			return err
		}))
		for ch, invites := range map[int][]string{1: nil, 3: {sid("IN", 2)}} {
			is := mustRead(t, d, func(tx model.Tx) ([]*model.Invite, error) { return tx.Invites(svc, sid("CH", ch), model.Window{}) })
			if got := sids(is, func(in *model.Invite) string { return in.Sid }); !slices.Equal(got, invites) {
				t.Errorf("CH %d invites = %v, want %v", ch, got, invites)
			}
		}
	})
	t.Run("its links are gone", func(t *testing.T) {
		ls := mustRead(t, d, func(tx model.Tx) ([]model.UserChannelLink, error) {
			return tx.UserChannels(svc, sid("US", 1), model.Window{})
		})
		if len(ls) != 0 {
			t.Errorf("UserChannels(alice) = %+v, want none", ls)
		}
		if b := rawBucket(t, d, "services", svc, "user_channels", sid("US", 1)); b != nil {
			t.Errorf("user_channels still has a bucket for alice: %v", b)
		}
	})
	t.Run("other users are untouched", func(t *testing.T) {
		if n := mustUser(t, d, 1, "bob").JoinedChannelsCount; n != 1 {
			t.Errorf("bob JoinedChannelsCount = %d, want 1", n)
		}
		ls := mustRead(t, d, func(tx model.Tx) ([]model.UserChannelLink, error) {
			return tx.UserChannels(svc, sid("US", 2), model.Window{})
		})
		want := []model.UserChannelLink{
			{ChannelSid: sid("CH", 1), MemberSid: sid("MB", 3)},
			{ChannelSid: sid("CH", 3), InviteSid: sid("IN", 2)},
		}
		if !slices.Equal(ls, want) {
			t.Errorf("UserChannels(bob) = %+v, want %+v", ls, want)
		}
	})
	t.Run("the identities are free", func(t *testing.T) {
		if got, want := rawBucket(t, d, "services", svc, "user_identities"), map[string]string{"bob": sid("US", 2)}; !maps.Equal(got, want) {
			t.Errorf("user_identities = %v, want %v", got, want)
		}
		mustSeed(t, d, insUser(1, 4, "alice"), insMember(1, 1, 4, 4, "alice"), insInvite(1, 3, 4, 4, "alice"))
		if got := mustUser(t, d, 1, "alice"); got.Sid != sid("US", 4) || got.JoinedChannelsCount != 1 {
			t.Errorf("new alice = %+v, want US 4 with 1 joined channel", got)
		}
	})
	t.Run("deleting it again is not found", func(t *testing.T) {
		wantNotFound(t, "DeleteUserTree", tryOp(t, d, delUser(1, 1)))
	})
}

// lookups are one call of every Tx read under (service, channel); each is
// expected to fail with ErrNotFound when that parent is missing.
func lookups(service, channel string) map[string]func(model.Tx) error {
	return map[string]func(model.Tx) error{
		"Service":  func(tx model.Tx) error { _, err := tx.Service(service); return err },
		"Role":     func(tx model.Tx) error { _, err := tx.Role(service, sid("RL", 1)); return err },
		"Roles":    func(tx model.Tx) error { _, err := tx.Roles(service, model.Window{}); return err },
		"User":     func(tx model.Tx) error { _, err := tx.User(service, "alice"); return err },
		"Users":    func(tx model.Tx) error { _, err := tx.Users(service, model.Window{}); return err },
		"Channel":  func(tx model.Tx) error { _, err := tx.Channel(service, channel); return err },
		"Channels": func(tx model.Tx) error { _, err := tx.Channels(service, nil, model.Window{}); return err },
		"Channels(type)": func(tx model.Tx) error {
			_, err := tx.Channels(service, []string{model.ChannelPublic}, model.Window{})
			return err
		},
		"Member":             func(tx model.Tx) error { _, err := tx.Member(service, channel, "alice"); return err },
		"Members":            func(tx model.Tx) error { _, err := tx.Members(service, channel, model.Window{}); return err },
		"Message":            func(tx model.Tx) error { _, err := tx.Message(service, channel, sid("IM", 1)); return err },
		"Messages":           func(tx model.Tx) error { _, err := tx.Messages(service, channel, model.Window{}); return err },
		"CountMessagesAfter": func(tx model.Tx) error { _, err := tx.CountMessagesAfter(service, channel, -1); return err },
		"Invite":             func(tx model.Tx) error { _, err := tx.Invite(service, channel, sid("IN", 1)); return err },
		"InviteFor":          func(tx model.Tx) error { _, err := tx.InviteFor(service, channel, "alice"); return err },
		"Invites":            func(tx model.Tx) error { _, err := tx.Invites(service, channel, model.Window{}); return err },
		"UserChannels":       func(tx model.Tx) error { _, err := tx.UserChannels(service, sid("US", 1), model.Window{}); return err },
		"UserChannel":        func(tx model.Tx) error { _, err := tx.UserChannel(service, sid("US", 1), channel); return err },
	}
}

// writes are one call of every Tx write under service svc and channel ch;
// each is expected to fail with ErrNotFound when that parent is missing.
func writes(svc, ch int) map[string]op {
	s := sid("IS", svc)
	return map[string]op{
		"PutService":        func(tx model.Tx) error { return tx.PutService(newService(svc)) },
		"DeleteServiceTree": delService(svc),
		"InsertRole":        insRole(svc, 1),
		"PutRole":           func(tx model.Tx) error { return tx.PutRole(newRole(svc, 1)) },
		"DeleteRole":        func(tx model.Tx) error { return tx.DeleteRole(s, sid("RL", 1)) },
		"InsertUser":        insUser(svc, 1, "alice"),
		"PutUser":           func(tx model.Tx) error { return tx.PutUser(newUser(svc, 1, "alice")) },
		"DeleteUserTree":    delUser(svc, 1),
		"InsertChannel":     insChannel(svc, ch, model.ChannelPublic, "name"),
		"PutChannel":        func(tx model.Tx) error { return tx.PutChannel(newChannel(svc, ch, model.ChannelPublic, "")) },
		"DeleteChannelTree": delChannel(svc, ch),
		"InsertMember":      insMember(svc, ch, 1, 1, "alice"),
		"PutMember":         func(tx model.Tx) error { return tx.PutMember(newMember(svc, ch, 1, 1, "alice")) },
		"DeleteMember":      delMember(svc, ch, 1),
		"AppendMessage":     appendMsg(svc, ch, 1),
		"PutMessage":        func(tx model.Tx) error { return tx.PutMessage(newMessage(svc, ch, 1)) },
		"DeleteMessage":     delMsg(svc, ch, 1),
		"InsertInvite":      insInvite(svc, ch, 1, 1, "alice"),
		"DeleteInvite":      delInvite(svc, ch, 1),
	}
}

func TestMissingParentIsNotFound(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insUser(1, 1, "alice"), insChannel(1, 1, model.ChannelPublic, ""))
	before := rawDump(t, d)

	t.Run("reads under a missing service", func(t *testing.T) {
		for name, read := range lookups(sid("IS", 9), sid("CH", 1)) {
			wantNotFound(t, name, viewErr(d, read))
		}
	})
	t.Run("writes under a missing service", func(t *testing.T) {
		for name, write := range writes(9, 1) {
			wantNotFound(t, name, tryOp(t, d, write))
		}
		wantUnchanged(t, d, before)
	})
	t.Run("reads under a missing channel", func(t *testing.T) {
		channelScoped := []string{"Channel", "Member", "Members", "Message", "Messages", "CountMessagesAfter",
			"Invite", "InviteFor", "Invites", "UserChannel"}
		reads := lookups(sid("IS", 1), sid("CH", 9))
		for _, name := range channelScoped {
			wantNotFound(t, name, viewErr(d, reads[name]))
		}
	})
	t.Run("writes under a missing channel", func(t *testing.T) {
		channelScoped := []string{"PutChannel", "DeleteChannelTree", "InsertMember", "PutMember", "DeleteMember",
			"AppendMessage", "PutMessage", "DeleteMessage", "InsertInvite", "DeleteInvite"}
		ws := writes(1, 9)
		for _, name := range channelScoped {
			wantNotFound(t, name, tryOp(t, d, ws[name]))
		}
		wantUnchanged(t, d, before)
	})
	t.Run("reads and writes of missing records", func(t *testing.T) {
		reads := lookups(sid("IS", 1), sid("CH", 1))
		for _, name := range []string{"Role", "Member", "Message", "Invite", "InviteFor", "UserChannel"} {
			wantNotFound(t, name, viewErr(d, reads[name]))
		}
		wantNotFound(t, "User(bob)", viewErr(d, func(tx model.Tx) error { _, err := tx.User(sid("IS", 1), "bob"); return err }))
		ws := writes(1, 1)
		for _, name := range []string{"PutRole", "DeleteRole", "PutMember", "DeleteMember", "PutMessage", "DeleteMessage", "DeleteInvite"} {
			wantNotFound(t, name, tryOp(t, d, ws[name]))
		}
		wantNotFound(t, "PutUser", tryOp(t, d, func(tx model.Tx) error { return tx.PutUser(newUser(1, 2, "bob")) }))
		wantNotFound(t, "DeleteUserTree", tryOp(t, d, delUser(1, 2)))
		wantNotFound(t, "PutService", tryOp(t, d, func(tx model.Tx) error { return tx.PutService(newService(2)) }))
		wantUnchanged(t, d, before)
	})
}

func TestDeleteServiceTree(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insRole(1, 1), insUser(1, 1, "alice"),
		insChannel(1, 1, model.ChannelPrivate, "room"), insMember(1, 1, 1, 1, "alice"),
		insInvite(1, 1, 1, 1, "alice"), appendMsg(1, 1, 1),
		insService(2), insChannel(2, 2, model.ChannelPublic, "room"))
	mustSeed(t, d, delService(1))

	t.Run("every lookup under it is not found", func(t *testing.T) {
		for name, read := range lookups(sid("IS", 1), sid("CH", 1)) {
			wantNotFound(t, name, viewErr(d, read))
		}
	})
	t.Run("other services are untouched", func(t *testing.T) {
		ss := mustRead(t, d, func(tx model.Tx) ([]*model.Service, error) { return tx.Services(model.Window{}) })
		if got := sids(ss, func(s *model.Service) string { return s.Sid }); !slices.Equal(got, []string{sid("IS", 2)}) {
			t.Errorf("Services = %v, want [IS 2]", got)
		}
		if got := mustChannel(t, d, 2, "room").Sid; got != sid("CH", 2) {
			t.Errorf("room in IS 2 = %s, want CH 2", got)
		}
	})
	t.Run("deleting it again is not found", func(t *testing.T) {
		wantNotFound(t, "DeleteServiceTree", tryOp(t, d, delService(1)))
	})
	t.Run("the SID can be inserted again and starts empty", func(t *testing.T) {
		mustSeed(t, d, insService(1))
		n := mustRead(t, d, func(tx model.Tx) (int, error) {
			cs, err := tx.Channels(sid("IS", 1), nil, model.Window{})
			if err != nil {
				return 0, err
			}
			us, err := tx.Users(sid("IS", 1), model.Window{})
			return len(cs) + len(us), err
		})
		if n != 0 {
			t.Errorf("re-inserted service holds %d records, want 0", n)
		}
	})
}
