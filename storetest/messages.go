package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chatd/chatd/model"
)

func testAppendMessage(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""))
		return st
	}
	messages := func(t *testing.T, st model.Store, ch int) []*model.Message {
		t.Helper()
		return mustRead(t, st, func(tx model.Tx) ([]*model.Message, error) {
			return tx.Messages(sid("IS", 1), sid("CH", ch), model.Window{})
		})
	}

	t.Run("indexes are 0, 1, 2 in append order", func(t *testing.T) {
		st := setup(t)
		assigned := make([]int, 3)
		mustUpdate(t, st, func(tx model.Tx) error {
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
		ms := messages(t, st, 1)
		if got := indexes(ms); !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf("stored indexes = %v, want [0 1 2]", got)
		}
		if got := sids(ms, func(m *model.Message) string { return m.Sid }); !slices.Equal(got, []string{sid("IM", 1), sid("IM", 2), sid("IM", 3)}) {
			t.Errorf("message SIDs = %v, want IM 1..3", got)
		}
	})
	t.Run("MessagesCount and LastMessageSid follow appends", func(t *testing.T) {
		st := setup(t)
		for n := 1; n <= 3; n++ {
			mustSeed(t, st, appendMsg(1, 1, n))
			c := mustChannel(t, st, 1, sid("CH", 1))
			if c.MessagesCount != n || c.LastMessageSid != sid("IM", n) {
				t.Errorf("after append %d: MessagesCount = %d, LastMessageSid = %s; want %d, IM %d", n, c.MessagesCount, c.LastMessageSid, n, n)
			}
		}
	})
	t.Run("each channel has its own indexes", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 2, 3))
		if got := indexes(messages(t, st, 2)); !slices.Equal(got, []int{0}) {
			t.Errorf("CH 2 indexes = %v, want [0]", got)
		}
	})
	t.Run("a failed append does not use up an index", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, appendMsg(1, 1, 1))
		wantTaken(t, "AppendMessage", tryOp(t, st, appendMsg(1, 1, 1)), "sid")
		wantNotFound(t, "AppendMessage(CH 9)", tryOp(t, st, appendMsg(1, 9, 2)))
		mustSeed(t, st, appendMsg(1, 1, 3))
		if got := indexes(messages(t, st, 1)); !slices.Equal(got, []int{0, 1}) {
			t.Errorf("indexes = %v, want [0 1]", got)
		}
	})
	t.Run("an index is never reused after deleting the newest", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, appendMsg(1, 1, 1), appendMsg(1, 1, 2), appendMsg(1, 1, 3))
		mustSeed(t, st, delMsg(1, 1, 3))
		mustSeed(t, st, appendMsg(1, 1, 4))
		if got := indexes(messages(t, st, 1)); !slices.Equal(got, []int{0, 1, 3}) {
			t.Errorf("indexes = %v, want [0 1 3]", got)
		}
		mustSeed(t, st, delMsg(1, 1, 1), delMsg(1, 1, 2), delMsg(1, 1, 4))
		mustSeed(t, st, appendMsg(1, 1, 5))
		if got := indexes(messages(t, st, 1)); !slices.Equal(got, []int{4}) {
			t.Errorf("indexes after emptying the channel = %v, want [4]", got)
		}
	})
}

