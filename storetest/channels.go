package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chatd/chatd/model"
)

func testChannelsByType(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1),
			insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPrivate, ""),
			insChannel(1, 3, model.ChannelPublic, ""), insChannel(1, 4, model.ChannelPrivate, ""))
		return st
	}
	list := func(t *testing.T, st model.Store, svc int, types []string, w model.Window) []string {
		t.Helper()
		cs := mustRead(t, st, func(tx model.Tx) ([]*model.Channel, error) { return tx.Channels(sid("IS", svc), types, w) })
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

	st := setup(t)
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
			if got := list(t, st, 1, tc.types, tc.w); !slices.Equal(got, tc.want) {
				t.Errorf("Channels(%v, %+v) = %v, want %v", tc.types, tc.w, got, tc.want)
			}
		})
	}

	t.Run("a type without channels lists none", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, priv, ""))
		if got := list(t, st, 1, []string{pub}, model.Window{}); len(got) != 0 {
			t.Errorf("Channels(public) = %v, want none", got)
		}
	})
	t.Run("PutChannel changing the type moves the index entry", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, editChannel(1, 1, func(c *model.Channel) { c.Type = priv }))
		if got := list(t, st, 1, []string{pub}, model.Window{}); !slices.Equal(got, chs(3)) {
			t.Errorf("Channels(public) = %v, want %v", got, chs(3))
		}
		if got := list(t, st, 1, []string{priv}, model.Window{}); !slices.Equal(got, chs(1, 2, 4)) {
			t.Errorf("Channels(private) = %v, want %v", got, chs(1, 2, 4))
		}
		if got := mustChannel(t, st, 1, sid("CH", 1)).Type; got != priv {
			t.Errorf("stored Type = %q, want %q", got, priv)
		}
	})
}

func testChannelUniqueName(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, "general"))
		return st
	}
	channelErr := func(st model.Store, key string) error {
		return viewErr(st, func(tx model.Tx) error { _, err := tx.Channel(sid("IS", 1), key); return err })
	}

	t.Run("Channel finds by SID and by unique name", func(t *testing.T) {
		st := setup(t)
		for _, key := range []string{sid("CH", 1), "general"} {
			if got := mustChannel(t, st, 1, key); got.Sid != sid("CH", 1) || model.Deref(got.UniqueName) != "general" {
				t.Errorf("Channel(%s) = %s %q, want CH 1 general", key, got.Sid, model.Deref(got.UniqueName))
			}
		}
		wantNotFound(t, "Channel(unknown name)", channelErr(st, "nope"))
		wantNotFound(t, "Channel(unknown SID)", channelErr(st, sid("CH", 2)))
	})
	t.Run("InsertChannel with a taken unique name returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantTaken(t, "InsertChannel", tryOp(t, st, insChannel(1, 2, model.ChannelPrivate, "general")), "unique_name")
		e.wantUnchanged(t, st, before)
		wantNotFound(t, "Channel(CH 2)", channelErr(st, sid("CH", 2)))
		if got := mustChannel(t, st, 1, "general").Sid; got != sid("CH", 1) {
			t.Errorf("general resolves to %s, want CH 1", got)
		}
	})
	t.Run("PutChannel renames: the old name is freed and the new one found", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, renameChannel(1, 1, ptr("lobby")))
		wantNotFound(t, "Channel(general)", channelErr(st, "general"))
		if got := mustChannel(t, st, 1, "lobby"); got.Sid != sid("CH", 1) {
			t.Errorf("Channel(lobby) = %s, want CH 1", got.Sid)
		}
		mustSeed(t, st, insChannel(1, 2, model.ChannelPublic, "general"))
		if got := mustChannel(t, st, 1, "general").Sid; got != sid("CH", 2) {
			t.Errorf("freed name general resolves to %s, want CH 2", got)
		}
	})
	t.Run("PutChannel to a taken name returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insChannel(1, 2, model.ChannelPublic, "random"))
		before := e.state(t, st)
		wantTaken(t, "PutChannel", tryOp(t, st, renameChannel(1, 2, ptr("general"))), "unique_name")
		e.wantUnchanged(t, st, before)
		if got := mustChannel(t, st, 1, "random").Sid; got != sid("CH", 2) {
			t.Errorf("random resolves to %s, want CH 2", got)
		}
		if got := mustChannel(t, st, 1, "general").Sid; got != sid("CH", 1) {
			t.Errorf("general resolves to %s, want CH 1", got)
		}
	})
	t.Run("clearing the unique name frees it", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, renameChannel(1, 1, nil))
		if got := mustChannel(t, st, 1, sid("CH", 1)).UniqueName; got != nil {
			t.Errorf("UniqueName = %q, want nil", *got)
		}
		wantNotFound(t, "Channel(general)", channelErr(st, "general"))
		mustSeed(t, st, insChannel(1, 2, model.ChannelPublic, "general"))
		if got := mustChannel(t, st, 1, "general").Sid; got != sid("CH", 2) {
			t.Errorf("general resolves to %s, want CH 2", got)
		}
	})
	t.Run("naming a channel that had no unique name", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insChannel(1, 2, model.ChannelPublic, ""), renameChannel(1, 2, ptr("random")))
		if got := mustChannel(t, st, 1, "random").Sid; got != sid("CH", 2) {
			t.Errorf("random resolves to %s, want CH 2", got)
		}
	})
	t.Run("PutChannel keeping the name keeps the index", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, editChannel(1, 1, func(c *model.Channel) { c.FriendlyName = ptr("General") }))
		got := mustChannel(t, st, 1, "general")
		if got.Sid != sid("CH", 1) || model.Deref(got.FriendlyName) != "General" {
			t.Errorf("Channel(general) = %s %q, want CH 1 named General", got.Sid, model.Deref(got.FriendlyName))
		}
	})
	t.Run("a unique name is per service", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insService(2), insChannel(2, 2, model.ChannelPublic, "general"))
		if got := mustChannel(t, st, 2, "general").Sid; got != sid("CH", 2) {
			t.Errorf("general in IS 2 resolves to %s, want CH 2", got)
		}
	})
}

