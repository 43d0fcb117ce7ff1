package chat

import (
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// deliveryIDs is the IDs of ds, in order.
func deliveryIDs(ds []*model.Delivery) []uint64 {
	out := []uint64{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// hookedService is a Service whose post-event webhook takes onMessageSent
// and onMemberAdded.
func (r *rig) hookedService(t *testing.T) *model.Service {
	t.Helper()
	s := r.service(t)
	post, filters := "https://hooks.example.com/post", []string{"onMessageSent", "onMemberAdded"}
	s, err := r.UpdateService(t.Context(), s.Sid, model.ServiceUpdate{PostWebhookURL: &post, WebhookFilters: &filters})
	noErr(t, err)
	return s
}

func TestListDeliveriesFilter(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		ctx := model.WithWebhooks(t.Context(), true)
		s1, s2 := r.hookedService(t), r.hookedService(t)
		// IDs 1 to 6: a member and a message in each Service, in turn, then
		// a message in each Service again.
		for _, s := range []*model.Service{s1, s2} {
			ch := r.channel(t, s.Sid)
			_, err := r.CreateMember(ctx, s.Sid, ch.Sid, model.MemberCreate{Identity: "alice"})
			noErr(t, err)
			_, err = r.CreateMessage(ctx, s.Sid, ch.Sid, model.MessageCreate{})
			noErr(t, err)
		}
		for _, s := range []*model.Service{s1, s2} {
			chs, _, err := r.ListChannels(t.Context(), s.Sid, model.ChannelFilter{}, model.Page{Size: 1})
			noErr(t, err)
			_, err = r.CreateMessage(ctx, s.Sid, chs[0].Sid, model.MessageCreate{})
			noErr(t, err)
		}
		// Delivery 2 is marked delivered, as the dispatcher would.
		d2, err := r.FindDelivery(t.Context(), 2)
		noErr(t, err)
		d2.Status = model.DeliveryDelivered
		noErr(t, r.store.Update(t.Context(), func(tx model.Tx) error { return tx.PutDelivery(d2) }))

		for _, c := range []struct {
			name string
			f    model.DeliveryFilter
			want []uint64
		}{
			{"all", model.DeliveryFilter{}, []uint64{6, 5, 4, 3, 2, 1}},
			{"one Service", model.DeliveryFilter{ServiceSid: s2.Sid}, []uint64{6, 4, 3}},
			{"one event", model.DeliveryFilter{Event: "onMessageSent"}, []uint64{6, 5, 4, 2}},
			{"one status", model.DeliveryFilter{Status: model.DeliveryPending}, []uint64{6, 5, 4, 3, 1}},
			{"all three", model.DeliveryFilter{ServiceSid: s1.Sid, Event: "onMessageSent", Status: model.DeliveryPending}, []uint64{5}},
			{"none match", model.DeliveryFilter{Event: "onUserAdded"}, []uint64{}},
		} {
			t.Run(c.name, func(t *testing.T) {
				ds, _, err := r.ListDeliveries(t.Context(), c.f, model.Page{Size: 50})
				noErr(t, err)
				if got := deliveryIDs(ds); !slices.Equal(got, c.want) {
					t.Errorf("IDs = %v, want %v", got, c.want)
				}
				// Page by page, one at a time, the same deliveries.
				var paged []uint64
				p := model.Page{Size: 1}
				for range 10 {
					ds, cur, err := r.ListDeliveries(t.Context(), c.f, p)
					noErr(t, err)
					paged = append(paged, deliveryIDs(ds)...)
					if cur.Next == "" {
						break
					}
					p.Token = cur.Next
				}
				if !slices.Equal(paged, c.want) {
					t.Errorf("paged IDs = %v, want %v", paged, c.want)
				}
			})
		}
	})
}

func TestFindDelivery(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.hookedService(t)
		ch := r.channel(t, s.Sid)
		_, err := r.CreateMessage(model.WithWebhooks(t.Context(), true), s.Sid, ch.Sid, model.MessageCreate{})
		noErr(t, err)
		d, err := r.FindDelivery(t.Context(), 1)
		noErr(t, err)
		if d.ID != 1 || d.Event != "onMessageSent" || d.ChannelSid != ch.Sid {
			t.Errorf("FindDelivery(1) = %+v, want the message's delivery", d)
		}
		for _, id := range []uint64{0, 2} {
			_, err := r.FindDelivery(t.Context(), id)
			wantCode(t, "FindDelivery of an unknown ID", err, 20404)
		}
	})
}

func TestResendDelivery(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.hookedService(t)
		ch := r.channel(t, s.Sid)
		body := "hello"
		_, err := r.CreateMessage(model.WithWebhooks(t.Context(), true), s.Sid, ch.Sid, model.MessageCreate{Body: &body})
		noErr(t, err)
		// The first delivery failed after an attempt.
		first, err := r.FindDelivery(t.Context(), 1)
		noErr(t, err)
		first.Status, first.Attempts, first.ResponseCode = model.DeliveryFailed, 2, 500
		first.Params["RetryCount"] = []string{"1"}
		first.Log = []model.DeliveryAttempt{{Start: r.clock.Now(), Status: 500}}
		noErr(t, r.store.Update(t.Context(), func(tx model.Tx) error { return tx.PutDelivery(first) }))
		wakes := r.wakes.Load()
		later := r.clock.advance(time.Minute)

		again, err := r.ResendDelivery(t.Context(), 1)
		noErr(t, err)
		if r.wakes.Load() != wakes+1 {
			t.Errorf("the dispatcher was woken %d times, want once", r.wakes.Load()-wakes)
		}
		stored, err := r.FindDelivery(t.Context(), 2)
		noErr(t, err)
		if !reflect.DeepEqual(stored, again) {
			t.Errorf("stored %+v, returned %+v", stored, again)
		}
		params := url.Values(first.Params)
		params.Set("RetryCount", "0")
		want := &model.Delivery{
			ID: 2, ServiceSid: s.Sid, ChannelSid: ch.Sid, Event: "onMessageSent", URL: first.URL, Method: "POST",
			Params: params, MaxRetries: first.MaxRetries, Status: model.DeliveryPending,
			DateCreated: later, DateUpdated: later, NextAttempt: later,
		}
		if !reflect.DeepEqual(stored, want) {
			t.Errorf("the copy is\n %+v\nwant\n %+v", stored, want)
		}
		if d, _ := r.FindDelivery(t.Context(), 1); d.Status != model.DeliveryFailed || d.Attempts != 2 {
			t.Errorf("the original became %+v, want it unchanged", d)
		}
		_, err = r.ResendDelivery(t.Context(), 9)
		wantCode(t, "ResendDelivery of an unknown ID", err, 20404)
	})
}

func TestResendUndeliverable(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		flow := "FW" + "00000000000000000000000000000001"
		filters := []string{"onMessageSent"}
		_, err := r.CreateChannelWebhook(t.Context(), s.Sid, ch.Sid, model.ChannelWebhookCreate{
			Type: model.WebhookTypeStudio, ChannelWebhookUpdate: model.ChannelWebhookUpdate{FlowSid: &flow, Filters: &filters},
		})
		noErr(t, err)
		_, err = r.CreateMessage(model.WithWebhooks(t.Context(), true), s.Sid, ch.Sid, model.MessageCreate{})
		noErr(t, err)
		_, err = r.ResendDelivery(t.Context(), 1)
		wantCode(t, "ResendDelivery of a Studio delivery", err, 20001)
	})
}
