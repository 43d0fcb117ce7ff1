package model

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Service is a Chat Service instance (IS…): the container of every Role, User
// and Channel. Nil pointers and nil slices are Twilio's nulls.
type Service struct {
	Sid          string
	FriendlyName string
	DateCreated  time.Time
	DateUpdated  time.Time

	DefaultServiceRoleSid        string
	DefaultChannelRoleSid        string
	DefaultChannelCreatorRoleSid string

	ReadStatusEnabled         bool
	ReachabilityEnabled       bool
	TypingIndicatorTimeout    int
	ConsumptionReportInterval int

	Limits        ServiceLimits
	Notifications ServiceNotifications
	Media         ServiceMedia

	PreWebhookURL         *string
	PostWebhookURL        *string
	WebhookMethod         *string
	WebhookFilters        []string
	PreWebhookRetryCount  int
	PostWebhookRetryCount int

	// Webhooks are the per-event webhooks of the v1 API, keyed by event
	// name (one of V1WebhookEvents); an event without one is absent.
	Webhooks map[string]EventWebhook
}

// EventWebhook is one per-event webhook of a v1 Service
// (`webhooks.on_message_send` …, set by `Webhooks.OnMessageSend.Url` …).
type EventWebhook struct {
	URL    *string
	Method *string
}

// V1WebhookEvents are the events a v1 Service has a per-event webhook for.
var V1WebhookEvents = []string{
	"onMessageSend", "onMessageUpdate", "onMessageRemove",
	"onChannelAdd", "onChannelDestroy", "onChannelUpdate",
	"onMemberAdd", "onMemberRemove",
	"onMessageSent", "onMessageUpdated", "onMessageRemoved",
	"onChannelAdded", "onChannelDestroyed", "onChannelUpdated",
	"onMemberAdded", "onMemberRemoved",
}

// ServiceLimits caps Channel and User sizes (the `limits` object).
type ServiceLimits struct {
	ChannelMembers int
	UserChannels   int
}

// ServiceMedia is the `media` object of a v2 Service.
type ServiceMedia struct {
	SizeLimitMB          int
	CompatibilityMessage string
}

// ServiceNotifications is the `notifications` object: push settings per
// event, as set by the `Notifications.*` parameters.
type ServiceNotifications struct {
	NewMessage         Notification
	AddedToChannel     Notification
	RemovedFromChannel Notification
	InvitedToChannel   Notification
	LogEnabled         bool
}

// Notification is the push setting of one event. Template and Sound are nil
// until set; BadgeCountEnabled exists only for new messages.
type Notification struct {
	Enabled           bool
	Template          *string
	Sound             *string
	BadgeCountEnabled *bool
}

// ServiceCreate is the input of CreateService.
type ServiceCreate struct {
	FriendlyName string
}

// Validate checks the input of CreateService.
func (in ServiceCreate) Validate() error {
	if in.FriendlyName == "" {
		return MissingParam("FriendlyName")
	}
	return checkLen(in.FriendlyName, MaxNameLength, CodeFriendlyNameTooLong)
}

// ServiceUpdate is the input of UpdateService: nil fields are left alone.
// An empty string clears a nullable URL or method; WebhookFilters set to an
// empty slice clears the filter.
type ServiceUpdate struct {
	FriendlyName *string

	DefaultServiceRoleSid        *string
	DefaultChannelRoleSid        *string
	DefaultChannelCreatorRoleSid *string

	ReadStatusEnabled         *bool
	ReachabilityEnabled       *bool
	TypingIndicatorTimeout    *int
	ConsumptionReportInterval *int

	NewMessage         NotificationUpdate
	AddedToChannel     NotificationUpdate
	RemovedFromChannel NotificationUpdate
	InvitedToChannel   NotificationUpdate
	NotificationsLog   *bool

	PreWebhookURL         *string
	PostWebhookURL        *string
	WebhookMethod         *string
	WebhookFilters        *[]string
	PreWebhookRetryCount  *int
	PostWebhookRetryCount *int

	LimitsChannelMembers *int
	LimitsUserChannels   *int

	MediaCompatibilityMessage *string

	// Webhooks holds the v1 `Webhooks.<Event>.Url` and `.Method`
	// parameters, keyed by event name; an empty URL clears the webhook.
	Webhooks map[string]EventWebhook
}

// NotificationUpdate is the `Notifications.<Event>.*` part of ServiceUpdate.
type NotificationUpdate struct {
	Enabled           *bool
	Template          *string
	Sound             *string
	BadgeCountEnabled *bool
}

// Limits of Service settings. Twilio documents the two member limits; the
// other bounds are chatd's choices (see README, "Behaviour").
const (
	MaxLimit             = 1000
	MaxRetryCount        = 3
	MaxTemplateLength    = 1024
	MaxSoundLength       = 256
	MaxMediaCompatLength = 1024
)

