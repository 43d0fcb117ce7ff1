package chat

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

func TestMessageIndexesAndCounts(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		var sent []*model.Message
		for i := range 3 {
			m := r.message(t, s.Sid, ch.Sid, "m")
			if m.Index != i {
				t.Errorf("message %d has index %d", i, m.Index)
			}
			sent = append(sent, m)
		}
		wantChannel := func(t *testing.T, count int, last string) {
			t.Helper()
			got, err := r.FindChannel(t.Context(), s.Sid, ch.Sid)
			noErr(t, err)
			if got.MessagesCount != count || got.LastMessageSid != last {
				t.Errorf("channel has %d messages, last %q; want %d, %q", got.MessagesCount, got.LastMessageSid, count, last)
			}
		}
		wantChannel(t, 3, sent[2].Sid)
		noErr(t, r.DeleteMessage(t.Context(), s.Sid, ch.Sid, sent[2].Sid))
		wantChannel(t, 2, sent[1].Sid)
		noErr(t, r.DeleteMessage(t.Context(), s.Sid, ch.Sid, sent[0].Sid))
		wantChannel(t, 1, sent[1].Sid)
		if m := r.message(t, s.Sid, ch.Sid, "after"); m.Index != 3 {
			t.Errorf("the message after deletes has index %d, want 3: indexes are never reused", m.Index)
		}
		wantCode(t, "DeleteMessage again", r.DeleteMessage(t.Context(), s.Sid, ch.Sid, sent[0].Sid), 20404)

		desc, _, err := r.ListMessages(t.Context(), s.Sid, ch.Sid, model.MessageFilter{Order: model.OrderDesc}, model.Page{Size: 50})
		noErr(t, err)
		if len(desc) != 2 || desc[0].Index != 3 || desc[1].Index != 1 {
			t.Errorf("descending list = %v, want indexes 3, 1", indexes(desc))
		}
	})
}

func indexes(ms []*model.Message) []int {
	var out []int
	for _, m := range ms {
		out = append(out, m.Index)
	}
	return out
}

func TestMessageDefaultsAndEdits(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		m, err := r.CreateMessage(t.Context(), s.Sid, ch.Sid, model.MessageCreate{})
		noErr(t, err)
		if m.From != "system" || m.Body != "" || m.Attributes != "{}" || m.WasEdited || m.LastUpdatedBy != nil || m.Media != nil {
			t.Errorf("message = %+v, want from system, empty body, {}, not edited", m)
		}
		created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		m, err = r.CreateMessage(t.Context(), s.Sid, ch.Sid, model.MessageCreate{From: ptrTo("alice"), DateCreated: &created, LastUpdatedBy: ptrTo("")})
		noErr(t, err)
		if m.From != "alice" || !m.DateCreated.Equal(created) || !m.DateUpdated.Equal(created) || m.LastUpdatedBy != nil {
			t.Errorf("message = %+v, want alice's, dated as given, no editor", m)
		}

		now := r.clock.advance(time.Minute)
		m, err = r.UpdateMessage(t.Context(), s.Sid, ch.Sid, m.Sid, model.MessageUpdate{Attributes: ptrTo(`{"pinned":true}`)})
		noErr(t, err)
		if m.WasEdited || !m.DateUpdated.Equal(now) {
			t.Errorf("after an attributes update: edited %v, updated %v; want not edited, updated now", m.WasEdited, m.DateUpdated)
		}
		m, err = r.UpdateMessage(t.Context(), s.Sid, ch.Sid, m.Sid, model.MessageUpdate{Body: ptrTo("fixed"), LastUpdatedBy: ptrTo("bob")})
		noErr(t, err)
		if !m.WasEdited || m.Body != "fixed" || *m.LastUpdatedBy != "bob" || m.From != "alice" || m.Attributes != `{"pinned":true}` {
			t.Errorf("after a body update: %+v, want edited by bob with the rest kept", m)
		}
	})
}

