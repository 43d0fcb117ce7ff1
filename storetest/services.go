package storetest

import (
	"reflect"
	"slices"
	"testing"

	"github.com/chatd/chatd/model"
)

func testRoles(t *testing.T, e Engine) {
	st := e.open(t)
	mustSeed(t, st, insService(1), insRole(1, 1), insRole(1, 2))
	t.Run("Role finds an inserted role", func(t *testing.T) {
		r := mustRead(t, st, func(tx model.Tx) (*model.Role, error) { return tx.Role(sid("IS", 1), sid("RL", 2)) })
		if !reflect.DeepEqual(r, newRole(1, 2)) {
			t.Errorf("Role = %+v, want %+v", r, newRole(1, 2))
		}
	})
	t.Run("PutRole replaces the record", func(t *testing.T) {
		mustSeed(t, st, func(tx model.Tx) error {
			r := newRole(1, 1)
			r.Permissions = []string{"sendMessage", "leaveChannel"}
			return tx.PutRole(r)
		})
		r := mustRead(t, st, func(tx model.Tx) (*model.Role, error) { return tx.Role(sid("IS", 1), sid("RL", 1)) })
		if !slices.Equal(r.Permissions, []string{"sendMessage", "leaveChannel"}) {
			t.Errorf("Permissions = %v after PutRole", r.Permissions)
		}
	})
	t.Run("PutRole of an unknown role is not found", func(t *testing.T) {
		wantNotFound(t, "PutRole", tryOp(t, st, func(tx model.Tx) error { return tx.PutRole(newRole(1, 9)) }))
	})
	t.Run("DeleteRole removes it", func(t *testing.T) {
		mustSeed(t, st, func(tx model.Tx) error { return tx.DeleteRole(sid("IS", 1), sid("RL", 1)) })
		wantNotFound(t, "Role", viewErr(st, func(tx model.Tx) error {
			_, err := tx.Role(sid("IS", 1), sid("RL", 1))
			return err
		}))
		rs := mustRead(t, st, func(tx model.Tx) ([]*model.Role, error) { return tx.Roles(sid("IS", 1), model.Window{}) })
		if got := sids(rs, func(r *model.Role) string { return r.Sid }); !slices.Equal(got, []string{sid("RL", 2)}) {
			t.Errorf("Roles = %v, want [RL 2]", got)
		}
	})
}

func testDuplicateSidIsTaken(t *testing.T, e Engine) {
	base := []op{insService(1), insRole(1, 1), insUser(1, 1, "alice"), insChannel(1, 1, model.ChannelPublic, ""),
		insInvite(1, 1, 1, 1, "alice"), insMember(1, 1, 1, 1, "alice"), appendMsg(1, 1, 1)}
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
			st := e.open(t)
			mustSeed(t, st, base...)
			before := e.state(t, st)
			wantTaken(t, tc.name, tryOp(t, st, tc.dup), "sid")
			e.wantUnchanged(t, st, before)
		})
	}
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
		"PeekMessages":       func(tx model.Tx) error { _, err := tx.PeekMessages(service, channel, model.Window{}); return err },
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

func testMissingParentIsNotFound(t *testing.T, e Engine) {
	st := e.open(t)
	mustSeed(t, st, insService(1), insUser(1, 1, "alice"), insChannel(1, 1, model.ChannelPublic, ""))
	before := e.state(t, st)

	t.Run("reads under a missing service", func(t *testing.T) {
		for name, read := range lookups(sid("IS", 9), sid("CH", 1)) {
			wantNotFound(t, name, viewErr(st, read))
		}
	})
	t.Run("writes under a missing service", func(t *testing.T) {
		for name, write := range writes(9, 1) {
			wantNotFound(t, name, tryOp(t, st, write))
		}
		e.wantUnchanged(t, st, before)
	})
	t.Run("reads under a missing channel", func(t *testing.T) {
		channelScoped := []string{"Channel", "Member", "Members", "Message", "Messages", "CountMessagesAfter",
			"Invite", "InviteFor", "Invites", "UserChannel"}
		reads := lookups(sid("IS", 1), sid("CH", 9))
		for _, name := range channelScoped {
			wantNotFound(t, name, viewErr(st, reads[name]))
		}
	})
	t.Run("writes under a missing channel", func(t *testing.T) {
		channelScoped := []string{"PutChannel", "DeleteChannelTree", "InsertMember", "PutMember", "DeleteMember",
			"AppendMessage", "PutMessage", "DeleteMessage", "InsertInvite", "DeleteInvite"}
		ws := writes(1, 9)
		for _, name := range channelScoped {
			wantNotFound(t, name, tryOp(t, st, ws[name]))
		}
		e.wantUnchanged(t, st, before)
	})
	t.Run("reads and writes of missing records", func(t *testing.T) {
		reads := lookups(sid("IS", 1), sid("CH", 1))
		for _, name := range []string{"Role", "Member", "Message", "Invite", "InviteFor", "UserChannel"} {
			wantNotFound(t, name, viewErr(st, reads[name]))
		}
		wantNotFound(t, "User(bob)", viewErr(st, func(tx model.Tx) error { _, err := tx.User(sid("IS", 1), "bob"); return err }))
		ws := writes(1, 1)
		for _, name := range []string{"PutRole", "DeleteRole", "PutMember", "DeleteMember", "PutMessage", "DeleteMessage", "DeleteInvite"} {
			wantNotFound(t, name, tryOp(t, st, ws[name]))
		}
		wantNotFound(t, "PutUser", tryOp(t, st, func(tx model.Tx) error { return tx.PutUser(newUser(1, 2, "bob")) }))
		wantNotFound(t, "DeleteUserTree", tryOp(t, st, delUser(1, 2)))
		wantNotFound(t, "PutService", tryOp(t, st, func(tx model.Tx) error { return tx.PutService(newService(2)) }))
		e.wantUnchanged(t, st, before)
	})
}

func testDeleteServiceTree(t *testing.T, e Engine) {
	st := e.open(t)
	mustSeed(t, st, insService(1), insRole(1, 1), insUser(1, 1, "alice"),
		insChannel(1, 1, model.ChannelPrivate, "room"), insInvite(1, 1, 1, 1, "alice"),
		insMember(1, 1, 1, 1, "alice"), appendMsg(1, 1, 1),
		insService(2), insChannel(2, 2, model.ChannelPublic, "room"))
	mustSeed(t, st, delService(1))

	t.Run("every lookup under it is not found", func(t *testing.T) {
		for name, read := range lookups(sid("IS", 1), sid("CH", 1)) {
			wantNotFound(t, name, viewErr(st, read))
		}
	})
	t.Run("other services are untouched", func(t *testing.T) {
		ss := mustRead(t, st, func(tx model.Tx) ([]*model.Service, error) { return tx.Services(model.Window{}) })
		if got := sids(ss, func(s *model.Service) string { return s.Sid }); !slices.Equal(got, []string{sid("IS", 2)}) {
			t.Errorf("Services = %v, want [IS 2]", got)
		}
		if got := mustChannel(t, st, 2, "room").Sid; got != sid("CH", 2) {
			t.Errorf("room in IS 2 = %s, want CH 2", got)
		}
	})
	t.Run("deleting it again is not found", func(t *testing.T) {
		wantNotFound(t, "DeleteServiceTree", tryOp(t, st, delService(1)))
	})
	t.Run("the SID can be inserted again and starts empty", func(t *testing.T) {
		mustSeed(t, st, insService(1))
		n := mustRead(t, st, func(tx model.Tx) (int, error) {
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
