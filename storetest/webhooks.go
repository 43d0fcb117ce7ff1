package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// newWebhook builds Channel webhook n of channel ch: a webhook-type record
// with every field its type uses set, so that a round trip proves each
// field is stored.
func newWebhook(svc, ch, n int) *model.ChannelWebhook {
	return &model.ChannelWebhook{Sid: sid("WH", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch),
		Type: model.WebhookTypeWebhook, URL: ptr("https://hooks.example.com/in"), Method: ptr("POST"),
		Filters: []string{"onMessageSent", "onMemberAdded"}, RetryCount: ptr(2),
		DateCreated: testNow, DateUpdated: testNow}
}

// newStudioWebhook builds a studio-type webhook, whose record has the
// fields the webhook type leaves unset.
func newStudioWebhook(svc, ch, n int) *model.ChannelWebhook {
	return &model.ChannelWebhook{Sid: sid("WH", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch),
		Type: model.WebhookTypeStudio, FlowSid: ptr("FW" + sid("", 7)), DateCreated: testNow, DateUpdated: testNow}
}

func insWebhook(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.InsertChannelWebhook(newWebhook(svc, ch, n)) }
}

func delWebhook(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.DeleteChannelWebhook(sid("IS", svc), sid("CH", ch), sid("WH", n)) }
}

// webhookSids lists the SIDs of channel ch's webhooks in window w.
func webhookSids(t *testing.T, st model.Store, svc, ch int, w model.Window) []string {
	t.Helper()
	whs := mustRead(t, st, func(tx model.Tx) ([]*model.ChannelWebhook, error) {
		return tx.ChannelWebhooks(sid("IS", svc), sid("CH", ch), w)
	})
	return sids(whs, func(wh *model.ChannelWebhook) string { return wh.Sid })
}

func mustWebhook(t *testing.T, st model.Store, svc, ch, n int) *model.ChannelWebhook {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) (*model.ChannelWebhook, error) {
		return tx.ChannelWebhook(sid("IS", svc), sid("CH", ch), sid("WH", n))
	})
}

func webhookErr(st model.Store, svc, ch, n int) error {
	return viewErr(st, func(tx model.Tx) error {
		_, err := tx.ChannelWebhook(sid("IS", svc), sid("CH", ch), sid("WH", n))
		return err
	})
}

func whs(ns ...int) []string {
	var out []string
	for _, n := range ns {
		out = append(out, sid("WH", n))
	}
	return out
}