func TestMediaMessages(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		me, err := r.CreateMedia(t.Context(), s.Sid, model.MediaCreate{Content: strings.NewReader("png"), ContentType: "image/png", Filename: ptrTo("cat.png")})
		noErr(t, err)
		if me.Author != "system" || me.Size != 3 || *me.Filename != "cat.png" {
			t.Errorf("media = %+v", me)
		}
		untyped, err := r.CreateMedia(t.Context(), s.Sid, model.MediaCreate{Content: strings.NewReader("\x00")})
		noErr(t, err)
		if untyped.ContentType != model.DefaultMediaContentType || untyped.Filename != nil {
			t.Errorf("untyped media = %+v, want the default type and no name", untyped)
		}

		m, err := r.CreateMessage(t.Context(), s.Sid, ch.Sid, model.MessageCreate{MediaSid: &me.Sid})
		noErr(t, err)
		if m.Media == nil || m.Media.Sid != me.Sid || m.Media.ContentType != "image/png" || m.Media.Size != 3 {
			t.Errorf("media message = %+v", m.Media)
		}
		_, err = r.CreateMessage(t.Context(), s.Sid, ch.Sid, model.MessageCreate{MediaSid: &me.Sid})
		wantCode(t, "sending the Media again", err, 50508)
		missing := model.PrefixMedia + strings.Repeat("0", 32)
		_, err = r.CreateMessage(t.Context(), s.Sid, ch.Sid, model.MessageCreate{MediaSid: &missing})
		wantCode(t, "sending a missing Media", err, 50507)
		_, err = r.UpdateMessage(t.Context(), s.Sid, ch.Sid, m.Sid, model.MessageUpdate{Body: ptrTo("")})
		wantCode(t, "updating a media Message's body", err, 50509)
		if _, err := r.UpdateMessage(t.Context(), s.Sid, ch.Sid, m.Sid, model.MessageUpdate{Attributes: ptrTo("[]")}); err != nil {
			t.Errorf("updating a media Message's attributes: %v", err)
		}

		noErr(t, r.DeleteMessage(t.Context(), s.Sid, ch.Sid, m.Sid))
		_, err = r.FindMedia(t.Context(), s.Sid, me.Sid)
		wantCode(t, "FindMedia of a deleted Message's Media", err, 20404)

		_, err = r.CreateMedia(t.Context(), noService, model.MediaCreate{Content: strings.NewReader("x")})
		wantCode(t, "CreateMedia in a missing Service", err, 20404)
	})
}

func TestMediaSizeLimit(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		if got := s.MediaSizeLimit(); got != 150<<20 {
			t.Errorf("media size limit = %d, want 150 MiB", got)
		}
		// No operation sets the limit: lower it in the store, so that the
		// test need not upload 150 MiB.
		noErr(t, r.store.Update(t.Context(), func(tx model.Tx) error {
			s.Media.SizeLimitMB = 1
			return tx.PutService(s)
		}))
		if _, err := r.CreateMedia(t.Context(), s.Sid, model.MediaCreate{Content: strings.NewReader(strings.Repeat("m", 1<<20))}); err != nil {
			t.Errorf("CreateMedia at the limit: %v", err)
		}
		_, err := r.CreateMedia(t.Context(), s.Sid, model.MediaCreate{Content: strings.NewReader(strings.Repeat("m", 1<<20+1))})
		wantCode(t, "CreateMedia over the limit", err, 50512)
	})
}

// TestMessagesByChannelKey reads the Messages of a Channel by SID and by
// unique name, and of Channels and Services that do not exist.
func TestMessagesByChannelKey(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		name := "general"
		ch, err := r.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{UniqueName: &name})
		noErr(t, err)
		empty := r.channel(t, s.Sid)
		m := r.message(t, s.Sid, ch.Sid, "hello")
		for _, key := range []string{ch.Sid, name} {
			got, _, err := r.ListMessages(t.Context(), s.Sid, key, model.MessageFilter{}, model.Page{Size: 50})
			noErr(t, err)
			if len(got) != 1 || got[0].Sid != m.Sid {
				t.Errorf("ListMessages(%s) = %v, want [%s]", key, got, m.Sid)
			}
			found, err := r.FindMessage(t.Context(), s.Sid, key, m.Sid)
			noErr(t, err)
			if found.Sid != m.Sid {
				t.Errorf("FindMessage(%s) = %s, want %s", key, found.Sid, m.Sid)
			}
		}
		got, _, err := r.ListMessages(t.Context(), s.Sid, empty.Sid, model.MessageFilter{}, model.Page{Size: 50})
		noErr(t, err)
		if len(got) != 0 {
			t.Errorf("ListMessages(empty channel) = %v, want none", got)
		}
		missing := model.PrefixChannel + strings.Repeat("8", 32)
		_, _, err = r.ListMessages(t.Context(), s.Sid, missing, model.MessageFilter{}, model.Page{Size: 50})
		wantCode(t, "ListMessages(no such Channel)", err, 20404)
		_, err = r.FindMessage(t.Context(), s.Sid, missing, m.Sid)
		wantCode(t, "FindMessage(no such Channel)", err, 20404)
		_, err = r.FindMessage(t.Context(), s.Sid, empty.Sid, m.Sid)
		wantCode(t, "FindMessage(in another Channel)", err, 20404)
		_, _, err = r.ListMessages(t.Context(), noService, ch.Sid, model.MessageFilter{}, model.Page{Size: 50})
		wantCode(t, "ListMessages(no such Service)", err, 20404)
		_, err = r.CreateMessage(t.Context(), s.Sid, missing, model.MessageCreate{})
		wantCode(t, "CreateMessage(no such Channel)", err, 20404)
		_, err = r.CreateMessage(t.Context(), noService, ch.Sid, model.MessageCreate{})
		wantCode(t, "CreateMessage(no such Service)", err, 20404)
		if sent, err := r.CreateMessage(t.Context(), s.Sid, name, model.MessageCreate{}); err != nil || sent.ChannelSid != ch.Sid || sent.Index != 1 {
			t.Errorf("CreateMessage(%s) = %+v, %v; want index 1 in %s", name, sent, err, ch.Sid)
		}
	})
}

