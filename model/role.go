package model

import (
	"context"
	"slices"
	"time"
)

// Role types. Twilio calls Service-scope roles "deployment" on the wire.
const (
	RoleTypeChannel    = "channel"
	RoleTypeDeployment = "deployment"
)

// Role is a named set of permissions (RL…) of one scope.
type Role struct {
	Sid          string
	ServiceSid   string
	FriendlyName string
	Type         string
	Permissions  []string
	DateCreated  time.Time
	DateUpdated  time.Time
}

// Permissions valid for each role type (Twilio's roles-and-permissions page).
// editOwnUserInfo and editAnyUserInfo are Service-scope only: Twilio refuses
// them on a channel role with 50104.
var Permissions = map[string][]string{
	RoleTypeDeployment: {
		"createChannel", "joinChannel", "destroyChannel", "inviteMember",
		"removeMember", "editChannelName", "editChannelAttributes", "addMember",
		"editAnyMessage", "editAnyMessageAttributes", "deleteAnyMessage",
		"editAnyUserInfo", "editOwnUserInfo", "editOwnMessage",
		"editOwnMessageAttributes", "editAnyMemberAttributes",
	},
	RoleTypeChannel: {
		"sendMessage", "sendMediaMessage", "leaveChannel", "editNotificationLevel",
		"inviteMember", "removeMember", "editChannelName", "editChannelAttributes",
		"addMember", "destroyChannel", "editAnyMessage", "editAnyMessageAttributes",
		"editOwnMessage", "editOwnMessageAttributes", "deleteAnyMessage",
		"deleteOwnMessage", "editOwnMemberAttributes", "editAnyMemberAttributes",
	},
}

// RoleCreate is the input of CreateRole.
type RoleCreate struct {
	FriendlyName string
	Type         string
	Permissions  []string
}

// Validate checks the input of CreateRole.
func (in RoleCreate) Validate() error {
	if in.FriendlyName == "" {
		return MissingParam("FriendlyName")
	}
	if err := checkLen(in.FriendlyName, MaxNameLength, CodeFriendlyNameTooLong); err != nil {
		return err
	}
	if in.Type == "" {
		return MissingParam("Type")
	}
	if _, ok := Permissions[in.Type]; !ok {
		return E(CodeInvalidRoleType)
	}
	return CheckPermissions(in.Type, in.Permissions)
}

// RoleUpdate is the input of UpdateRole: the new, complete permission set.
type RoleUpdate struct {
	Permissions []string
}

// CheckPermissions checks a Permission list for a role of type typ: at least
// one, each valid for that type (50104).
func CheckPermissions(typ string, perms []string) error {
	if len(perms) == 0 {
		return MissingParam("Permission")
	}
	for _, p := range perms {
		if !slices.Contains(Permissions[typ], p) {
			return Errorf(CodePermissionNotFound, "Permission not found: %s", p)
		}
	}
	return nil
}

// RoleService is the Roles resource.
type RoleService interface {
	CreateRole(ctx context.Context, service string, in RoleCreate) (*Role, error)
	FindRole(ctx context.Context, service, sid string) (*Role, error)
	ListRoles(ctx context.Context, service string, p Page) ([]*Role, Cursor, error)
	// UpdateRole replaces the Role's permissions.
	UpdateRole(ctx context.Context, service, sid string, in RoleUpdate) (*Role, error)
	DeleteRole(ctx context.Context, service, sid string) error
}
