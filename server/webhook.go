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

// channelWebhookJSON is a Channel webhook, in the spec example's key order.
// It has its own url and no links.
type channelWebhookJSON struct {
	AccountSid    string                   `json:"account_sid"`
	ServiceSid    string                   `json:"service_sid"`
	ChannelSid    string                   `json:"channel_sid"`
	Sid           string                   `json:"sid"`
	Type          string                   `json:"type"`
	Configuration channelWebhookConfigJSON `json:"configuration"`
	DateCreated   string                   `json:"date_created"`
	DateUpdated   string                   `json:"date_updated"`
	URL           string                   `json:"url"`
}

// channelWebhookConfigJSON is the configuration object: only the keys of
// the webhook's type that are set appear (see channelWebhookConfig).
type channelWebhookConfigJSON struct {
	URL     *string  `json:"url,omitempty"`
	Method  *string  `json:"method,omitempty"`
	Filters []string `json:"filters,omitempty"`
	// Triggers is "triggers", not "filters". The spec's examples show a
	// trigger webhook's words under "filters", but those examples are
	// synthetic (url "dummy", a RetryCount of 5 that the spec itself rules
	// out). The third-party Go SDK RJPearson94/twilio-sdk-go, whose Chat
	// fixtures were captured from the live API, models the key as
	// "triggers" (channel/webhooks/api_op_create.go), as does Conversations,
	// which runs on the same backend.
	Triggers   []string `json:"triggers,omitempty"`
	FlowSid    *string  `json:"flow_sid,omitempty"`
	RetryCount *int     `json:"retry_count,omitempty"` // a nil pointer is omitted, a 0 kept
}

// channelWebhookConfig renders the configuration of wh's type: webhook →
// {url, method, filters, retry_count}; trigger → {url, method, triggers,
// retry_count}; studio → {flow_sid} plus filters and retry_count when they
// were given. Unset keys are omitted, as Twilio omits keys never supplied.
func channelWebhookConfig(wh *model.ChannelWebhook) channelWebhookConfigJSON {
	c := channelWebhookConfigJSON{RetryCount: wh.RetryCount}
	switch wh.Type {
	case model.WebhookTypeWebhook:
		c.URL, c.Method, c.Filters = wh.URL, wh.Method, wh.Filters
	case model.WebhookTypeTrigger:
		c.URL, c.Method, c.Triggers = wh.URL, wh.Method, wh.Triggers
	case model.WebhookTypeStudio:
		c.FlowSid, c.Filters = wh.FlowSid, wh.Filters
	}
	return c
}

func (s *Server) channelWebhookJSON(r *http.Request, wh *model.ChannelWebhook) channelWebhookJSON {
	return channelWebhookJSON{
		AccountSid:    s.cfg.AccountSid,
		ServiceSid:    wh.ServiceSid,
		ChannelSid:    wh.ChannelSid,
		Sid:           wh.Sid,
		Type:          wh.Type,
		Configuration: channelWebhookConfig(wh),
		DateCreated:   date(wh.DateCreated),
		DateUpdated:   date(wh.DateUpdated),
		URL:           s.channelURL(r, wh.ServiceSid, wh.ChannelSid) + "/Webhooks/" + wh.Sid,
	}
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
	writeJSON(w, http.StatusCreated, s.channelWebhookJSON(r, wh))
	return nil
}

func (s *Server) handleChannelWebhookFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	wh, err := s.api.FindChannelWebhook(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.channelWebhookJSON(r, wh))
	return nil
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
	out := make([]channelWebhookJSON, len(whs))
	for i, wh := range whs {
		out[i] = s.channelWebhookJSON(r, wh)
	}
	return s.writeList(w, r, "webhooks", out, nil, pg, cur)
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
	writeJSON(w, http.StatusOK, s.channelWebhookJSON(r, wh))
	return nil
}

func (s *Server) handleChannelWebhookDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteChannelWebhook(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
