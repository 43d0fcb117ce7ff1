package chat

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/chatd/chatd/model"
)

// Defaults of a new Service, as real Twilio responses show them. The OpenAPI
// descriptions swap the two limits; real responses win.
const (
	defaultTypingIndicatorTimeout    = 5
	defaultConsumptionReportInterval = 10
	defaultChannelMembers            = 100
	defaultUserChannels              = 250
	defaultMediaSizeLimitMB          = 150
	defaultMediaCompatibility        = "Media messages are not supported by your client"
)

// defaultRole is one of the four Roles every new Service gets.
type defaultRole struct {
	name  string
	typ   string
	perms []string
}

// defaultRoles in creation order: service admin, service user (the
// default_service_role_sid), channel admin (default_channel_creator_role_sid)
// and channel user (default_channel_role_sid). Names are returned in lower
// case, as Twilio does.
var defaultRoles = [4]defaultRole{
	{"service admin", model.RoleTypeDeployment, []string{
		"createChannel", "joinChannel", "destroyChannel", "editChannelAttributes",
		"editChannelName", "addMember", "inviteMember", "removeMember",
		"editAnyMemberAttributes", "editAnyMessage", "deleteAnyMessage",
		"editAnyMessageAttributes", "editAnyUserInfo",
	}},
	{"service user", model.RoleTypeDeployment, []string{
		"createChannel", "joinChannel", "editOwnUserInfo",
	}},
	{"channel admin", model.RoleTypeChannel, []string{
		"sendMessage", "sendMediaMessage", "leaveChannel", "editNotificationLevel",
		"destroyChannel", "inviteMember", "removeMember", "editChannelName",
		"editChannelAttributes", "addMember", "editAnyMemberAttributes",
		"editAnyMessage", "editAnyMessageAttributes", "deleteAnyMessage",
	}},
	{"channel user", model.RoleTypeChannel, []string{
		"sendMessage", "sendMediaMessage", "leaveChannel", "editNotificationLevel",
		"editOwnMemberAttributes", "editOwnMessage", "editOwnMessageAttributes",
		"deleteOwnMessage",
	}},
}

func (c *Chat) CreateService(ctx context.Context, in model.ServiceCreate) (*model.Service, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var s *model.Service
	err := c.update(ctx, func(tx model.Tx) (err error) {
		s, err = c.createService(tx, in, "")
		return err
	})
	return s, err
}

// createService stores a Service with Twilio's defaults and its four default
// Roles. sid is the Service's SID, minted when "". A fixed SID also fixes the
// default Roles' SIDs (derived from it), so that a seeded Service is the same
// at every reset.
func (c *Chat) createService(tx model.Tx, in model.ServiceCreate, sid string) (*model.Service, error) {
	now := tx.Now()
	roleSid := func(name string) string { return c.sids.new(model.PrefixRole, now) }
	if sid == "" {
		sid = c.sids.new(model.PrefixService, now)
	} else {
		roleSid = func(name string) string { return derivedSid(model.PrefixRole, sid+"/"+name) }
	}
	s := &model.Service{
		Sid:                       sid,
		FriendlyName:              in.FriendlyName,
		DateCreated:               now,
		DateUpdated:               now,
		ReadStatusEnabled:         true,
		TypingIndicatorTimeout:    defaultTypingIndicatorTimeout,
		ConsumptionReportInterval: defaultConsumptionReportInterval,
		Limits:                    model.ServiceLimits{ChannelMembers: defaultChannelMembers, UserChannels: defaultUserChannels},
		Media:                     model.ServiceMedia{SizeLimitMB: defaultMediaSizeLimitMB, CompatibilityMessage: defaultMediaCompatibility},
	}
	roles := make([]*model.Role, len(defaultRoles))
	for i, d := range defaultRoles {
		roles[i] = &model.Role{
			Sid: roleSid(d.name), ServiceSid: s.Sid,
			FriendlyName: d.name, Type: d.typ, Permissions: slices.Clone(d.perms),
			DateCreated: now, DateUpdated: now,
		}
	}
	s.DefaultServiceRoleSid = roles[1].Sid
	s.DefaultChannelCreatorRoleSid = roles[2].Sid
	s.DefaultChannelRoleSid = roles[3].Sid
	if err := tx.InsertService(s); err != nil {
		return nil, err
	}
	for _, r := range roles {
		if err := tx.InsertRole(r); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (c *Chat) FindService(ctx context.Context, sid string) (*model.Service, error) {
	var s *model.Service
	err := c.store.Read(ctx, func(tx model.Tx) (err error) {
		s, err = tx.Service(sid)
		return inPath(err)
	})
	return s, err
}

func (c *Chat) ListServices(ctx context.Context, p model.Page) (out []*model.Service, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) (err error) {
		out, cur, err = list[*model.Service]{
			read: tx.Services,
			key:  func(s *model.Service) string { return s.Sid },
		}.page(p)
		return err
	})
	return out, cur, err
}

