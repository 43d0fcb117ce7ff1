package console

import (
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/chatd/chatd/model"
)

// deliveryStatuses are the statuses the deliveries page filters by.
var deliveryStatuses = []string{model.DeliveryPending, model.DeliveryDelivered, model.DeliveryFailed, model.DeliveryUndeliverable}

// deliveryEvents are the events offered as the event filter's choices.
var deliveryEvents = []string{
	"onMessageSent", "onMediaMessageSent", "onMessageUpdated", "onMessageRemoved",
	"onChannelAdded", "onChannelUpdated", "onChannelDestroyed",
	"onMemberAdded", "onMemberUpdated", "onMemberRemoved",
	"onUserAdded", "onUserUpdated",
	"onMessageSend", "onMessageUpdate", "onMessageRemove",
	"onChannelAdd", "onChannelUpdate", "onChannelDestroy",
	"onMemberAdd", "onMemberUpdate", "onMemberRemove", "onUserUpdate",
}

// deliveriesPage lists the webhook deliveries newest first, narrowed by
// Service, event and status.
func (c *Console) deliveriesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := model.DeliveryFilter{ServiceSid: q.Get("service"), Event: q.Get("event"), Status: q.Get("status")}
	if f.ServiceSid != "" && !model.IsSID(model.PrefixService, f.ServiceSid) {
		return model.InvalidParam("service", f.ServiceSid)
	}
	if f.Status != "" && !slices.Contains(deliveryStatuses, f.Status) {
		return model.InvalidParam("status", f.Status)
	}
	ds, cur, err := c.api.ListDeliveries(r.Context(), f, pageOf(r, listSize))
	if err != nil {
		return err
	}
	var services []*model.Service
	err = walk(func(p model.Page) ([]*model.Service, model.Cursor, error) {
		return c.api.ListServices(r.Context(), p)
	}, func(s *model.Service) { services = append(services, s) })
	if err != nil {
		return err
	}
	return c.render(w, http.StatusOK, "deliveries", view{
		Title: "Webhook deliveries",
		Data: struct {
			Deliveries []*model.Delivery
			Filter     model.DeliveryFilter
			Services   []*model.Service
			Events     []string
			Statuses   []string
			Pager      pager
		}{ds, f, services, deliveryEvents, deliveryStatuses,
			pagerOf(r, href("deliveries"), cur, "service", f.ServiceSid, "event", f.Event, "status", f.Status)},
	})
}

// deliveryID reads the delivery ID of the request's path.
func deliveryID(r *http.Request) (uint64, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, model.NotFound()
	}
	return id, nil
}

// deliveryPage shows one delivery: what was sent, each attempt and its
// answer.
func (c *Console) deliveryPage(w http.ResponseWriter, r *http.Request) error {
	id, err := deliveryID(r)
	if err != nil {
		return err
	}
	d, err := c.api.FindDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	type param struct{ Name, Value string }
	var params []param
	for _, name := range slices.Sorted(maps.Keys(d.Params)) {
		for _, v := range d.Params[name] {
			params = append(params, param{name, v})
		}
	}
	return c.render(w, http.StatusOK, "delivery", view{
		Title:  "Delivery " + strconv.FormatUint(d.ID, 10),
		Crumbs: []crumb{{"Webhook deliveries", href("deliveries")}},
		Data: struct {
			*model.Delivery
			Params    []param
			Resending bool
		}{d, params, d.Status != model.DeliveryUndeliverable && d.URL != ""},
	})
}

// resendDelivery enqueues a copy of the delivery and shows the copy.
func (c *Console) resendDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := deliveryID(r)
	if err != nil {
		return err
	}
	d, err := c.api.ResendDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	http.Redirect(w, r, href("deliveries", d.ID), http.StatusSeeOther)
	return nil
}