// testChannelWebhooks holds the Channel webhook primitives to their
// contract: records round-trip, list in SID order through windows, belong to
// one Channel, keep their type on Put, and go with their Channel and
// Service. The suite's state comparison (readable) does not read webhooks,
// so "writes nothing" is also checked through the webhooks' own reads.
func testChannelWebhooks(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, "room"),
			insChannel(1, 2, model.ChannelPublic, "other"), insWebhook(1, 1, 1))
		return st
	}

	t.Run("ChannelWebhook reads back what was inserted", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, func(tx model.Tx) error { return tx.InsertChannelWebhook(newStudioWebhook(1, 1, 2)) })
		for n, want := range map[int]*model.ChannelWebhook{1: newWebhook(1, 1, 1), 2: newStudioWebhook(1, 1, 2)} {
			if got := mustWebhook(t, st, 1, 1, n); !reflect.DeepEqual(got, want) {
				t.Errorf("ChannelWebhook(WH %d) = %+v, want %+v", n, got, want)
			}
		}
	})
	t.Run("ChannelWebhooks walks windows in SID order", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""),
			insWebhook(1, 1, 4), insWebhook(1, 1, 1), insWebhook(1, 1, 5), insWebhook(1, 1, 3), insWebhook(1, 1, 2))
		mustSeed(t, st, delWebhook(1, 1, 3))
		for _, c := range []struct {
			name string
			w    model.Window
			want []string
		}{
			{"all", model.Window{}, whs(1, 2, 4, 5)},
			{"reverse", model.Window{Reverse: true}, whs(5, 4, 2, 1)},
			{"limit", model.Window{Limit: 2}, whs(1, 2)},
			{"after a key", model.Window{After: sid("WH", 2)}, whs(4, 5)},
			{"after a deleted key", model.Window{After: sid("WH", 3), Limit: 1}, whs(4)},
			{"reverse after a key", model.Window{After: sid("WH", 4), Reverse: true}, whs(2, 1)},
			{"after the last key", model.Window{After: sid("WH", 5)}, nil},
		} {
			if got := webhookSids(t, st, 1, 1, c.w); !slices.Equal(got, c.want) {
				t.Errorf("%s: ChannelWebhooks(%+v) = %v, want %v", c.name, c.w, got, c.want)
			}
		}
	})
	t.Run("a channel without webhooks lists none", func(t *testing.T) {
		st := setup(t)
		if got := webhookSids(t, st, 1, 2, model.Window{}); len(got) != 0 {
			t.Errorf("ChannelWebhooks(CH 2) = %v, want none", got)
		}
	})
	t.Run("a webhook belongs to its channel", func(t *testing.T) {
		st := setup(t)
		wantNotFound(t, "ChannelWebhook(CH 2, WH 1)", webhookErr(st, 1, 2, 1))
		wantNotFound(t, "DeleteChannelWebhook(CH 2, WH 1)", tryOp(t, st, delWebhook(1, 2, 1)))
		moved := newWebhook(1, 2, 1)
		wantNotFound(t, "PutChannelWebhook(CH 2, WH 1)", tryOp(t, st, func(tx model.Tx) error { return tx.PutChannelWebhook(moved) }))
		if got := mustWebhook(t, st, 1, 1, 1); !reflect.DeepEqual(got, newWebhook(1, 1, 1)) {
			t.Errorf("WH 1 = %+v after writes under another channel", got)
		}
	})
	t.Run("PutChannelWebhook replaces the configuration and keeps the type", func(t *testing.T) {
		st := setup(t)
		want := newWebhook(1, 1, 1)
		want.URL, want.Method, want.Filters, want.RetryCount = ptr("https://hooks.example.com/new"), ptr("GET"), []string{"onUserAdded"}, nil
		want.DateUpdated = testNow.Add(time.Second)
		mustSeed(t, st, func(tx model.Tx) error {
			wh := *want
			wh.Type = model.WebhookTypeTrigger // ignored: the type never changes
			return tx.PutChannelWebhook(&wh)
		})
		if got := mustWebhook(t, st, 1, 1, 1); !reflect.DeepEqual(got, want) {
			t.Errorf("after PutChannelWebhook = %+v, want %+v", got, want)
		}
	})
	t.Run("PutChannelWebhook of an unknown webhook is not found and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantNotFound(t, "PutChannelWebhook(WH 9)", tryOp(t, st, func(tx model.Tx) error {
			return tx.PutChannelWebhook(newWebhook(1, 1, 9))
		}))
		e.wantUnchanged(t, st, before)
		if got := webhookSids(t, st, 1, 1, model.Window{}); !slices.Equal(got, whs(1)) {
			t.Errorf("ChannelWebhooks = %v, want [WH 1]", got)
		}
	})
	t.Run("InsertChannelWebhook with a taken SID returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantTaken(t, "InsertChannelWebhook", tryOp(t, st, func(tx model.Tx) error {
			return tx.InsertChannelWebhook(newStudioWebhook(1, 1, 1))
		}), "sid")
		e.wantUnchanged(t, st, before)
		if got := mustWebhook(t, st, 1, 1, 1); !reflect.DeepEqual(got, newWebhook(1, 1, 1)) {
			t.Errorf("WH 1 = %+v after a refused insert", got)
		}
	})
	t.Run("DeleteChannelWebhook removes it, once", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insWebhook(1, 1, 2), delWebhook(1, 1, 1))
		wantNotFound(t, "ChannelWebhook(WH 1)", webhookErr(st, 1, 1, 1))
		if got := webhookSids(t, st, 1, 1, model.Window{}); !slices.Equal(got, whs(2)) {
			t.Errorf("ChannelWebhooks = %v, want [WH 2]", got)
		}
		wantNotFound(t, "DeleteChannelWebhook again", tryOp(t, st, delWebhook(1, 1, 1)))
	})
	t.Run("a missing service or channel is not found and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		for _, parent := range []struct {
			name    string
			svc, ch int
		}{{"service", 9, 1}, {"channel", 1, 9}} {
			s, c := sid("IS", parent.svc), sid("CH", parent.ch)
			reads := map[string]func(model.Tx) error{
				"ChannelWebhook":  func(tx model.Tx) error { _, err := tx.ChannelWebhook(s, c, sid("WH", 1)); return err },
				"ChannelWebhooks": func(tx model.Tx) error { _, err := tx.ChannelWebhooks(s, c, model.Window{}); return err },
			}
			for name, read := range reads {
				wantNotFound(t, name+" under a missing "+parent.name, viewErr(st, read))
			}
			writes := map[string]op{
				"InsertChannelWebhook": insWebhook(parent.svc, parent.ch, 2),
				"PutChannelWebhook": func(tx model.Tx) error {
					return tx.PutChannelWebhook(newWebhook(parent.svc, parent.ch, 1))
				},
				"DeleteChannelWebhook": delWebhook(parent.svc, parent.ch, 1),
			}
			for name, write := range writes {
				wantNotFound(t, name+" under a missing "+parent.name, tryOp(t, st, write))
			}
		}
		e.wantUnchanged(t, st, before)
		if got := webhookSids(t, st, 1, 1, model.Window{}); !slices.Equal(got, whs(1)) {
			t.Errorf("ChannelWebhooks = %v, want [WH 1]", got)
		}
	})
	t.Run("DeleteChannelTree removes the channel's webhooks", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insWebhook(1, 1, 2), insWebhook(1, 2, 3))
		mustSeed(t, st, delChannel(1, 1))
		wantNotFound(t, "ChannelWebhook(CH 1, WH 1)", webhookErr(st, 1, 1, 1))
		// The same Channel SID inserted again starts without webhooks.
		mustSeed(t, st, insChannel(1, 1, model.ChannelPublic, "room"))
		if got := webhookSids(t, st, 1, 1, model.Window{}); len(got) != 0 {
			t.Errorf("re-inserted CH 1 lists webhooks %v, want none", got)
		}
		if got := webhookSids(t, st, 1, 2, model.Window{}); !slices.Equal(got, whs(3)) {
			t.Errorf("CH 2 lists %v, want [WH 3]", got)
		}
	})
	t.Run("DeleteServiceTree removes them", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delService(1))
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, "room"))
		if got := webhookSids(t, st, 1, 1, model.Window{}); len(got) != 0 {
			t.Errorf("re-inserted service's CH 1 lists webhooks %v, want none", got)
		}
	})
}