func (c *Chat) UpdateService(ctx context.Context, sid string, in model.ServiceUpdate) (*model.Service, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var s *model.Service
	err := c.update(ctx, func(tx model.Tx) (err error) {
		if s, err = tx.Service(sid); err != nil {
			return inPath(err)
		}
		if err := checkDefaultRoles(tx, sid, in); err != nil {
			return err
		}
		applyServiceUpdate(s, in, tx.Now())
		return tx.PutService(s)
	})
	return s, err
}

// checkDefaultRoles checks that each default role named by in is a Role of
// the Service with the right scope.
func checkDefaultRoles(tx model.Tx, service string, in model.ServiceUpdate) error {
	for _, d := range []struct {
		sid  *string
		typ  string
		code model.Code
	}{
		{in.DefaultServiceRoleSid, model.RoleTypeDeployment, model.CodeDeploymentRoleNotFound},
		{in.DefaultChannelRoleSid, model.RoleTypeChannel, model.CodeChannelRoleNotFound},
		{in.DefaultChannelCreatorRoleSid, model.RoleTypeChannel, model.CodeChannelCreatorRoleNotFound},
	} {
		if d.sid == nil {
			continue
		}
		if err := checkRole(tx, service, *d.sid, d.typ, d.code); err != nil {
			return err
		}
	}
	return nil
}

// checkRole checks that sid is a Role of the Service of type typ, or fails
// with code (Twilio's "role not found" code for that scope).
func checkRole(tx model.Tx, service, sid, typ string, code model.Code) error {
	r, err := tx.Role(service, sid)
	if errors.Is(err, model.ErrNotFound) || (err == nil && r.Type != typ) {
		return model.E(code)
	}
	return err
}

// applyServiceUpdate copies the fields present in in onto s.
func applyServiceUpdate(s *model.Service, in model.ServiceUpdate, now time.Time) {
	set(&s.FriendlyName, in.FriendlyName)
	set(&s.DefaultServiceRoleSid, in.DefaultServiceRoleSid)
	set(&s.DefaultChannelRoleSid, in.DefaultChannelRoleSid)
	set(&s.DefaultChannelCreatorRoleSid, in.DefaultChannelCreatorRoleSid)
	set(&s.ReadStatusEnabled, in.ReadStatusEnabled)
	set(&s.ReachabilityEnabled, in.ReachabilityEnabled)
	set(&s.TypingIndicatorTimeout, in.TypingIndicatorTimeout)
	set(&s.ConsumptionReportInterval, in.ConsumptionReportInterval)

	applyNotification(&s.Notifications.NewMessage, in.NewMessage)
	applyNotification(&s.Notifications.AddedToChannel, in.AddedToChannel)
	applyNotification(&s.Notifications.RemovedFromChannel, in.RemovedFromChannel)
	applyNotification(&s.Notifications.InvitedToChannel, in.InvitedToChannel)
	set(&s.Notifications.LogEnabled, in.NotificationsLog)

	if in.PreWebhookURL != nil {
		s.PreWebhookURL = nilIfEmpty(in.PreWebhookURL)
	}
	if in.PostWebhookURL != nil {
		s.PostWebhookURL = nilIfEmpty(in.PostWebhookURL)
	}
	if in.WebhookMethod != nil {
		m := strings.ToUpper(*in.WebhookMethod)
		s.WebhookMethod = nilIfEmpty(&m)
	}
	if in.WebhookFilters != nil {
		s.WebhookFilters = slices.Clone(*in.WebhookFilters)
		if len(s.WebhookFilters) == 0 {
			s.WebhookFilters = nil
		}
	}
	set(&s.PreWebhookRetryCount, in.PreWebhookRetryCount)
	set(&s.PostWebhookRetryCount, in.PostWebhookRetryCount)
	set(&s.Limits.ChannelMembers, in.LimitsChannelMembers)
	set(&s.Limits.UserChannels, in.LimitsUserChannels)
	set(&s.Media.CompatibilityMessage, in.MediaCompatibilityMessage)
	for event, u := range in.Webhooks {
		wh := s.Webhooks[event]
		if u.URL != nil {
			wh.URL = nilIfEmpty(u.URL)
		}
		if u.Method != nil {
			m := strings.ToUpper(*u.Method)
			wh.Method = nilIfEmpty(&m)
		}
		if s.Webhooks == nil {
			s.Webhooks = map[string]model.EventWebhook{}
		}
		s.Webhooks[event] = wh
		if wh.URL == nil && wh.Method == nil {
			delete(s.Webhooks, event)
		}
	}
	s.DateUpdated = now
}

// applyNotification copies the Notifications.<Event>.* fields present in u;
// an empty template or sound clears it.
func applyNotification(n *model.Notification, u model.NotificationUpdate) {
	set(&n.Enabled, u.Enabled)
	if u.Template != nil {
		n.Template = nilIfEmpty(u.Template)
	}
	if u.Sound != nil {
		n.Sound = nilIfEmpty(u.Sound)
	}
	if u.BadgeCountEnabled != nil {
		n.BadgeCountEnabled = u.BadgeCountEnabled
	}
}

func (c *Chat) DeleteService(ctx context.Context, sid string) error {
	return c.update(ctx, func(tx model.Tx) error {
		return inPath(tx.DeleteServiceTree(sid))
	})
}