// TestViewMessages checks that ViewMessages hands its callback the page and
// cursor ListMessages returns, for pages reached every way: first, by the
// next and previous tokens, descending, by number beyond a hundred
// Messages, by unique name; and fails as ListMessages does.
func TestViewMessages(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch, err := r.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{UniqueName: ptrTo("room")})
		noErr(t, err)
		for i := range 130 {
			r.message(t, s.Sid, ch.Sid, fmt.Sprintf("message \"%d\" é", i))
		}
		first, cur, err := r.ListMessages(t.Context(), s.Sid, ch.Sid, model.MessageFilter{}, model.Page{Size: 50})
		noErr(t, err)
		second, cur2, err := r.ListMessages(t.Context(), s.Sid, ch.Sid, model.MessageFilter{}, model.Page{Size: 50, Number: 1, Token: cur.Next})
		noErr(t, err)
		cases := []struct {
			name    string
			channel string
			f       model.MessageFilter
			p       model.Page
		}{
			{"first page", ch.Sid, model.MessageFilter{}, model.Page{Size: 50}},
			{"by unique name", "room", model.MessageFilter{}, model.Page{Size: 50}},
			{"next token", ch.Sid, model.MessageFilter{}, model.Page{Size: 50, Number: 1, Token: cur.Next}},
			{"previous token", ch.Sid, model.MessageFilter{}, model.Page{Size: 50, Number: 1, Token: cur2.Previous}},
			{"descending", ch.Sid, model.MessageFilter{Order: model.OrderDesc}, model.Page{Size: 50}},
			{"by number, past a hundred", ch.Sid, model.MessageFilter{}, model.Page{Size: 50, Number: 2}},
			{"a page of 100", ch.Sid, model.MessageFilter{}, model.Page{Size: 100}},
		}
		if len(first) != 50 || len(second) != 50 || second[0].Index != 50 {
			t.Fatalf("pages of %d and %d from index %d, want 50 and 50 from 50", len(first), len(second), second[0].Index)
		}
		for _, c := range cases {
			want, wantCur, err := r.ListMessages(t.Context(), s.Sid, c.channel, c.f, c.p)
			noErr(t, err)
			calls := 0
			err = r.ViewMessages(t.Context(), s.Sid, c.channel, c.f, c.p, func(ms []*model.Message, cur model.Cursor) {
				calls++
				if !reflect.DeepEqual(ms, want) || cur != wantCur {
					t.Errorf("%s: ViewMessages read indexes %v and %+v, ListMessages %v and %+v", c.name, indexes(ms), cur, indexes(want), wantCur)
				}
			})
			noErr(t, err)
			if calls != 1 {
				t.Errorf("%s: view called %d times, want once", c.name, calls)
			}
		}
		fail := func(ms []*model.Message, _ model.Cursor) {
			t.Errorf("view called with %d Messages for a failed read", len(ms))
		}
		wantCode(t, "ViewMessages of a missing Channel",
			r.ViewMessages(t.Context(), s.Sid, "CH00000000000000000000000000000000", model.MessageFilter{}, model.Page{Size: 50}, fail), 20404)
		wantCode(t, "ViewMessages with a bad token",
			r.ViewMessages(t.Context(), s.Sid, ch.Sid, model.MessageFilter{}, model.Page{Size: 50, Token: "PTx"}, fail), 20001)
	})
}
