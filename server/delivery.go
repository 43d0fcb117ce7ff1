package server

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// deliveryJSON is one webhook delivery as chatd's inspection route shows
// it. It is chatd's own shape, not Twilio's.
type deliveryJSON struct {
	ID           uint64            `json:"id"`
	ServiceSid   string            `json:"service_sid"`
	ChannelSid   *string           `json:"channel_sid"`
	Event        string            `json:"event"`
	URL          string            `json:"url"`
	Method       string            `json:"method"`
	WebhookSid   *string           `json:"webhook_sid"`
	WebhookType  *string           `json:"webhook_type"`
	Status       string            `json:"status"`
	Attempts     int               `json:"attempts"`
	MaxRetries   int               `json:"max_retries"`
	ResponseCode *int              `json:"response_code"`
	Error        *string           `json:"error"`
	ErrorCode    *int              `json:"error_code"`
	DurationMs   float64           `json:"duration_ms"`
	Params       map[string]string `json:"params"`
	DateCreated  string            `json:"date_created"`
	DateUpdated  string            `json:"date_updated"`
	NextAttempt  *string           `json:"next_attempt"`
}

// deliveryDate has milliseconds: deliveries are timed closer than seconds.
const deliveryDate = "2006-01-02T15:04:05.000Z"

func deliveryJSONOf(d *model.Delivery) deliveryJSON {
	out := deliveryJSON{
		ID:          d.ID,
		ServiceSid:  d.ServiceSid,
		ChannelSid:  nullIfEmpty(d.ChannelSid),
		Event:       d.Event,
		URL:         d.URL,
		Method:      d.Method,
		WebhookSid:  nullIfEmpty(d.WebhookSid),
		WebhookType: nullIfEmpty(d.WebhookType),
		Status:      d.Status,
		Attempts:    d.Attempts,
		MaxRetries:  d.MaxRetries,
		Error:       nullIfEmpty(d.Error),
		DurationMs:  float64(d.Duration) / float64(time.Millisecond),
		Params:      map[string]string{},
		DateCreated: d.DateCreated.UTC().Format(deliveryDate),
		DateUpdated: d.DateUpdated.UTC().Format(deliveryDate),
	}
	if d.ResponseCode != 0 {
		out.ResponseCode = &d.ResponseCode
	}
	if d.ErrorCode != 0 {
		out.ErrorCode = &d.ErrorCode
	}
	for k, vs := range d.Params {
		if len(vs) > 0 {
			out.Params[k] = vs[0]
		}
	}
	if d.Status == model.DeliveryPending {
		next := d.NextAttempt.UTC().Format(deliveryDate)
		out.NextAttempt = &next
	}
	return out
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
	out := make([]deliveryJSON, len(ds))
	for i, d := range ds {
		out[i] = deliveryJSONOf(d)
	}
	var q filter
	if service != "" {
		q = q.add("ServiceSid", service)
	}
	return s.writeList(w, r, "deliveries", out, q, pg, cur)
}