func testStoredDerivedCountsWin(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insUser(1, 1, "alice"),
			insMember(1, 1, 1, 1, "alice"), appendMsg(1, 1, 1), appendMsg(1, 1, 2))
		return st
	}
	t.Run("PutChannel keeps the stored counts", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, func(tx model.Tx) error {
			c := newChannel(1, 1, model.ChannelPublic, "")
			c.FriendlyName = ptr("renamed")
			c.MembersCount, c.MessagesCount, c.LastMessageSid = 42, 42, sid("IM", 42)
			return tx.PutChannel(c)
		})
		c := mustChannel(t, st, 1, sid("CH", 1))
		if model.Deref(c.FriendlyName) != "renamed" || c.MembersCount != 1 || c.MessagesCount != 2 || c.LastMessageSid != sid("IM", 2) {
			t.Errorf("channel = %+v, want renamed with 1 member, 2 messages, last IM 2", c)
		}
	})
	t.Run("PutUser keeps the stored JoinedChannelsCount", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, func(tx model.Tx) error {
			u := newUser(1, 1, "alice")
			u.FriendlyName = ptr("Alice")
			u.JoinedChannelsCount = 42
			return tx.PutUser(u)
		})
		u := mustUser(t, st, 1, "alice")
		if model.Deref(u.FriendlyName) != "Alice" || u.JoinedChannelsCount != 1 {
			t.Errorf("user = %+v, want named Alice with 1 joined channel", u)
		}
	})
	t.Run("InsertChannel starts the counts at zero", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, func(tx model.Tx) error {
			c := newChannel(1, 2, model.ChannelPublic, "")
			c.MembersCount, c.MessagesCount, c.LastMessageSid = 5, 5, sid("IM", 5)
			return tx.InsertChannel(c)
		})
		if c := mustChannel(t, st, 1, sid("CH", 2)); c.MembersCount != 0 || c.MessagesCount != 0 || c.LastMessageSid != "" {
			t.Errorf("new channel counts = %d %d %q, want 0 0 \"\"", c.MembersCount, c.MessagesCount, c.LastMessageSid)
		}
	})
	t.Run("InsertUser starts JoinedChannelsCount at zero", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, func(tx model.Tx) error {
			u := newUser(1, 2, "bob")
			u.JoinedChannelsCount = 5
			return tx.InsertUser(u)
		})
		if n := mustUser(t, st, 1, "bob").JoinedChannelsCount; n != 0 {
			t.Errorf("new user JoinedChannelsCount = %d, want 0", n)
		}
	})
}

