package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/chatd/chatd/model"
)

func testSettings(t *testing.T, e Engine) {
	st := e.open(t)
	if got := mustSetting(t, st, "missing"); got != "" {
		t.Errorf("unset setting = %q, want empty", got)
	}
	mustSeed(t, st, putSetting("a", "1"), putSetting("b", "2"))
	mustSeed(t, st, putSetting("a", "3"))
	for key, want := range map[string]string{"a": "3", "b": "2"} {
		if got := mustSetting(t, st, key); got != want {
			t.Errorf("setting %s = %q, want %q", key, got, want)
		}
	}
}

// testTransactions checks what the rest of the suite builds on: an Update
// commits all of its fn or nothing.
func testTransactions(t *testing.T, e Engine) {
	t.Run("an fn error is returned and rolls back the fn's writes", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		before := e.state(t, st)
		errFn := errors.New("fn fails")
		err := st.Update(context.Background(), func(tx model.Tx) error {
			if err := insChannel(1, 1, model.ChannelPublic, "general")(tx); err != nil {
				return err
			}
			if err := tx.PutSetting("k", "v"); err != nil {
				return err
			}
			return errFn
		})
		if !errors.Is(err, errFn) {
			t.Errorf("Update = %v, want %v", err, errFn)
		}
		e.wantUnchanged(t, st, before)
		wantNotFound(t, "Channel(general)", viewErr(st, func(tx model.Tx) error {
			_, err := tx.Channel(sid("IS", 1), "general")
			return err
		}))
		if got := mustSetting(t, st, "k"); got != "" {
			t.Errorf("setting k = %q after a failed Update, want unset", got)
		}
	})
	t.Run("a Read sees what was committed and refuses writes", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, "general"))
		before := e.state(t, st)
		err := st.Read(context.Background(), func(tx model.Tx) error {
			ch, err := tx.Channel(sid("IS", 1), "general")
			if err != nil {
				return err
			}
			if ch.Sid != sid("CH", 1) {
				t.Errorf("Read: Channel(general) = %s, want %s", ch.Sid, sid("CH", 1))
			}
			if _, err := tx.Channel(sid("IS", 1), "nothing"); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("Read: Channel(nothing) = %v, want ErrNotFound", err)
			}
			if err := insChannel(1, 2, model.ChannelPublic, "")(tx); err == nil {
				t.Error("Read: InsertChannel succeeded")
			}
			if err := tx.PutSetting("k", "v"); err == nil {
				t.Error("Read: PutSetting succeeded")
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Read = %v", err)
		}
		e.wantUnchanged(t, st, before)
	})
}

// storeSnapshot is everything testDurability reads back from a store.
type storeSnapshot struct {
	Setting        string
	Services       []*model.Service
	Channels       []*model.Channel
	ChannelByName  *model.Channel
	PrivateOnly    []*model.Channel
	Messages       []*model.Message
	MessageBySid   *model.Message
	UnreadAfter0   int
	UserByIdentity *model.User
	Link           model.UserChannelLink
	MemberByIdent  *model.Member
	InviteFor      *model.Invite
}

