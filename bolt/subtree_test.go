package bolt

import (
	"errors"
	"testing"

	"github.com/chatd/chatd/model"
)

// A transaction keeps the subtrees of the Service and Channel it looked up
// last; a write that removes them, and one that makes them anew, is seen
// by the rest of the transaction.
func TestSubtreesRemovedAndMadeAgainInOneTransaction(t *testing.T) {
	d := newDB(t)
	svc, ch := sid("IS", 1), sid("CH", 1)
	insert := func(tx model.Tx) error {
		if err := tx.InsertService(&model.Service{Sid: svc}); err != nil {
			return err
		}
		return tx.InsertChannel(&model.Channel{Sid: ch, ServiceSid: svc, Type: "public"})
	}
	message := func(n int) *model.Message {
		return &model.Message{Sid: sid("IM", n), ServiceSid: svc, ChannelSid: ch, Body: "hi"}
	}
	wantNotFound := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, model.ErrNotFound) {
			t.Errorf("%s = %v, want ErrNotFound", what, err)
		}
	}
	mustUpdate(t, d, func(tx model.Tx) error {
		if err := insert(tx); err != nil {
			return err
		}
		if err := tx.AppendMessage(message(1)); err != nil {
			return err
		}
		if err := tx.DeleteChannelTree(svc, ch); err != nil {
			return err
		}
		_, err := tx.Message(svc, ch, sid("IM", 1))
		wantNotFound("Message after DeleteChannelTree", err)
		wantNotFound("AppendMessage after DeleteChannelTree", tx.AppendMessage(message(2)))

		if err := tx.InsertChannel(&model.Channel{Sid: ch, ServiceSid: svc, Type: "public"}); err != nil {
			return err
		}
		if err := tx.AppendMessage(message(3)); err != nil {
			return err
		}
		if err := tx.DeleteServiceTree(svc); err != nil {
			return err
		}
		_, err = tx.Message(svc, ch, sid("IM", 3))
		wantNotFound("Message after DeleteServiceTree", err)
		wantNotFound("AppendMessage after DeleteServiceTree", tx.AppendMessage(message(4)))

		if err := insert(tx); err != nil {
			return err
		}
		if err := tx.AppendMessage(message(5)); err != nil {
			return err
		}
		if err := tx.Wipe(); err != nil {
			return err
		}
		_, err = tx.Message(svc, ch, sid("IM", 5))
		wantNotFound("Message after Wipe", err)
		wantNotFound("AppendMessage after Wipe", tx.AppendMessage(message(6)))

		if err := insert(tx); err != nil {
			return err
		}
		return tx.AppendMessage(message(7))
	})
	mustView(t, d, func(tx model.Tx) error {
		ms, err := tx.Messages(svc, ch, model.Window{})
		if err != nil {
			return err
		}
		if len(ms) != 1 || ms[0].Sid != sid("IM", 7) || ms[0].Index != 0 {
			t.Errorf("Messages of the Channel made last: %d, want only %s at index 0", len(ms), sid("IM", 7))
		}
		c, err := tx.Channel(svc, ch)
		if err != nil {
			return err
		}
		if c.MessagesCount != 1 || c.LastMessageSid != sid("IM", 7) {
			t.Errorf("Channel counts %d, last %s; want 1, %s", c.MessagesCount, c.LastMessageSid, sid("IM", 7))
		}
		return nil
	})
}