func testDeleteChannelTree(t *testing.T, e Engine) {
	st := e.open(t)
	mustSeed(t, st, insService(1),
		insUser(1, 1, "alice"), insUser(1, 2, "bob"), insUser(1, 3, "carol"),
		insChannel(1, 1, model.ChannelPrivate, "room"), insChannel(1, 2, model.ChannelPublic, "other"),
		insInvite(1, 1, 1, 3, "carol"), insInvite(1, 1, 2, 1, "alice"),
		insMember(1, 1, 1, 1, "alice"), insMember(1, 1, 2, 2, "bob"), insMember(1, 2, 3, 1, "alice"),
		appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 2, 3),
	)
	mustSeed(t, st, delChannel(1, 1))
	svc, ch := sid("IS", 1), sid("CH", 1)

	t.Run("the channel is gone by SID and by unique name", func(t *testing.T) {
		for _, key := range []string{ch, "room"} {
			wantNotFound(t, "Channel("+key+")", viewErr(st, func(tx model.Tx) error { _, err := tx.Channel(svc, key); return err }))
		}
		cs := mustRead(t, st, func(tx model.Tx) ([]*model.Channel, error) { return tx.Channels(svc, nil, model.Window{}) })
		if got := sids(cs, func(c *model.Channel) string { return c.Sid }); !slices.Equal(got, []string{sid("CH", 2)}) {
			t.Errorf("Channels = %v, want only CH 2", got)
		}
	})
	t.Run("its members, messages and invites are gone", func(t *testing.T) {
		reads := map[string]func(tx model.Tx) error{
			"Members":            func(tx model.Tx) error { _, err := tx.Members(svc, ch, model.Window{}); return err },
			"Member":             func(tx model.Tx) error { _, err := tx.Member(svc, ch, "alice"); return err },
			"Messages":           func(tx model.Tx) error { _, err := tx.Messages(svc, ch, model.Window{}); return err },
			"PeekMessages":       func(tx model.Tx) error { _, err := tx.PeekMessages(svc, ch, model.Window{}); return err },
			"Message":            func(tx model.Tx) error { _, err := tx.Message(svc, ch, sid("IM", 1)); return err },
			"CountMessagesAfter": func(tx model.Tx) error { _, err := tx.CountMessagesAfter(svc, ch, -1); return err },
			"Invites":            func(tx model.Tx) error { _, err := tx.Invites(svc, ch, model.Window{}); return err },
			"Invite":             func(tx model.Tx) error { _, err := tx.Invite(svc, ch, sid("IN", 1)); return err },
			"InviteFor":          func(tx model.Tx) error { _, err := tx.InviteFor(svc, ch, "carol"); return err },
		}
		for name, read := range reads {
			wantNotFound(t, name, viewErr(st, read))
		}
	})
	t.Run("the members' JoinedChannelsCount drops", func(t *testing.T) {
		for identity, want := range map[string]int{"alice": 1, "bob": 0, "carol": 0} {
			if got := mustUser(t, st, 1, identity).JoinedChannelsCount; got != want {
				t.Errorf("%s JoinedChannelsCount = %d, want %d", identity, got, want)
			}
		}
	})
	t.Run("the links to the channel are gone", func(t *testing.T) {
		for user := 1; user <= 3; user++ {
			wantNotFound(t, fmt.Sprintf("UserChannel(US %d, CH 1)", user), viewErr(st, func(tx model.Tx) error {
				_, err := tx.UserChannel(svc, sid("US", user), ch)
				return err
			}))
		}
		got := mustRead(t, st, func(tx model.Tx) ([]model.UserChannelLink, error) {
			return tx.UserChannels(svc, sid("US", 1), model.Window{})
		})
		want := []model.UserChannelLink{{ChannelSid: sid("CH", 2), MemberSid: sid("MB", 3)}}
		if !slices.Equal(got, want) {
			t.Errorf("UserChannels(alice) = %+v, want %+v", got, want)
		}
	})
	t.Run("the unique name and type index entries are gone", func(t *testing.T) {
		cs := mustRead(t, st, func(tx model.Tx) ([]*model.Channel, error) {
			return tx.Channels(svc, []string{model.ChannelPrivate}, model.Window{})
		})
		if len(cs) != 0 {
			t.Errorf("Channels(private) lists %d channels, want none", len(cs))
		}
	})
	t.Run("other channels are untouched", func(t *testing.T) {
		c := mustChannel(t, st, 1, "other")
		if c.MembersCount != 1 || c.MessagesCount != 1 || c.LastMessageSid != sid("IM", 3) {
			t.Errorf("CH 2 = %+v, want 1 member and 1 message", c)
		}
	})
	t.Run("the unique name can be taken again", func(t *testing.T) {
		mustSeed(t, st, insChannel(1, 3, model.ChannelPrivate, "room"))
		if got := mustChannel(t, st, 1, "room").Sid; got != sid("CH", 3) {
			t.Errorf("room resolves to %s, want CH 3", got)
		}
	})
	t.Run("deleting it again is not found", func(t *testing.T) {
		wantNotFound(t, "DeleteChannelTree", tryOp(t, st, delChannel(1, 1)))
	})
}