// WebhookEvents are the event names a Service's WebhookFilters may hold.
var WebhookEvents = []string{
	"onMessageSend", "onMessageUpdate", "onMessageRemove", "onMediaMessageSend",
	"onChannelAdd", "onChannelUpdate", "onChannelDestroy",
	"onMemberAdd", "onMemberUpdate", "onMemberRemove",
	"onUserUpdate",
	"onMessageSent", "onMessageUpdated", "onMessageRemoved", "onMediaMessageSent",
	"onChannelAdded", "onChannelUpdated", "onChannelDestroyed",
	"onMemberAdded", "onMemberUpdated", "onMemberRemoved",
	"onUserAdded", "onUserUpdated",
}

// Validate checks every field of the update that can be checked without
// looking at stored data (role SIDs are checked by the rules layer).
func (in ServiceUpdate) Validate() error {
	if in.FriendlyName != nil {
		if err := checkLen(*in.FriendlyName, MaxNameLength, CodeFriendlyNameTooLong); err != nil {
			return err
		}
	}
	for _, rs := range []struct {
		name string
		sid  *string
	}{
		{"DefaultServiceRoleSid", in.DefaultServiceRoleSid},
		{"DefaultChannelRoleSid", in.DefaultChannelRoleSid},
		{"DefaultChannelCreatorRoleSid", in.DefaultChannelCreatorRoleSid},
	} {
		if rs.sid != nil && !IsSID(PrefixRole, *rs.sid) {
			return InvalidParam(rs.name, *rs.sid)
		}
	}
	if v := in.TypingIndicatorTimeout; v != nil && *v < 1 {
		return E(CodeInvalidTypingIndicator)
	}
	if v := in.ConsumptionReportInterval; v != nil && *v < 1 {
		return E(CodeInvalidConsumptionInterval)
	}
	for _, n := range []NotificationUpdate{in.NewMessage, in.AddedToChannel, in.RemovedFromChannel, in.InvitedToChannel} {
		if n.Template != nil {
			if err := checkLen(*n.Template, MaxTemplateLength, CodeNotificationTemplateTooLong); err != nil {
				return err
			}
		}
		if n.Sound != nil {
			if err := checkLen(*n.Sound, MaxSoundLength, CodeNotificationSoundTooLong); err != nil {
				return err
			}
		}
	}
	if v := in.PreWebhookURL; v != nil && *v != "" && !isWebhookURL(*v) {
		return E(CodeInvalidPreWebhookURL)
	}
	if v := in.PostWebhookURL; v != nil && *v != "" && !isWebhookURL(*v) {
		return E(CodeInvalidPostWebhookURL)
	}
	if v := in.WebhookMethod; v != nil && *v != "" {
		if m := strings.ToUpper(*v); m != "GET" && m != "POST" {
			return E(CodeInvalidWebhookMethod)
		}
	}
	if in.WebhookFilters != nil {
		for _, f := range *in.WebhookFilters {
			if !slices.Contains(WebhookEvents, f) {
				return InvalidParam("WebhookFilters", f)
			}
		}
	}
	for _, rc := range []*int{in.PreWebhookRetryCount, in.PostWebhookRetryCount} {
		if rc != nil && (*rc < 0 || *rc > MaxRetryCount) {
			return E(CodeInvalidWebhookRetryCount)
		}
	}
	if v := in.LimitsChannelMembers; v != nil && (*v < 1 || *v > MaxLimit) {
		return E(CodeInvalidChannelMembersLimit)
	}
	if v := in.LimitsUserChannels; v != nil && (*v < 1 || *v > MaxLimit) {
		return E(CodeInvalidUserChannelsLimit)
	}
	for event, w := range in.Webhooks {
		if !slices.Contains(V1WebhookEvents, event) {
			return InvalidParam("Webhooks", event)
		}
		if w.URL != nil && *w.URL != "" && !isWebhookURL(*w.URL) {
			return Errorf(CodeInvalidWebhookFormat, "Invalid webhook url for %s", event)
		}
		if w.Method != nil && *w.Method != "" {
			if m := strings.ToUpper(*w.Method); m != "GET" && m != "POST" {
				return E(CodeInvalidWebhookMethod)
			}
		}
	}
	if v := in.MediaCompatibilityMessage; v != nil {
		if err := checkLen(*v, MaxMediaCompatLength, CodeInvalidParameter); err != nil {
			return err
		}
	}
	return nil
}

// isWebhookURL reports whether s is an absolute http or https URL.
func isWebhookURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ServiceService is the Services resource.
type ServiceService interface {
	// CreateService creates a Service with Twilio's defaults and its four
	// default Roles.
	CreateService(ctx context.Context, in ServiceCreate) (*Service, error)
	FindService(ctx context.Context, sid string) (*Service, error)
	ListServices(ctx context.Context, p Page) ([]*Service, Cursor, error)
	UpdateService(ctx context.Context, sid string, in ServiceUpdate) (*Service, error)
	// DeleteService removes the Service and everything in it.
	DeleteService(ctx context.Context, sid string) error
}
