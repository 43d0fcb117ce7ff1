package chat

import (
	"errors"
	"slices"

	"github.com/chatd/chatd/model"
)

// Permissions of first-person actions, as Twilio's roles and permissions
// define them. An action by a client holding an access token is allowed
// when the Service role of its User grants the permission of that name, or,
// inside a Channel, when the Channel role of its Member there does. REST
// calls made with Account credentials are never checked.

// action is a first-person action, named after the permission that allows
// it.
type action string

// The actions. Where a resource has an owner (a Message its author, a
// Member or a User its identity), the caller picks the Own or Any action
// with ownOr.
const (
	actCreateChannel            action = "createChannel"
	actJoinChannel              action = "joinChannel"
	actDestroyChannel           action = "destroyChannel"
	actAddMember                action = "addMember"
	actInviteMember             action = "inviteMember"
	actRemoveMember             action = "removeMember"
	actEditChannelName          action = "editChannelName"
	actEditChannelAttributes    action = "editChannelAttributes"
	actSendMessage              action = "sendMessage"
	actSendMediaMessage         action = "sendMediaMessage"
	actEditOwnMessage           action = "editOwnMessage"
	actEditAnyMessage           action = "editAnyMessage"
	actEditOwnMessageAttributes action = "editOwnMessageAttributes"
	actEditAnyMessageAttributes action = "editAnyMessageAttributes"
	actDeleteOwnMessage         action = "deleteOwnMessage"
	actDeleteAnyMessage         action = "deleteAnyMessage"
	actEditOwnMemberAttributes  action = "editOwnMemberAttributes"
	actEditAnyMemberAttributes  action = "editAnyMemberAttributes"
	actEditOwnUserInfo          action = "editOwnUserInfo"
	actEditAnyUserInfo          action = "editAnyUserInfo"
	actLeaveChannel             action = "leaveChannel"
	actEditNotificationLevel    action = "editNotificationLevel"
)

// anyOf gives each Own action the Any permission that also allows it: what
// may be done to anyone's resource may be done to one's own (the default
// service admin role, for one, edits its own user info by editAnyUserInfo).
var anyOf = map[action]action{
	actEditOwnMessage:           actEditAnyMessage,
	actEditOwnMessageAttributes: actEditAnyMessageAttributes,
	actDeleteOwnMessage:         actDeleteAnyMessage,
	actEditOwnMemberAttributes:  actEditAnyMemberAttributes,
	actEditOwnUserInfo:          actEditAnyUserInfo,
}

// ownOr returns own when the resource's owner identity is p's, and other
// otherwise: actEditOwnMessage or actEditAnyMessage for a Message's From,
// actLeaveChannel or actRemoveMember for a Member removed, actJoinChannel or
// actAddMember for an identity added to a Channel.
func ownOr(p *model.Principal, owner string, own, other action) action {
	if owner == p.Identity {
		return own
	}
	return other
}

// allowed checks that p may take act, in ch when ch is not nil (nil for
// createChannel and the user-info actions). It reads the roles as they are
// now, in tx, not as they were at login. The refusals:
//
//   - 20404 for a private Channel p neither belongs to nor is invited to,
//     whatever the action: private Channels are invisible to non-members;
//   - 50400 when only a Channel role could allow act (sendMessage,
//     leaveChannel …) and p is not a Member of ch;
//   - 50107 when neither role allows act.
func allowed(tx model.Tx, p *model.Principal, ch *model.Channel, act action) error {
	var roles []string
	u, err := tx.User(p.ServiceSid, p.Identity)
	switch {
	case err == nil && u.Identity == p.Identity:
		roles = append(roles, u.RoleSid)
	case err != nil && !errors.Is(err, model.ErrNotFound):
		return err
	}
	member := false
	if ch != nil {
		m, err := tx.Member(p.ServiceSid, ch.Sid, p.Identity)
		switch {
		case err == nil && m.Identity == p.Identity:
			member = true
			roles = append(roles, m.RoleSid)
		case err != nil && !errors.Is(err, model.ErrNotFound):
			return err
		}
		if !member && ch.Type == model.ChannelPrivate {
			if err := invited(tx, p, ch); err != nil {
				return err
			}
		}
	}
	for _, sid := range roles {
		r, err := tx.Role(p.ServiceSid, sid)
		if errors.Is(err, model.ErrNotFound) {
			continue // a deleted custom role allows nothing
		} else if err != nil {
			return err
		}
		if grants(r, act) {
			return nil
		}
	}
	if ch != nil && !member && !slices.Contains(model.Permissions[model.RoleTypeDeployment], string(act)) {
		return model.E(model.CodeNotMember)
	}
	return model.E(model.CodeNotAuthorized)
}

// invited returns nil when p has an Invite to ch, and the 20404 that hides
// the Channel otherwise.
func invited(tx model.Tx, p *model.Principal, ch *model.Channel) error {
	_, err := tx.InviteFor(p.ServiceSid, ch.Sid, p.Identity)
	if errors.Is(err, model.ErrNotFound) {
		return model.NotFound()
	}
	return err
}

// grants reports whether r allows act, by act's own permission or by the
// Any permission that covers it.
func grants(r *model.Role, act action) bool {
	if slices.Contains(r.Permissions, string(act)) {
		return true
	}
	other, ok := anyOf[act]
	return ok && slices.Contains(r.Permissions, string(other))
}
