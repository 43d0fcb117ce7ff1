package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/chatd/chatd/model"
)

// windowed is an ordered collection for testWindows: records keyed 1, 2, 4,
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

func testWindows(t *testing.T, e Engine) {
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
		{
			// The same read through PeekMessages.
			name: "PeekMessages", setup: []op{insService(1), insChannel(1, 1, model.ChannelPublic, "")},
			keys: []int{0, 1, 2, 3, 4, 5, 6}, gone: []int{0, 3},
			insert: func(k int) op { return appendMsg(1, 1, k) },
			remove: func(k int) op { return delMsg(1, 1, k) },
			key:    strconv.Itoa,
			list: func(tx model.Tx, w model.Window) ([]string, error) {
				ms, err := tx.PeekMessages(svc, ch, w)
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
			st := e.open(t)
			ops := slices.Clone(c.setup)
			for _, k := range c.keys {
				ops = append(ops, c.insert(k))
			}
			mustSeed(t, st, ops...)
			ops = nil
			for _, k := range c.gone {
				ops = append(ops, c.remove(k))
			}
			mustSeed(t, st, ops...)

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
					got := mustRead(t, st, func(tx model.Tx) ([]string, error) { return c.list(tx, w) })
					if !slices.Equal(got, want) {
						t.Errorf("window %+v = %v, want %v", w, got, want)
					}
				})
			}
		})
	}
}
