package storetest

import (
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/chatd/chatd/model"
)

// testPeekMessages checks that PeekMessages reads what Messages reads, in a
// read and in a write, for windows longer than a page, with a second window
// read in the same transaction, and in transaction after transaction (an
// engine may recycle the Messages it hands out once a transaction ends).
func testPeekMessages(t *testing.T, e Engine) {
	const n = 250
	st := e.open(t)
	ops := []op{insService(1), insChannel(1, 1, model.ChannelPublic, ""), insMedia(1, 1, 10)}
	for i := 1; i <= n; i++ {
		m := newMessage(1, 1, i)
		switch i % 5 {
		case 1:
			m.LastUpdatedBy, m.WasEdited = ptr("alice"), true
		case 2:
			m.Body = fmt.Sprintf("héllo \"%d\" ✓\n", i)
		case 3:
			m.Attributes = `{"n":` + strconv.Itoa(i) + `}`
		}
		ops = append(ops, func(tx model.Tx) error { return tx.AppendMessage(m) })
	}
	ops = append(ops, appendMediaMsg(1, 1, n+1, 1, 10), delMsg(1, 1, 7))
	mustSeed(t, st, ops...)
	svc, ch := sid("IS", 1), sid("CH", 1)

	// same reads w both ways in tx and reports where they differ.
	same := func(t *testing.T, tx model.Tx, w model.Window, peeked []*model.Message) {
		t.Helper()
		read, err := tx.Messages(svc, ch, w)
		if err != nil {
			t.Fatalf("Messages(%+v): %v", w, err)
		}
		if len(peeked) != len(read) {
			t.Fatalf("PeekMessages(%+v) read %d Messages, Messages %d", w, len(peeked), len(read))
		}
		for i := range read {
			if !reflect.DeepEqual(peeked[i], read[i]) {
				t.Fatalf("PeekMessages(%+v)[%d] = %+v, Messages reads %+v", w, i, peeked[i], read[i])
			}
		}
	}
	peek := func(t *testing.T, tx model.Tx, w model.Window) []*model.Message {
		t.Helper()
		ms, err := tx.PeekMessages(svc, ch, w)
		if err != nil {
			t.Fatalf("PeekMessages(%+v): %v", w, err)
		}
		return ms
	}
	windows := []model.Window{
		{},
		{Limit: 51},
		{After: "100", Limit: 51},
		{After: "200", Reverse: true, Limit: 101},
		{Reverse: true, Limit: 3},
		{After: "40", Limit: 200},
	}

	t.Run("in a read, as Messages reads", func(t *testing.T) {
		for range 3 {
			for _, w := range windows {
				mustView(t, st, func(tx model.Tx) error {
					same(t, tx, w, peek(t, tx, w))
					return nil
				})
			}
		}
	})
	t.Run("two windows in one read", func(t *testing.T) {
		mustView(t, st, func(tx model.Tx) error {
			first := peek(t, tx, windows[2])
			second := peek(t, tx, windows[3])
			same(t, tx, windows[2], first)
			same(t, tx, windows[3], second)
			return nil
		})
	})
	t.Run("in a write, as Messages reads", func(t *testing.T) {
		for _, w := range windows {
			mustUpdate(t, st, func(tx model.Tx) error {
				same(t, tx, w, peek(t, tx, w))
				return nil
			})
		}
	})
	t.Run("a later read sees a later write", func(t *testing.T) {
		m := newMessage(1, 1, 100)
		m.Index, m.Body, m.WasEdited = 99, "changed", true
		mustUpdate(t, st, func(tx model.Tx) error { return tx.PutMessage(m) })
		mustView(t, st, func(tx model.Tx) error {
			ms := peek(t, tx, model.Window{After: "98", Limit: 1})
			if len(ms) != 1 || ms[0].Body != "changed" || !ms[0].WasEdited {
				t.Errorf("PeekMessages after PutMessage = %+v, want the changed Message 99", ms)
			}
			return nil
		})
	})
	t.Run("a Channel that is not there is not found", func(t *testing.T) {
		wantNotFound(t, "PeekMessages", viewErr(st, func(tx model.Tx) error {
			_, err := tx.PeekMessages(svc, sid("CH", 9), model.Window{})
			return err
		}))
	})
}
