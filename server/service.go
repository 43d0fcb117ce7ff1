package server

import (
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// serviceCommonJSON holds the Service fields of both API versions.
type serviceCommonJSON struct {
	Sid                          string            `json:"sid"`
	AccountSid                   string            `json:"account_sid"`
	FriendlyName                 string            `json:"friendly_name"`
	DateCreated                  string            `json:"date_created"`
	DateUpdated                  string            `json:"date_updated"`
	DefaultServiceRoleSid        string            `json:"default_service_role_sid"`
	DefaultChannelRoleSid        string            `json:"default_channel_role_sid"`
	DefaultChannelCreatorRoleSid string            `json:"default_channel_creator_role_sid"`
	ReadStatusEnabled            bool              `json:"read_status_enabled"`
	ReachabilityEnabled          bool              `json:"reachability_enabled"`
	TypingIndicatorTimeout       int               `json:"typing_indicator_timeout"`
	ConsumptionReportInterval    int               `json:"consumption_report_interval"`
	Limits                       limitsJSON        `json:"limits"`
	PreWebhookURL                *string           `json:"pre_webhook_url"`
	PostWebhookURL               *string           `json:"post_webhook_url"`
	WebhookMethod                *string           `json:"webhook_method"`
	WebhookFilters               []string          `json:"webhook_filters"`
	Notifications                notificationsJSON `json:"notifications"`
	URL                          string            `json:"url"`
}

// serviceJSON is a v2 Service.
type serviceJSON struct {
	serviceCommonJSON
	PreWebhookRetryCount  int          `json:"pre_webhook_retry_count"`
	PostWebhookRetryCount int          `json:"post_webhook_retry_count"`
	Media                 mediaJSON    `json:"media"`
	Links                 serviceLinks `json:"links"`
}

// serviceV1JSON is a v1 Service: per-event webhooks instead of retry
// counts and media, and no bindings link.
type serviceV1JSON struct {
	serviceCommonJSON
	Webhooks map[string]eventWebhookJSON `json:"webhooks"`
	Links    serviceV1Links              `json:"links"`
}

// eventWebhookJSON is one entry of a v1 Service's webhooks object.
type eventWebhookJSON struct {
	URL    *string `json:"url"`
	Method *string `json:"method"`
	Format *string `json:"format"`
}

type serviceV1Links struct {
	Channels string `json:"channels"`
	Users    string `json:"users"`
	Roles    string `json:"roles"`
}

type limitsJSON struct {
	ChannelMembers int `json:"channel_members"`
	UserChannels   int `json:"user_channels"`
}

type mediaJSON struct {
	SizeLimitMB          int    `json:"size_limit_mb"`
	CompatibilityMessage string `json:"compatibility_message"`
}

type notificationsJSON struct {
	NewMessage         map[string]any `json:"new_message"`
	AddedToChannel     map[string]any `json:"added_to_channel"`
	RemovedFromChannel map[string]any `json:"removed_from_channel"`
	InvitedToChannel   map[string]any `json:"invited_to_channel"`
	LogEnabled         bool           `json:"log_enabled"`
}

type serviceLinks struct {
	Channels string `json:"channels"`
	Users    string `json:"users"`
	Roles    string `json:"roles"`
	Bindings string `json:"bindings"`
}

// notificationJSON renders one event's push settings. Until a template,
// sound or badge setting is made only "enabled" shows; after that Twilio
// shows the template and sound (null when unset), and for new messages the
// badge setting.
func notificationJSON(n model.Notification, badge bool) map[string]any {
	m := map[string]any{"enabled": n.Enabled}
	if n.Template != nil || n.Sound != nil || n.BadgeCountEnabled != nil {
		m["template"] = n.Template
		m["sound"] = n.Sound
		if badge {
			m["badge_count_enabled"] = n.BadgeCountEnabled != nil && *n.BadgeCountEnabled
		}
	}
	return m
}

// serviceJSON renders sv in the shape of the request's API version.
func (s *Server) serviceJSON(r *http.Request, sv *model.Service) any {
	u := s.root(r) + "/Services/" + sv.Sid
	n := sv.Notifications
	common := serviceCommonJSON{
		Sid:                          sv.Sid,
		AccountSid:                   s.cfg.AccountSid,
		FriendlyName:                 sv.FriendlyName,
		DateCreated:                  date(sv.DateCreated),
		DateUpdated:                  date(sv.DateUpdated),
		DefaultServiceRoleSid:        sv.DefaultServiceRoleSid,
		DefaultChannelRoleSid:        sv.DefaultChannelRoleSid,
		DefaultChannelCreatorRoleSid: sv.DefaultChannelCreatorRoleSid,
		ReadStatusEnabled:            sv.ReadStatusEnabled,
		ReachabilityEnabled:          sv.ReachabilityEnabled,
		TypingIndicatorTimeout:       sv.TypingIndicatorTimeout,
		ConsumptionReportInterval:    sv.ConsumptionReportInterval,
		Limits:                       limitsJSON{sv.Limits.ChannelMembers, sv.Limits.UserChannels},
		PreWebhookURL:                sv.PreWebhookURL,
		PostWebhookURL:               sv.PostWebhookURL,
		WebhookMethod:                sv.WebhookMethod,
		WebhookFilters:               sv.WebhookFilters,
		Notifications: notificationsJSON{
			NewMessage:         notificationJSON(n.NewMessage, true),
			AddedToChannel:     notificationJSON(n.AddedToChannel, false),
			RemovedFromChannel: notificationJSON(n.RemovedFromChannel, false),
			InvitedToChannel:   notificationJSON(n.InvitedToChannel, false),
			LogEnabled:         n.LogEnabled,
		},
		URL: u,
	}
	if apiVersion(r) == v1 {
		hooks := make(map[string]eventWebhookJSON, len(model.V1WebhookEvents))
		for _, event := range model.V1WebhookEvents {
			wh := sv.Webhooks[event]
			hooks[snakeEvent(event)] = eventWebhookJSON{URL: wh.URL, Method: wh.Method}
		}
		return serviceV1JSON{
			serviceCommonJSON: common,
			Webhooks:          hooks,
			Links:             serviceV1Links{Channels: u + "/Channels", Users: u + "/Users", Roles: u + "/Roles"},
		}
	}
	return serviceJSON{
		serviceCommonJSON:     common,
		PreWebhookRetryCount:  sv.PreWebhookRetryCount,
		PostWebhookRetryCount: sv.PostWebhookRetryCount,
		Media:                 mediaJSON{sv.Media.SizeLimitMB, sv.Media.CompatibilityMessage},
		Links:                 serviceLinks{Channels: u + "/Channels", Users: u + "/Users", Roles: u + "/Roles", Bindings: u + "/Bindings"},
	}
}

// snakeEvent turns an event name into its v1 webhooks key:
// onMessageSend → on_message_send.
func snakeEvent(event string) string {
	var b strings.Builder
	for _, c := range event {
		if 'A' <= c && c <= 'Z' {
			b.WriteByte('_')
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *Server) handleServiceCreate(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.ServiceCreate{FriendlyName: f.required("FriendlyName")}
	if f.err != nil {
		return f.err
	}
	sv, err := s.api.CreateService(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.serviceJSON(r, sv))
	return nil
}

func (s *Server) handleServiceFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	sv, err := s.api.FindService(r.Context(), param(p, "service"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.serviceJSON(r, sv))
	return nil
}

func (s *Server) handleServiceList(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPageSize) // 100 in both versions
	if f.err != nil {
		return f.err
	}
	svs, cur, err := s.api.ListServices(r.Context(), pg)
	if err != nil {
		return err
	}
	out := make([]any, len(svs))
	for i, sv := range svs {
		out[i] = s.serviceJSON(r, sv)
	}
	return s.writeList(w, r, "services", out, nil, pg, cur)
}

func (s *Server) handleServiceUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := readServiceUpdate(f, apiVersion(r) == v1)
	if f.err != nil {
		return f.err
	}
	sv, err := s.api.UpdateService(r.Context(), param(p, "service"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.serviceJSON(r, sv))
	return nil
}

// readServiceUpdate reads the parameters of UpdateService that the API
// version has: v1 has no sounds, badge, log, retry counts or media, and has
// the per-event Webhooks.<Event>.Url and .Method.
func readServiceUpdate(f *form, v1 bool) model.ServiceUpdate {
	notification := func(event string) model.NotificationUpdate {
		prefix := "Notifications." + event + "."
		n := model.NotificationUpdate{Enabled: f.boolean(prefix + "Enabled"), Template: f.str(prefix + "Template")}
		if !v1 {
			n.Sound = f.str(prefix + "Sound")
		}
		return n
	}
	in := model.ServiceUpdate{
		FriendlyName:                 f.str("FriendlyName"),
		DefaultServiceRoleSid:        f.str("DefaultServiceRoleSid"),
		DefaultChannelRoleSid:        f.str("DefaultChannelRoleSid"),
		DefaultChannelCreatorRoleSid: f.str("DefaultChannelCreatorRoleSid"),
		ReadStatusEnabled:            f.boolean("ReadStatusEnabled"),
		ReachabilityEnabled:          f.boolean("ReachabilityEnabled"),
		TypingIndicatorTimeout:       f.integer("TypingIndicatorTimeout", model.CodeInvalidTypingIndicator),
		ConsumptionReportInterval:    f.integer("ConsumptionReportInterval", model.CodeInvalidConsumptionInterval),
		NewMessage:                   notification("NewMessage"),
		AddedToChannel:               notification("AddedToChannel"),
		RemovedFromChannel:           notification("RemovedFromChannel"),
		InvitedToChannel:             notification("InvitedToChannel"),
		PreWebhookURL:                f.str("PreWebhookUrl"),
		PostWebhookURL:               f.str("PostWebhookUrl"),
		WebhookMethod:                f.str("WebhookMethod"),
		WebhookFilters:               f.optList("WebhookFilters"),
		LimitsChannelMembers:         f.integer("Limits.ChannelMembers", model.CodeInvalidChannelMembersLimit),
		LimitsUserChannels:           f.integer("Limits.UserChannels", model.CodeInvalidUserChannelsLimit),
	}
	if v1 {
		for _, event := range model.V1WebhookEvents {
			prefix := "Webhooks.O" + event[1:] + "."
			url, method := f.str(prefix+"Url"), f.str(prefix+"Method")
			if url == nil && method == nil {
				continue
			}
			if in.Webhooks == nil {
				in.Webhooks = map[string]model.EventWebhook{}
			}
			in.Webhooks[event] = model.EventWebhook{URL: url, Method: method}
		}
		return in
	}
	in.NewMessage.BadgeCountEnabled = f.boolean("Notifications.NewMessage.BadgeCountEnabled")
	in.NotificationsLog = f.boolean("Notifications.LogEnabled")
	in.PreWebhookRetryCount = f.integer("PreWebhookRetryCount", model.CodeInvalidWebhookRetryCount)
	in.PostWebhookRetryCount = f.integer("PostWebhookRetryCount", model.CodeInvalidWebhookRetryCount)
	in.MediaCompatibilityMessage = f.str("Media.CompatibilityMessage")
	return in
}

func (s *Server) handleServiceDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteService(r.Context(), param(p, "service")); err != nil {
		return err
	}
	return noContent(w)
}
