package server

import (
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/jsonenc"
	"github.com/chatd/chatd/model"
)

// deliveryDate has milliseconds: deliveries are timed closer than seconds.
const deliveryDate = "2006-01-02T15:04:05.000Z"

// delivery writes d, one webhook delivery as chatd's inspection route shows
// it: chatd's own shape, not Twilio's. params holds the first value of each
// parameter, in key order; next_attempt is null once the delivery is done.
func (b *body) delivery(d *model.Delivery) {
	b.open("")
	b.uint64("id", d.ID)
	b.str("service_sid", d.ServiceSid)
	b.strOrNull("channel_sid", d.ChannelSid)
	b.str("event", d.Event)
	b.str("url", d.URL)
	b.str("method", d.Method)
	b.strOrNull("webhook_sid", d.WebhookSid)
	b.strOrNull("webhook_type", d.WebhookType)
	b.str("status", d.Status)
	b.int("attempts", d.Attempts)
	b.int("max_retries", d.MaxRetries)
	if d.ResponseCode != 0 {
		b.int("response_code", d.ResponseCode)
	} else {
		b.null("response_code")
	}
	b.strOrNull("error", d.Error)
	if d.ErrorCode != 0 {
		b.int("error_code", d.ErrorCode)
	} else {
		b.null("error_code")
	}
	b.float("duration_ms", float64(d.Duration)/float64(time.Millisecond))
	b.open("params")
	for _, k := range slices.Sorted(maps.Keys(d.Params)) {
		if vs := d.Params[k]; len(vs) > 0 {
			b.b = jsonenc.AppendString(b.b, k)
			b.b = append(b.b, ':')
			b.str("", vs[0])
		}
	}
	b.close()
	b.timeLayout("date_created", d.DateCreated, deliveryDate)
	b.timeLayout("date_updated", d.DateUpdated, deliveryDate)
	if d.Status == model.DeliveryPending {
		b.timeLayout("next_attempt", d.NextAttempt, deliveryDate)
	} else {
		b.null("next_attempt")
	}
	b.close()
}

// handleDeliveryList is GET /_chatd/deliveries: the recent webhook
// deliveries, newest first, all of them or one Service's (ServiceSid), so
// that a test can assert what chatd sent.
func (s *Server) handleDeliveryList(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, 1000)
	service := ""
	if v := f.str("ServiceSid"); v != nil {
		if !model.IsSID(model.PrefixService, *v) {
			f.fail(model.InvalidParam("ServiceSid", *v))
		}
		service = *v
	}
	if f.err != nil {
		return f.err
	}
	ds, cur, err := s.api.ListDeliveries(r.Context(), model.DeliveryFilter{ServiceSid: service}, pg)
	if err != nil {
		return err
	}
	var q filter
	if service != "" {
		q = q.add("ServiceSid", service)
	}
	return s.replyList(w, r, "deliveries", q, pg, cur, func(b *body) {
		for _, d := range ds {
			b.delivery(d)
		}
	})
}
