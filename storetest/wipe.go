package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/chatd/chatd/model"
)

// wipeFull stores everything Wipe has to remove: Services 1 and 2, each
// with a Role, Users, Channels with Members, an Invite, Messages (one with
// Media), a Media never sent, an upload being staged, a Binding and a
// Channel webhook; Credentials 1 and 2; and deliveries 1 to 4 of both
// Services, 2 and 4 finished. Settings a and b are what it has to keep.
func wipeFull(t *testing.T, st model.Store) {
	t.Helper()
	for svc := 1; svc <= 2; svc++ {
		// Record numbers differ per Service so that SIDs never clash.
		n := func(i int) int { return svc*10 + i }
		mustSeed(t, st, insService(svc), insRole(svc, n(1)),
			insUser(svc, n(1), "alice"), insUser(svc, n(2), "bob"),
			insChannel(svc, n(1), model.ChannelPublic, "general"), insChannel(svc, n(2), model.ChannelPrivate, "staff"),
			insMember(svc, n(1), n(1), n(1), "alice"), insMember(svc, n(2), n(2), n(1), "alice"),
			insInvite(svc, n(1), n(1), n(2), "bob"),
			appendMsg(svc, n(1), n(1)), appendMsg(svc, n(1), n(2)),
			insMedia(svc, n(1), 10), appendMediaMsg(svc, n(1), n(3), n(1), 10),
			insMedia(svc, n(2), 20), stageOp(svc, n(3), mediaContent(n(3), mediaBlock+1), 0),
			insBinding(svc, n(1), n(1), "alice", model.PushFCM, "device-1"),
			insWebhook(svc, n(1), n(1)))
	}
	mustSeed(t, st, insCredential(1, model.PushAPN), insCredential(2, model.PushFCM),
		putSetting("a", "1"), putSetting("b", "2"))
	enqueueAll(t, st, newDelivery(1, 1), finished(newDelivery(2, 2), model.DeliveryDelivered),
		newDelivery(2, 3), finished(newDelivery(1, 4), model.DeliveryUndeliverable))
}

// wipe runs Wipe in an Update of its own.
func wipe(t *testing.T, st model.Store) {
	t.Helper()
	mustSeed(t, st, func(tx model.Tx) error { return tx.Wipe() })
}

// wantWiped checks that st holds no Service, nothing that was under
// Services 1 and 2 of wipeFull, no Credential, no delivery and no staged
// upload.
func wantWiped(t *testing.T, st model.Store) {
	t.Helper()
	ss := mustRead(t, st, func(tx model.Tx) ([]*model.Service, error) { return tx.Services(model.Window{}) })
	if len(ss) != 0 {
		t.Errorf("Services = %v, want none", sids(ss, func(s *model.Service) string { return s.Sid }))
	}
	for svc := 1; svc <= 2; svc++ {
		s, n := sid("IS", svc), func(i int) int { return svc*10 + i }
		for _, ch := range []string{sid("CH", n(1)), "general", "staff"} {
			for name, read := range lookups(s, ch) {
				wantNotFound(t, fmt.Sprintf("%s(IS %d, %s)", name, svc, ch), viewErr(st, read))
			}
		}
		for name, read := range map[string]func(model.Tx) error{
			"User(alice)": func(tx model.Tx) error { _, err := tx.User(s, "alice"); return err },
			"User(US)":    func(tx model.Tx) error { _, err := tx.User(s, sid("US", n(1))); return err },
			"Message":     func(tx model.Tx) error { _, err := tx.Message(s, sid("CH", n(1)), sid("IM", n(1))); return err },
			"Member":      func(tx model.Tx) error { _, err := tx.Member(s, sid("CH", n(1)), "alice"); return err },
			"InviteFor":   func(tx model.Tx) error { _, err := tx.InviteFor(s, sid("CH", n(1)), "bob"); return err },
			"Binding":     func(tx model.Tx) error { _, err := tx.Binding(s, sid("BS", n(1))); return err },
			"BindingFor":  func(tx model.Tx) error { _, err := tx.BindingFor(s, model.PushFCM, "device-1"); return err },
			"Bindings":    func(tx model.Tx) error { _, err := tx.Bindings(s, nil, model.Window{}); return err },
			"UserBindings": func(tx model.Tx) error {
				_, err := tx.UserBindings(s, sid("US", n(1)))
				return err
			},
			"ChannelWebhook": func(tx model.Tx) error {
				_, err := tx.ChannelWebhook(s, sid("CH", n(1)), sid("WH", n(1)))
				return err
			},
			"ChannelWebhooks": func(tx model.Tx) error {
				_, err := tx.ChannelWebhooks(s, sid("CH", n(1)), model.Window{})
				return err
			},
		} {
			wantNotFound(t, fmt.Sprintf("%s of IS %d", name, svc), viewErr(st, read))
		}
		wantMediaGone(t, st, svc, n(1))
		wantMediaGone(t, st, svc, n(2))
	}
	if got := credentialSids(t, st, model.Window{}); len(got) != 0 {
		t.Errorf("Credentials = %v, want none", got)
	}
	for n := 1; n <= 2; n++ {
		wantNotFound(t, fmt.Sprint("Credential(CR ", n, ")"),
			viewErr(st, func(tx model.Tx) error { _, err := tx.Credential(sid("CR", n)); return err }))
	}
	for _, service := range []string{"", sid("IS", 1), sid("IS", 2)} {
		if got := deliveryIDs(t, st, service, model.Window{}); len(got) != 0 {
			t.Errorf("Deliveries(%q) = %v, want none", service, got)
		}
	}
	if got := pendingIDs(t, st, 0, 1000); len(got) != 0 {
		t.Errorf("PendingDeliveries = %v, want none", got)
	}
	if got := staged(t, st); len(got) != 0 {
		t.Errorf("StagedMedia lists %d uploads, want none", len(got))
	}
}

