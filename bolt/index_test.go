package bolt

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// The Store contract (package storetest, run by contract_test.go) checks
// indexes through what the Tx reads back. The tests here check what only
// this engine has: the index buckets of schema.go themselves, so that a
// stale entry that no read happens to reach is still caught.

// op is one retry-safe write: it builds its records afresh on every run.
type op = func(model.Tx) error

// Record builders, named by small numbers as in storetest: service n is
// sid("IS", n), channel n of it sid("CH", n), and so on.

func insService(n int) op {
	return func(tx model.Tx) error {
		return tx.InsertService(&model.Service{Sid: sid("IS", n), DateCreated: testNow, DateUpdated: testNow})
	}
}

func insUser(svc, n int, identity string) op {
	return func(tx model.Tx) error {
		return tx.InsertUser(&model.User{Sid: sid("US", n), ServiceSid: sid("IS", svc), Identity: identity,
			Attributes: "{}", RoleSid: sid("RL", 1), DateCreated: testNow, DateUpdated: testNow})
	}
}

func newChannel(svc, n int, typ, uniqueName string) *model.Channel {
	c := &model.Channel{Sid: sid("CH", n), ServiceSid: sid("IS", svc), Attributes: "{}", Type: typ,
		CreatedBy: model.DefaultAuthor, DateCreated: testNow, DateUpdated: testNow}
	if uniqueName != "" {
		c.UniqueName = &uniqueName
	}
	return c
}

func insChannel(svc, n int, typ, uniqueName string) op {
	return func(tx model.Tx) error { return tx.InsertChannel(newChannel(svc, n, typ, uniqueName)) }
}

func insMember(svc, ch, n, user int, identity string) op {
	return func(tx model.Tx) error {
		return tx.InsertMember(&model.Member{Sid: sid("MB", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch),
			UserSid: sid("US", user), Identity: identity, RoleSid: sid("RL", 1), Attributes: "{}",
			NotificationLevel: model.NotificationDefault, DateCreated: testNow, DateUpdated: testNow})
	}
}

func insInvite(svc, ch, n, user int, identity string) op {
	return func(tx model.Tx) error {
		return tx.InsertInvite(&model.Invite{Sid: sid("IN", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch),
			UserSid: sid("US", user), Identity: identity, RoleSid: sid("RL", 1), DateCreated: testNow, DateUpdated: testNow})
	}
}

