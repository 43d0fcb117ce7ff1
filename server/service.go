package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// serviceJSON is a v2 Service.
type serviceJSON struct {
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
	PreWebhookRetryCount         int               `json:"pre_webhook_retry_count"`
	PostWebhookRetryCount        int               `json:"post_webhook_retry_count"`
	Notifications                notificationsJSON `json:"notifications"`
	Media                        mediaJSON         `json:"media"`
	URL                          string            `json:"url"`
	Links                        serviceLinks      `json:"links"`
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

func (s *Server) serviceJSON(r *http.Request, sv *model.Service) serviceJSON {
	u := s.base(r) + "/v2/Services/" + sv.Sid
	n := sv.Notifications
	filters := sv.WebhookFilters
	return serviceJSON{
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
		WebhookFilters:               filters,
		PreWebhookRetryCount:         sv.PreWebhookRetryCount,
		PostWebhookRetryCount:        sv.PostWebhookRetryCount,
		Notifications: notificationsJSON{
			NewMessage:         notificationJSON(n.NewMessage, true),
			AddedToChannel:     notificationJSON(n.AddedToChannel, false),
			RemovedFromChannel: notificationJSON(n.RemovedFromChannel, false),
			InvitedToChannel:   notificationJSON(n.InvitedToChannel, false),
			LogEnabled:         n.LogEnabled,
		},
		Media: mediaJSON{sv.Media.SizeLimitMB, sv.Media.CompatibilityMessage},
		URL:   u,
		Links: serviceLinks{Channels: u + "/Channels", Users: u + "/Users", Roles: u + "/Roles", Bindings: u + "/Bindings"},
	}
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
	pg := readPage(f, maxPageSize)
	if f.err != nil {
		return f.err
	}
	svs, cur, err := s.api.ListServices(r.Context(), pg)
	if err != nil {
		return err
	}
	out := make([]serviceJSON, len(svs))
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
	notification := func(event string) model.NotificationUpdate {
		prefix := "Notifications." + event + "."
		return model.NotificationUpdate{
			Enabled:  f.boolean(prefix + "Enabled"),
			Template: f.str(prefix + "Template"),
			Sound:    f.str(prefix + "Sound"),
		}
	}
	in := model.ServiceUpdate{
		FriendlyName:                 f.str("FriendlyName"),
		DefaultServiceRoleSid:        f.str("DefaultServiceRoleSid"),
		DefaultChannelRoleSid:        f.str("DefaultChannelRoleSid"),
		DefaultChannelCreatorRoleSid: f.str("DefaultChannelCreatorRoleSid"),
		ReadStatusEnabled:            f.boolean("ReadStatusEnabled"),
		ReachabilityEnabled:          f.boolean("ReachabilityEnabled"),
		TypingIndicatorTimeout:       f.integer("TypingIndicatorTimeout", 50053),
		ConsumptionReportInterval:    f.integer("ConsumptionReportInterval", 50052),
		NewMessage:                   notification("NewMessage"),
		AddedToChannel:               notification("AddedToChannel"),
		RemovedFromChannel:           notification("RemovedFromChannel"),
		InvitedToChannel:             notification("InvitedToChannel"),
		NotificationsLog:             f.boolean("Notifications.LogEnabled"),
		PreWebhookURL:                f.str("PreWebhookUrl"),
		PostWebhookURL:               f.str("PostWebhookUrl"),
		WebhookMethod:                f.str("WebhookMethod"),
		WebhookFilters:               f.optList("WebhookFilters"),
		PreWebhookRetryCount:         f.integer("PreWebhookRetryCount", 50065),
		PostWebhookRetryCount:        f.integer("PostWebhookRetryCount", 50065),
		LimitsChannelMembers:         f.integer("Limits.ChannelMembers", 50061),
		LimitsUserChannels:           f.integer("Limits.UserChannels", 50060),
		MediaCompatibilityMessage:    f.str("Media.CompatibilityMessage"),
	}
	in.NewMessage.BadgeCountEnabled = f.boolean("Notifications.NewMessage.BadgeCountEnabled")
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

func (s *Server) handleServiceDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteService(r.Context(), param(p, "service")); err != nil {
		return err
	}
	return noContent(w)
}
