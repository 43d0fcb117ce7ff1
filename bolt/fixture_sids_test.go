package bolt

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// sidFixture is a Channel of Service 2 in a fixture file whose Messages
// have SIDs of every shape a Message SID index has to tell apart: as
// chatd mints them (lower-case hex), with upper-case hex (which a seed may
// give), and shorter or longer ones the store takes from its callers. It
// is in the fixture files from schema 5 on; fixture.check leaves Service 2
// alone.
type sidFixture struct {
	channel  *model.Channel
	messages []*model.Message // every one appended, deleted ones included
	deleted  []string
}

// sidFixtureMessages is how many Messages of each shape in turn the Channel
// gets.
const sidFixtureMessages = 12

func newSidFixture() *sidFixture {
	s2, ch := sid("IS", 2), sid("CH", 3)
	at := func(seconds int) time.Time { return fixtureDate.Add(time.Duration(seconds) * time.Second) }
	f := &sidFixture{channel: &model.Channel{Sid: ch, ServiceSid: s2, Attributes: "{}", Type: model.ChannelPublic,
		CreatedBy: model.DefaultAuthor, DateCreated: at(100), DateUpdated: at(100)}}
	shapes := []func(i int) string{
		func(i int) string { return sid("IM", 0xabc00+i) },
		func(i int) string { return fmt.Sprintf("IM%032X", 0xcde00+i) },
		func(i int) string { return fmt.Sprintf("IM%014d", i) },     // 16 bytes, as long as a binary key
		func(i int) string { return fmt.Sprintf("IM%014d\x00", i) }, // the same, and a zero byte
		func(i int) string { return fmt.Sprintf("IM%013d", i) },
		func(i int) string { return fmt.Sprintf("IM%033x", i) },
	}
	for i := range sidFixtureMessages {
		for _, shape := range shapes {
			n := len(f.messages)
			f.messages = append(f.messages, &model.Message{Sid: shape(i), ServiceSid: s2, ChannelSid: ch, Index: n,
				From: "alice", Body: fmt.Sprintf("message %d", n), Attributes: "{}", DateCreated: at(101 + n), DateUpdated: at(101 + n)})
		}
	}
	edited := f.messages[7]
	edited.Body, edited.WasEdited, edited.LastUpdatedBy, edited.DateUpdated = "edited", true, ptr("bob"), at(200)
	f.deleted = []string{f.messages[0].Sid, f.messages[9].Sid, f.messages[len(f.messages)-1].Sid}
	last := f.messages[len(f.messages)-2]
	f.channel.MessagesCount, f.channel.LastMessageSid = len(f.messages)-len(f.deleted), last.Sid
	return f
}

func (f *sidFixture) write(tx model.Tx) error {
	if err := tx.InsertChannel(clone(f.channel)); err != nil {
		return err
	}
	for _, m := range f.messages {
		if m.WasEdited {
			unedited := clone(m)
			unedited.Body, unedited.WasEdited, unedited.LastUpdatedBy, unedited.DateUpdated = "unedited", false, nil, m.DateCreated
			if err := tx.AppendMessage(unedited); err != nil {
				return err
			}
			continue
		}
		if err := tx.AppendMessage(clone(m)); err != nil {
			return err
		}
	}
	for _, m := range f.messages {
		if m.WasEdited {
			if err := tx.PutMessage(clone(m)); err != nil {
				return err
			}
		}
	}
	for _, s := range f.deleted {
		if err := tx.DeleteMessage(f.channel.ServiceSid, f.channel.Sid, s); err != nil {
			return err
		}
	}
	return nil
}

// check reads the Channel back through tx: its record, its Messages by
// SID and as pages, and their counts.
func (f *sidFixture) check(t *testing.T, tx model.Tx) {
	t.Helper()
	s2, ch := f.channel.ServiceSid, f.channel.Sid
	c, err := tx.Channel(s2, ch)
	if err != nil {
		t.Fatalf("Channel %s: %v", ch, err)
	}
	if !reflect.DeepEqual(c, f.channel) {
		t.Errorf("Channel %s:\n got %s\nwant %s", ch, show(c), show(f.channel))
	}
	kept := make([]*model.Message, 0, len(f.messages))
	for _, m := range f.messages {
		got, err := tx.Message(s2, ch, m.Sid)
		if contains(f.deleted, m.Sid) {
			if err != model.ErrNotFound {
				t.Errorf("deleted Message %q: %v, %v; want ErrNotFound", m.Sid, got, err)
			}
			continue
		}
		kept = append(kept, m)
		if err != nil {
			t.Errorf("Message %q: %v", m.Sid, err)
		} else if !reflect.DeepEqual(got, m) {
			t.Errorf("Message %q:\n got %s\nwant %s", m.Sid, show(got), show(m))
		}
	}
	// Pages of 5, one after the other.
	var paged []*model.Message
	for after := ""; ; {
		page, err := tx.Messages(s2, ch, model.Window{After: after, Limit: 5})
		if err != nil {
			t.Fatalf("Messages after %q: %v", after, err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = fmt.Sprint(page[len(page)-1].Index)
	}
	if !reflect.DeepEqual(paged, kept) {
		t.Errorf("the Messages of %s in pages of 5:\n got %s\nwant %s", ch, show(paged), show(kept))
	}
	for _, after := range []int{-1, 10, len(f.messages) - 3} {
		n, err := tx.CountMessagesAfter(s2, ch, after)
		want := len(filter(kept, func(m *model.Message) bool { return m.Index > after }))
		if err != nil || n != want {
			t.Errorf("CountMessagesAfter(%d) = %d, %v; want %d", after, n, err, want)
		}
	}
	// A SID that differs from every Message's, if only in the case of its
	// digits, is none of them.
	sids := map[string]bool{}
	for _, m := range f.messages {
		sids[m.Sid] = true
	}
	for _, m := range f.messages[1:7] {
		digits := m.Sid[2:]
		for _, other := range []string{m.Sid + "0", m.Sid[:len(m.Sid)-1], "IM" + strings.ToLower(digits), "IM" + strings.ToUpper(digits)} {
			if sids[other] {
				continue
			}
			if got, err := tx.Message(s2, ch, other); err != model.ErrNotFound {
				t.Errorf("Message %q: %v, %v; want ErrNotFound", other, got, err)
			}
		}
	}
}