func newMessage(svc, ch, n int) *model.Message {
	return &model.Message{Sid: sid("IM", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch),
		From: model.DefaultAuthor, Body: fmt.Sprint("message ", n), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
}

func appendMsg(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.AppendMessage(newMessage(svc, ch, n)) }
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

// rawBucket returns the key/value pairs of the bucket at path (nil when it
// does not exist; a sub-bucket's value is ""), read straight from the file.
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

func TestIndexBuckets(t *testing.T) {
	svc := sid("IS", 1)
	pub, priv := model.ChannelPublic, model.ChannelPrivate
	fourChannels := []op{insService(1),
		insChannel(1, 1, pub, ""), insChannel(1, 2, priv, ""), insChannel(1, 3, pub, ""), insChannel(1, 4, priv, "")}
	named := []op{insService(1), insChannel(1, 1, pub, "general")}
	channelTree := []op{insService(1),
		insUser(1, 1, "alice"), insUser(1, 2, "bob"), insUser(1, 3, "carol"),
		insChannel(1, 1, priv, "room"), insChannel(1, 2, pub, "other"),
		insInvite(1, 1, 1, 3, "carol"), insInvite(1, 1, 2, 1, "alice"),
		insMember(1, 1, 1, 1, "alice"), insMember(1, 1, 2, 2, "bob"), insMember(1, 2, 3, 1, "alice"),
		appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 2, 3)}
	userTree := []op{insService(1),
		insUser(1, 1, "alice"), insUser(1, 2, "bob"),
		insChannel(1, 1, pub, ""), insChannel(1, 2, pub, ""), insChannel(1, 3, pub, ""),
		insInvite(1, 3, 1, 1, "alice"), insInvite(1, 3, 2, 2, "bob"), insInvite(1, 1, 3, 1, "alice"),
		insMember(1, 1, 1, 1, "alice"), insMember(1, 2, 2, 1, "alice"), insMember(1, 1, 3, 2, "bob")}
	delChannel1 := func(tx model.Tx) error { return tx.DeleteChannelTree(svc, sid("CH", 1)) }
	delUser1 := func(tx model.Tx) error { return tx.DeleteUserTree(svc, sid("US", 1)) }
	rename := func(name *string) op { return editChannel(1, 1, func(c *model.Channel) { c.UniqueName = name }) }

	cases := []struct {
		name   string
		seed   []op
		change op
		path   []string          // under <IS 1>
		want   map[string]string // nil and empty both mean an empty or missing bucket
		gone   bool              // the bucket must not exist at all
	}{
		{"PutChannel changing the type removes the old type entry", fourChannels,
			editChannel(1, 1, func(c *model.Channel) { c.Type = priv }),
			[]string{"channel_types", pub}, map[string]string{sid("CH", 3): ""}, false},
		{"PutChannel changing the type adds the new type entry", fourChannels,
			editChannel(1, 1, func(c *model.Channel) { c.Type = priv }),
			[]string{"channel_types", priv}, map[string]string{sid("CH", 1): "", sid("CH", 2): "", sid("CH", 4): ""}, false},
		{"PutChannel renaming moves the unique name entry", named, rename(ptr("lobby")),
			[]string{"channel_names"}, map[string]string{"lobby": sid("CH", 1)}, false},
		{"clearing the unique name removes its entry", named, rename(nil),
			[]string{"channel_names"}, nil, false},
		{"PutChannel keeping the name keeps its entry", named,
			editChannel(1, 1, func(c *model.Channel) { c.FriendlyName = ptr("General") }),
			[]string{"channel_names"}, map[string]string{"general": sid("CH", 1)}, false},
		{"DeleteChannelTree removes the unique name entry", channelTree, delChannel1,
			[]string{"channel_names"}, map[string]string{"other": sid("CH", 2)}, false},
		{"DeleteChannelTree removes the type entry", channelTree, delChannel1,
			[]string{"channel_types", priv}, nil, false},
		{"DeleteChannelTree removes the channel's data", channelTree, delChannel1,
			[]string{"channel_data"}, map[string]string{sid("CH", 2): ""}, false},
		{"DeleteUserTree removes the user's links bucket", userTree, delUser1,
			[]string{"user_channels", sid("US", 1)}, nil, true},
		{"DeleteUserTree removes the identity entry", userTree, delUser1,
			[]string{"user_identities"}, map[string]string{"bob": sid("US", 2)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDB(t)
			mustSeed(t, d, tc.seed...)
			mustSeed(t, d, tc.change)
			got := rawBucket(t, d, append([]string{svc}, tc.path...)...)
			if tc.gone && got != nil {
				t.Errorf("%v still exists: %v", tc.path, got)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("%v = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
}

func TestPutMessageKeepsOneRecordPerMessage(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""), appendMsg(1, 1, 1), appendMsg(1, 1, 2))
	mustSeed(t, d, func(tx model.Tx) error {
		m := newMessage(1, 1, 1)
		m.Index, m.Body = 7, "edited"
		return tx.PutMessage(m)
	})
	if got := len(rawBucket(t, d, sid("IS", 1), "channel_messages", sid("CH", 1))); got != 2 {
		t.Errorf("%d message records, want 2", got)
	}
}

// TestMintedMessageSidsNeedNoIndexEntry: a send whose SID the store mints
// writes nothing to messages_by_sid (the SID carries the index); a SID a
// caller gives gets its entry, and loses it with its Message.
func TestMintedMessageSidsNeedNoIndexEntry(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""))
	minted := func(tx model.Tx) error {
		m := newMessage(1, 1, 0)
		m.Sid = ""
		return tx.AppendMessage(m)
	}
	mustSeed(t, d, minted, minted, appendMsg(1, 1, 7), minted)
	path := []string{sid("IS", 1), "channel_data", sid("CH", 1)}
	if got := len(rawBucket(t, d, sid("IS", 1), "channel_messages", sid("CH", 1))); got != 4 {
		t.Errorf("%d message records, want 4", got)
	}
	want := map[string]string{string(messageSidKey(sid("IM", 7))): string(indexKey(2))}
	if got := rawBucket(t, d, append(path, "messages_by_sid")...); !maps.Equal(got, want) {
		t.Errorf("messages_by_sid = %q, want only the given SID's entry %q", got, want)
	}
	mustSeed(t, d, func(tx model.Tx) error { return tx.DeleteMessage(sid("IS", 1), sid("CH", 1), sid("IM", 7)) })
	if got := rawBucket(t, d, append(path, "messages_by_sid")...); len(got) != 0 {
		t.Errorf("messages_by_sid after the delete = %q, want it empty", got)
	}
}

// TestAppendOnlyBucketsFillTheirPages appends Messages and Deliveries in
// many transactions and checks that the pages of their buckets are nearly
// full: bbolt's default would leave them about half empty.
func TestAppendOnlyBucketsFillTheirPages(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""))
	body := strings.Repeat("x", 300)
	for batch := range 20 {
		mustUpdate(t, d, func(tx model.Tx) error {
			for i := range 100 {
				n := batch*100 + i
				m := newMessage(1, 1, n)
				m.Body = body
				if err := tx.AppendMessage(m); err != nil {
					return err
				}
				if err := tx.EnqueueDelivery(&model.Delivery{ServiceSid: sid("IS", 1), Event: "onMessageSent",
					URL: "https://hooks.example.com/" + body, Status: model.DeliveryPending}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err := d.bolt.View(func(btx *bbolt.Tx) error {
		data := btx.Bucket([]byte(sid("IS", 1))).Bucket(bucketChannelData).Bucket([]byte(sid("CH", 1)))
		for name, b := range map[string]*bbolt.Bucket{
			"messages":        btx.Bucket([]byte(sid("IS", 1))).Bucket(bucketChannelMessages).Bucket([]byte(sid("CH", 1))),
			"messages_by_sid": data.Bucket(bucketMessagesBySid),
			"deliveries":      btx.Bucket(bucketDeliveries),
		} {
			s := b.Stats()
			if fill := float64(s.LeafInuse) / float64(s.LeafAlloc); fill < 0.9 {
				t.Errorf("%s: leaf pages %.0f%% in use, want at least 90%%", name, 100*fill)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