// testWipe checks Wipe, the store half of POST /_chatd/reset: it removes
// every Service with everything in it, every Credential and every delivery,
// in the Update that calls it (so a failing one removes nothing), keeps
// server-wide settings, leaves every SID, name and device free to be used
// again, and never lets a delivery ID be given twice.
func testWipe(t *testing.T, e Engine) {
	t.Run("Wipe removes every Service with everything in it, every Credential and every delivery", func(t *testing.T) {
		st := e.open(t)
		wipeFull(t, st)
		wipe(t, st)
		wantWiped(t, st)
	})
	t.Run("Wipe keeps settings", func(t *testing.T) {
		st := e.open(t)
		wipeFull(t, st)
		wipe(t, st)
		for key, want := range map[string]string{"a": "1", "b": "2"} {
			if got := mustSetting(t, st, key); got != want {
				t.Errorf("setting %s = %q after Wipe, want %q", key, got, want)
			}
		}
	})
	t.Run("Wipe of an empty store leaves it empty", func(t *testing.T) {
		st := e.open(t)
		wipe(t, st)
		wantWiped(t, st)
		d := newDelivery(1, 1)
		enqueueAll(t, st, d)
		if d.ID != 1 {
			t.Errorf("the first delivery ever got ID %d, want 1", d.ID)
		}
	})
	t.Run("delivery IDs keep growing after a Wipe", func(t *testing.T) {
		st := e.open(t)
		wipeFull(t, st)
		wipe(t, st)
		d := newDelivery(1, 5)
		enqueueAll(t, st, d)
		if d.ID != 5 {
			t.Errorf("the first delivery after a Wipe got ID %d, want 5 (IDs 1 to 4 were given before)", d.ID)
		}
		wipe(t, st)
		wipe(t, st)
		d = newDelivery(2, 6)
		enqueueAll(t, st, d)
		if d.ID != 6 {
			t.Errorf("the first delivery after two more Wipes got ID %d, want 6", d.ID)
		}
		if got := deliveryIDs(t, st, "", model.Window{}); !reflect.DeepEqual(got, idList(6)) {
			t.Errorf("Deliveries = %v, want [6]", got)
		}
		if got := pendingIDs(t, st, 0, 1000); !reflect.DeepEqual(got, idList(6)) {
			t.Errorf("PendingDeliveries = %v, want [6]", got)
		}
	})
	t.Run("delivery IDs keep growing after a Wipe in the same Update", func(t *testing.T) {
		st := e.open(t)
		wipeFull(t, st)
		var id uint64
		mustUpdate(t, st, func(tx model.Tx) error {
			if err := tx.Wipe(); err != nil {
				return err
			}
			d := newDelivery(1, 5)
			err := tx.EnqueueDelivery(d)
			id = d.ID
			return err
		})
		if id != 5 {
			t.Errorf("a delivery enqueued after Wipe in its Update got ID %d, want 5", id)
		}
	})
	t.Run("every SID, unique name, identity and device is free again after a Wipe", func(t *testing.T) {
		st := e.open(t)
		wipeFull(t, st)
		wipe(t, st)
		mustSeed(t, st, insService(1), insRole(1, 11), insUser(1, 11, "alice"),
			insChannel(1, 11, model.ChannelPublic, "general"), insMember(1, 11, 11, 11, "alice"),
			appendMsg(1, 11, 11), insMedia(1, 11, 10),
			insBinding(1, 11, 11, "alice", model.PushFCM, "device-1"), insWebhook(1, 11, 11),
			insCredential(1, model.PushAPN))
		c := mustChannel(t, st, 1, "general")
		if c.Sid != sid("CH", 11) || c.MembersCount != 1 || c.MessagesCount != 1 || c.LastMessageSid != sid("IM", 11) {
			t.Errorf("general after a Wipe = %+v, want CH 11 with 1 member and 1 message, IM 11", c)
		}
		m := mustRead(t, st, func(tx model.Tx) (*model.Message, error) {
			return tx.Message(sid("IS", 1), sid("CH", 11), sid("IM", 11))
		})
		if m.Index != 0 {
			t.Errorf("the first message of a re-created channel got index %d, want 0", m.Index)
		}
		if u := mustUser(t, st, 1, "alice"); u.Sid != sid("US", 11) || u.JoinedChannelsCount != 1 {
			t.Errorf("alice after a Wipe = %+v, want US 11 in 1 channel", u)
		}
		if got := credentialSids(t, st, model.Window{}); !reflect.DeepEqual(got, []string{sid("CR", 1)}) {
			t.Errorf("Credentials = %v, want [CR 1]", got)
		}
	})
	t.Run("an Update that fails after Wipe removes nothing", func(t *testing.T) {
		st := e.open(t)
		wipeFull(t, st)
		before, creds, outbox := e.state(t, st), allCredentials(t, st), deliveryState(t, st)
		errFail := errors.New("storetest: rolled back")
		err := st.Update(context.Background(), func(tx model.Tx) error {
			if err := tx.Wipe(); err != nil {
				return err
			}
			return errFail
		})
		if err != errFail {
			t.Fatalf("Update = %v, want the fn's error", err)
		}
		e.wantUnchanged(t, st, before)
		if after := allCredentials(t, st); !reflect.DeepEqual(after, creds) {
			t.Errorf("Credentials changed:\n got %+v\nwant %+v", after, creds)
		}
		if after := deliveryState(t, st); !reflect.DeepEqual(after, outbox) {
			t.Errorf("outbox changed:\n got %+v\nwant %+v", after, outbox)
		}
		for svc := 1; svc <= 2; svc++ {
			wantMediaKept(t, st, svc, svc*10+1, 10)
			wantMediaKept(t, st, svc, svc*10+2, 20)
		}
		d := newDelivery(1, 5)
		enqueueAll(t, st, d)
		if d.ID != 5 {
			t.Errorf("the delivery after a rolled-back Wipe got ID %d, want 5", d.ID)
		}
	})
	t.Run("a Wipe survives a reopen, and delivery IDs still grow", func(t *testing.T) {
		if e.Reopen == nil {
			t.Skip("Engine.Reopen is nil")
		}
		st := e.Open(t)
		t.Cleanup(func() { closeStore(t, st) }) // the store open at the end
		wipeFull(t, st)
		wipe(t, st)
		st = e.Reopen(t, st)
		wantWiped(t, st)
		if got := mustSetting(t, st, "a"); got != "1" {
			t.Errorf("setting a = %q after Wipe and reopen, want %q", got, "1")
		}
		d := newDelivery(1, 5)
		enqueueAll(t, st, d)
		if d.ID != 5 {
			t.Errorf("the first delivery after a Wipe and a reopen got ID %d, want 5", d.ID)
		}
	})
}