// testDurability checks that a closed store opens again with every record,
// index and derived count it had, and goes on allocating message indexes
// where it left off.
func testDurability(t *testing.T, e Engine) {
	if e.Reopen == nil {
		t.Skip("Engine.Reopen is nil")
	}
	st := e.Open(t)
	t.Cleanup(func() { closeStore(t, st) }) // the store open at the end
	mustSeed(t, st,
		putSetting("credentials", "secret"),
		insService(1), insService(2),
		insChannel(1, 1, model.ChannelPublic, "general"),
		insChannel(1, 2, model.ChannelPrivate, ""),
		insUser(1, 1, "alice"), insUser(1, 2, "bob"),
		insMember(1, 1, 1, 1, "alice"),
		insInvite(1, 2, 1, 2, "bob"),
		appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 1, 3),
		delMsg(1, 1, 2),
	)
	read := func(st model.Store) storeSnapshot {
		var s storeSnapshot
		mustView(t, st, func(tx model.Tx) (err error) {
			if s.Setting, err = tx.Setting("credentials"); err != nil {
				return err
			}
			if s.Services, err = tx.Services(model.Window{}); err != nil {
				return err
			}
			if s.Channels, err = tx.Channels(sid("IS", 1), nil, model.Window{}); err != nil {
				return err
			}
			if s.ChannelByName, err = tx.Channel(sid("IS", 1), "general"); err != nil {
				return err
			}
			if s.PrivateOnly, err = tx.Channels(sid("IS", 1), []string{model.ChannelPrivate}, model.Window{}); err != nil {
				return err
			}
			if s.Messages, err = tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{}); err != nil {
				return err
			}
			if s.MessageBySid, err = tx.Message(sid("IS", 1), sid("CH", 1), sid("IM", 3)); err != nil {
				return err
			}
			if s.UnreadAfter0, err = tx.CountMessagesAfter(sid("IS", 1), sid("CH", 1), 0); err != nil {
				return err
			}
			if s.UserByIdentity, err = tx.User(sid("IS", 1), "alice"); err != nil {
				return err
			}
			if s.Link, err = tx.UserChannel(sid("IS", 1), sid("US", 1), sid("CH", 1)); err != nil {
				return err
			}
			if s.MemberByIdent, err = tx.Member(sid("IS", 1), sid("CH", 1), "alice"); err != nil {
				return err
			}
			s.InviteFor, err = tx.InviteFor(sid("IS", 1), sid("CH", 2), "bob")
			return err
		})
		return s
	}
	before := read(st)
	st = e.Reopen(t, st)
	after := read(st)
	t.Run("every record and index reads back the same", func(t *testing.T) {
		if !reflect.DeepEqual(before, after) {
			t.Errorf("after reopen:\n%+v\nbefore close:\n%+v", after, before)
		}
	})
	t.Run("records hold what was written", func(t *testing.T) {
		if after.Setting != "secret" {
			t.Errorf("setting = %q, want %q", after.Setting, "secret")
		}
		if len(after.Services) != 2 {
			t.Errorf("%d services, want 2", len(after.Services))
		}
		c := after.ChannelByName
		if c.Sid != sid("CH", 1) || c.MembersCount != 1 || c.MessagesCount != 2 || c.LastMessageSid != sid("IM", 3) {
			t.Errorf("channel by name = %+v, want CH 1 with 1 member, 2 messages, last IM 3", c)
		}
		if len(after.PrivateOnly) != 1 || after.PrivateOnly[0].Sid != sid("CH", 2) {
			t.Errorf("private channels = %v, want CH 2", sids(after.PrivateOnly, func(c *model.Channel) string { return c.Sid }))
		}
		if got := indexes(after.Messages); !reflect.DeepEqual(got, []int{0, 2}) {
			t.Errorf("message indexes = %v, want [0 2]", got)
		}
		if after.MessageBySid.Index != 2 || after.UnreadAfter0 != 1 {
			t.Errorf("IM 3 index = %d, count after 0 = %d; want 2 and 1", after.MessageBySid.Index, after.UnreadAfter0)
		}
		if after.UserByIdentity.JoinedChannelsCount != 1 || after.Link.MemberSid != sid("MB", 1) {
			t.Errorf("alice = %+v, link = %+v; want 1 joined channel, link to MB 1", after.UserByIdentity, after.Link)
		}
		if after.InviteFor.Sid != sid("IN", 1) {
			t.Errorf("invite for bob = %s, want IN 1", after.InviteFor.Sid)
		}
	})
	t.Run("the message index sequence survives", func(t *testing.T) {
		mustSeed(t, st, appendMsg(1, 1, 4))
		m := mustRead(t, st, func(tx model.Tx) (*model.Message, error) {
			return tx.Message(sid("IS", 1), sid("CH", 1), sid("IM", 4))
		})
		if m.Index != 3 {
			t.Errorf("first append after reopen got index %d, want 3", m.Index)
		}
	})
}