// testMintedMessageSids: a Message appended without a SID gets one, which
// finds it, whatever other SIDs the Channel holds; some engines make that
// SID carry the index (model.NewMessageSid), so SIDs that carry the index
// of another Message must not be taken for it.
func testMintedMessageSids(t *testing.T, e Engine) {
	st := e.open(t)
	mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""))
	service, channel := sid("IS", 1), sid("CH", 1)
	var minted []string
	mint := func(t *testing.T, n int) {
		t.Helper()
		mustUpdate(t, st, func(tx model.Tx) error {
			minted = minted[:0]
			for i := range n {
				m := newMessage(1, 1, 0)
				m.Sid, m.Body = "", fmt.Sprint("minted ", i)
				if err := tx.AppendMessage(m); err != nil {
					return err
				}
				if !model.IsSID(model.PrefixMessage, m.Sid) {
					return fmt.Errorf("AppendMessage minted SID %q", m.Sid)
				}
				minted = append(minted, m.Sid)
			}
			return nil
		})
	}
	find := func(sid string) (*model.Message, error) {
		var m *model.Message
		err := viewErr(st, func(tx model.Tx) (err error) {
			m, err = tx.Message(service, channel, sid)
			return err
		})
		return m, err
	}
	mint(t, 3) // indexes 0, 1, 2
	first := slices.Clone(minted)
	// After a minted Message at index 3, a given SID that carries index 9
	// lands at 4, and one that carries index 1, where a minted Message lies,
	// at 5.
	at9, _ := model.NewMessageSid(testNow, 9)
	at1, _ := model.NewMessageSid(testNow, 1)
	mustSeed(t, st, func(tx model.Tx) error {
		if err := tx.AppendMessage(&model.Message{ServiceSid: service, ChannelSid: channel, From: "a", Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}); err != nil {
			return err
		}
		for _, s := range []string{at9, at1} {
			m := newMessage(1, 1, 0)
			m.Sid = s
			if err := tx.AppendMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	for i, s := range first {
		m, err := find(s)
		if err != nil || m.Sid != s || m.Index != i || m.Body != fmt.Sprint("minted ", i) {
			t.Errorf("Message(minted %d) = %+v, %v; want index %d", i, m, err, i)
		}
	}
	for s, index := range map[string]int{at9: 4, at1: 5} {
		if m, err := find(s); err != nil || m.Index != index {
			t.Errorf("Message(given %s) = %+v, %v; want index %d", s, m, err, index)
		}
	}
	wantTaken(t, "AppendMessage(a minted SID again)", tryOp(t, st, func(tx model.Tx) error {
		m := newMessage(1, 1, 0)
		m.Sid = first[1]
		return tx.AppendMessage(m)
	}), "sid")
	forged, _ := model.NewMessageSid(testNow, 2)
	_, err := find(forged)
	wantNotFound(t, "Message(a SID that carries index 2 and is not its Message's)", err)

	mustSeed(t, st, func(tx model.Tx) error {
		m, err := tx.Message(service, channel, first[2])
		if err != nil {
			return err
		}
		m.Body = "edited"
		return tx.PutMessage(m)
	})
	if m, err := find(first[2]); err != nil || m.Body != "edited" || m.Index != 2 {
		t.Errorf("after PutMessage: %+v, %v", m, err)
	}
	mustSeed(t, st, func(tx model.Tx) error { return tx.DeleteMessage(service, channel, first[0]) })
	mustSeed(t, st, func(tx model.Tx) error { return tx.DeleteMessage(service, channel, at1) })
	_, err = find(first[0])
	wantNotFound(t, "Message(deleted minted)", err)
	_, err = find(at1)
	wantNotFound(t, "Message(deleted given)", err)
	if c := mustChannel(t, st, 1, channel); c.MessagesCount != 4 {
		t.Errorf("MessagesCount = %d, want 4", c.MessagesCount)
	}
}

func testDeleteMessage(t *testing.T, e Engine) {
	st := e.open(t)
	mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""),
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
			mustSeed(t, st, delMsg(1, 1, s.del))
			c := mustChannel(t, st, 1, sid("CH", 1))
			if c.MessagesCount != s.count || c.LastMessageSid != s.last {
				t.Errorf("MessagesCount = %d, LastMessageSid = %q; want %d, %q", c.MessagesCount, c.LastMessageSid, s.count, s.last)
			}
			ms := mustRead(t, st, func(tx model.Tx) ([]*model.Message, error) {
				return tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{})
			})
			if got := indexes(ms); !slices.Equal(got, s.indexesL) {
				t.Errorf("indexes = %v, want %v", got, s.indexesL)
			}
			wantNotFound(t, "Message(deleted)", viewErr(st, func(tx model.Tx) error {
				_, err := tx.Message(sid("IS", 1), sid("CH", 1), sid("IM", s.del))
				return err
			}))
		})
	}
	t.Run("deleting a deleted message is not found", func(t *testing.T) {
		before := e.state(t, st)
		wantNotFound(t, "DeleteMessage", tryOp(t, st, delMsg(1, 1, 1)))
		e.wantUnchanged(t, st, before)
	})
}

func testPutMessage(t *testing.T, e Engine) {
	st := e.open(t)
	mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), appendMsg(1, 1, 1), appendMsg(1, 1, 2))
	t.Run("PutMessage keeps the index when the caller changes it", func(t *testing.T) {
		mustSeed(t, st, func(tx model.Tx) error {
			m := newMessage(1, 1, 1)
			m.Index, m.Body, m.WasEdited = 7, "edited", true
			return tx.PutMessage(m)
		})
		m := mustRead(t, st, func(tx model.Tx) (*model.Message, error) {
			return tx.Message(sid("IS", 1), sid("CH", 1), sid("IM", 1))
		})
		if m.Index != 0 || m.Body != "edited" || !m.WasEdited {
			t.Errorf("message = %+v, want index 0 with the edited body", m)
		}
		ms := mustRead(t, st, func(tx model.Tx) ([]*model.Message, error) {
			return tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{})
		})
		if got := indexes(ms); !slices.Equal(got, []int{0, 1}) || ms[0].Body != "edited" {
			t.Errorf("messages = %v (first body %q), want [0 1] with the first edited", got, ms[0].Body)
		}
		n := mustRead(t, st, func(tx model.Tx) (int, error) { return tx.CountMessagesAfter(sid("IS", 1), sid("CH", 1), -1) })
		if n != 2 {
			t.Errorf("CountMessagesAfter(-1) = %d, want 2", n)
		}
		if c := mustChannel(t, st, 1, sid("CH", 1)); c.MessagesCount != 2 || c.LastMessageSid != sid("IM", 2) {
			t.Errorf("channel counts = %d %s, want 2 IM 2", c.MessagesCount, c.LastMessageSid)
		}
	})
	t.Run("PutMessage of an unknown message is not found", func(t *testing.T) {
		before := e.state(t, st)
		wantNotFound(t, "PutMessage", tryOp(t, st, func(tx model.Tx) error { return tx.PutMessage(newMessage(1, 1, 9)) }))
		e.wantUnchanged(t, st, before)
	})
	t.Run("a window After that is not a decimal index is an error", func(t *testing.T) {
		for _, after := range []string{"abc", "-1", sid("IM", 1)} {
			err := viewErr(st, func(tx model.Tx) error {
				_, err := tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{After: after})
				return err
			})
			if err == nil {
				t.Errorf("Messages(After %q) succeeded, want an error", after)
			}
		}
	})
}

func testCountMessagesAfter(t *testing.T, e Engine) {
	st := e.open(t)
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
	mustSeed(t, st, ops...)

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
			got := mustRead(t, st, func(tx model.Tx) (int, error) {
				return tx.CountMessagesAfter(sid("IS", 1), sid("CH", tc.ch), tc.index)
			})
			if got != tc.want {
				t.Errorf("CountMessagesAfter(CH %d, %d) = %d, want %d", tc.ch, tc.index, got, tc.want)
			}
			// The table agrees with counting the messages themselves.
			ms := mustRead(t, st, func(tx model.Tx) ([]*model.Message, error) {
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
