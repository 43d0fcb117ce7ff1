package server

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// service writes sv in the shape of the API version. A v2 Service has
// retry counts, media and a bindings link; a v1 Service has the per-event
// webhooks instead, and no bindings link.
func (b *body) service(sv *model.Service) {
	b.open("")
	b.str("sid", sv.Sid)
	b.accountSid()
	b.str("friendly_name", sv.FriendlyName)
	b.date("date_created", sv.DateCreated)
	b.date("date_updated", sv.DateUpdated)
	b.str("default_service_role_sid", sv.DefaultServiceRoleSid)
	b.str("default_channel_role_sid", sv.DefaultChannelRoleSid)
	b.str("default_channel_creator_role_sid", sv.DefaultChannelCreatorRoleSid)
	b.bool("read_status_enabled", sv.ReadStatusEnabled)
	b.bool("reachability_enabled", sv.ReachabilityEnabled)
	b.int("typing_indicator_timeout", sv.TypingIndicatorTimeout)
	b.int("consumption_report_interval", sv.ConsumptionReportInterval)
	b.open("limits")
	b.int("channel_members", sv.Limits.ChannelMembers)
	b.int("user_channels", sv.Limits.UserChannels)
	b.close()
	b.optStr("pre_webhook_url", sv.PreWebhookURL)
	b.optStr("post_webhook_url", sv.PostWebhookURL)
	b.optStr("webhook_method", sv.WebhookMethod)
	b.strs("webhook_filters", sv.WebhookFilters)
	n := sv.Notifications
	b.open("notifications")
	b.notification("new_message", n.NewMessage, true)
	b.notification("added_to_channel", n.AddedToChannel, false)
	b.notification("removed_from_channel", n.RemovedFromChannel, false)
	b.notification("invited_to_channel", n.InvitedToChannel, false)
	b.bool("log_enabled", n.LogEnabled)
	b.close()
	b.concat("url", b.root, "/Services/", sv.Sid)
	if b.version == v1 {
		b.v1Webhooks(sv.Webhooks)
	} else {
		b.int("pre_webhook_retry_count", sv.PreWebhookRetryCount)
		b.int("post_webhook_retry_count", sv.PostWebhookRetryCount)
		b.open("media")
		b.int("size_limit_mb", sv.Media.SizeLimitMB)
		b.str("compatibility_message", sv.Media.CompatibilityMessage)
		b.close()
	}
	b.open("links")
	b.concat("channels", b.root, "/Services/", sv.Sid, "/Channels")
	b.concat("users", b.root, "/Services/", sv.Sid, "/Users")
	b.concat("roles", b.root, "/Services/", sv.Sid, "/Roles")
	if b.version != v1 {
		b.concat("bindings", b.root, "/Services/", sv.Sid, "/Bindings")
	}
	b.close()
	b.close()
}

// notification writes one event's push settings, keys in alphabetical
// order. Until a template, sound or badge setting is made only "enabled"
// shows; after that Twilio shows the template and sound (null when unset),
// and for new messages (badge) the badge setting.
func (b *body) notification(k string, n model.Notification, badge bool) {
	b.open(k)
	if n.Template == nil && n.Sound == nil && n.BadgeCountEnabled == nil {
		b.bool("enabled", n.Enabled)
		b.close()
		return
	}
	if badge {
		b.bool("badge_count_enabled", n.BadgeCountEnabled != nil && *n.BadgeCountEnabled)
	}
	b.bool("enabled", n.Enabled)
	b.optStr("sound", n.Sound)
	b.optStr("template", n.Template)
	b.close()
}

// v1Webhooks writes a v1 Service's webhooks object: every v1 event under
// its snake_case name (onMessageSend → on_message_send), in alphabetical
// order, with its url and method (null when unset) and a format that is
// always null.
func (b *body) v1Webhooks(hooks map[string]model.EventWebhook) {
	events := make(map[string]string, len(model.V1WebhookEvents))
	for _, event := range model.V1WebhookEvents {
		events[snakeEvent(event)] = event
	}
	b.open("webhooks")
	for _, k := range slices.Sorted(maps.Keys(events)) {
		wh := hooks[events[k]]
		b.open(k)
		b.optStr("url", wh.URL)
		b.optStr("method", wh.Method)
		b.null("format")
		b.close()
	}
	b.close()
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
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.service(sv) })
}

func (s *Server) handleServiceFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	sv, err := s.api.FindService(r.Context(), param(p, "service"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.service(sv) })
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
	return s.replyList(w, r, "services", nil, pg, cur, func(b *body) {
		for _, sv := range svs {
			b.service(sv)
		}
	})
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
	return s.reply(w, r, http.StatusOK, func(b *body) { b.service(sv) })
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
