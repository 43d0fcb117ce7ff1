package server

import (
	"net/http"
	"slices"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// maxChannelWebhookPageSize is both the default and the maximum PageSize
// of the Channel Webhooks list (the spec's "default is 5, maximum is 5").
const maxChannelWebhookPageSize = 5

// channelWebhook writes wh, a Channel webhook, in the spec example's key
// order. It has its own url and no links.
func (b *body) channelWebhook(wh *model.ChannelWebhook) {
	b.open("")
	b.accountSid()
	b.str("service_sid", wh.ServiceSid)
	b.str("channel_sid", wh.ChannelSid)
	b.str("sid", wh.Sid)
	b.str("type", wh.Type)
	b.webhookConfiguration(wh)
	b.date("date_created", wh.DateCreated)
	b.date("date_updated", wh.DateUpdated)
	b.concat("url", b.root, "/Services/", wh.ServiceSid, "/Channels/", wh.ChannelSid, "/Webhooks/", wh.Sid)
	b.close()
}

// webhookConfiguration writes the configuration of wh's type: webhook →
// {url, method, filters, retry_count}; trigger → {url, method, triggers,
// retry_count}; studio → {flow_sid} plus filters and retry_count when they
// were given. Unset keys and empty lists are left out, as Twilio omits keys
// never supplied; a retry count of 0 is kept.
//
// A trigger webhook's words are under "triggers", not "filters". The spec's
// examples show them under "filters", but those examples are synthetic (url
// "dummy", a RetryCount of 5 that the spec itself rules out). The
// third-party Go SDK RJPearson94/twilio-sdk-go, whose Chat fixtures were
// captured from the live API, models the key as "triggers"
// (channel/webhooks/api_op_create.go), as does Conversations, which runs on
// the same backend.
func (b *body) webhookConfiguration(wh *model.ChannelWebhook) {
	var url, method, flowSid *string
	var filters, triggers []string
	switch wh.Type {
	case model.WebhookTypeWebhook:
		url, method, filters = wh.URL, wh.Method, wh.Filters
	case model.WebhookTypeTrigger:
		url, method, triggers = wh.URL, wh.Method, wh.Triggers
	case model.WebhookTypeStudio:
		flowSid, filters = wh.FlowSid, wh.Filters
	}
	b.open("configuration")
	if url != nil {
		b.str("url", *url)
	}
	if method != nil {
		b.str("method", *method)
	}
	if len(filters) > 0 {
		b.strs("filters", filters)
	}
	if len(triggers) > 0 {
		b.strs("triggers", triggers)
	}
	if flowSid != nil {
		b.str("flow_sid", *flowSid)
	}
	if wh.RetryCount != nil {
		b.int("retry_count", *wh.RetryCount)
	}
	b.close()
}

// readChannelWebhookConfig reads the Configuration.* parameters shared by
// create and update. Filters and Triggers repeat; a malformed RetryCount is
// 50065, as out of range ones are.
func readChannelWebhookConfig(f *form) model.ChannelWebhookUpdate {
	return model.ChannelWebhookUpdate{
		URL:        f.str("Configuration.Url"),
		Method:     f.str("Configuration.Method"),
		Filters:    f.optList("Configuration.Filters"),
		Triggers:   webhookTriggers(f),
		FlowSid:    f.str("Configuration.FlowSid"),
		RetryCount: f.integer("Configuration.RetryCount", model.CodeInvalidWebhookRetryCount),
	}
}

// webhookTriggers reads the repeated Configuration.Triggers, nil when
// absent. Unlike other lists it keeps empty values: an empty trigger word is
// Twilio's 50326, not a missing parameter.
func webhookTriggers(f *form) *[]string {
	if !f.has("Configuration.Triggers") {
		return nil
	}
	l := slices.Clone(f.values["Configuration.Triggers"])
	return &l
}

func (s *Server) handleChannelWebhookCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	// A missing Type is left to the rules layer (20001), as is every check.
	in := model.ChannelWebhookCreate{ChannelWebhookUpdate: readChannelWebhookConfig(f)}
	if t := f.str("Type"); t != nil {
		in.Type = *t
	}
	if f.err != nil {
		return f.err
	}
	wh, err := s.api.CreateChannelWebhook(r.Context(), param(p, "service"), param(p, "channel"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.channelWebhook(wh) })
}

func (s *Server) handleChannelWebhookFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	wh, err := s.api.FindChannelWebhook(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.channelWebhook(wh) })
}

// handleChannelWebhookList lists a Channel's webhooks, five to a page at
// most: the default and the maximum PageSize are both 5, and a larger one
// is capped.
func (s *Server) handleChannelWebhookList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxChannelWebhookPageSize)
	if f.err != nil {
		return f.err
	}
	whs, cur, err := s.api.ListChannelWebhooks(r.Context(), param(p, "service"), param(p, "channel"), pg)
	if err != nil {
		return err
	}
	return s.replyList(w, r, "webhooks", nil, pg, cur, func(b *body) {
		for _, wh := range whs {
			b.channelWebhook(wh)
		}
	})
}

// handleChannelWebhookUpdate changes the Configuration.* parameters given;
// a Type sent with them is not read, as the type never changes.
func (s *Server) handleChannelWebhookUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := readChannelWebhookConfig(f)
	if f.err != nil {
		return f.err
	}
	wh, err := s.api.UpdateChannelWebhook(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.channelWebhook(wh) })
}

func (s *Server) handleChannelWebhookDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteChannelWebhook(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
