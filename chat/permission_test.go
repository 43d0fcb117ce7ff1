package chat

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chatd/chatd/model"
)

// rolesFixture is a Service with its four default Roles, a public and a
// private Channel, and one identity for every combination of Service role
// (service user "su", service admin "sa") and standing in both Channels:
// Member with the channel admin role ("ca"), Member with the channel user
// role ("cu"), not a Member ("non"), or only invited ("inv").
type rolesFixture struct {
	c             *Chat
	st            model.Store
	service       *model.Service
	public, priv  *model.Channel
	admin, member string // the service admin and channel user Role SIDs
}

func newRolesFixture(t *testing.T) *rolesFixture {
	t.Helper()
	ctx := context.Background()
	st := engines[0].open(t, nil)
	t.Cleanup(func() { st.Close() })
	f := &rolesFixture{c: New(st, Options{AccountSid: "AC00000000000000000000000000000001"}), st: st}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.service, err = f.c.CreateService(ctx, model.ServiceCreate{FriendlyName: "roles"})
	must(err)
	roles, _, err := f.c.ListRoles(ctx, f.service.Sid, model.Page{Size: 50})
	must(err)
	for _, r := range roles {
		if r.FriendlyName == "service admin" {
			f.admin = r.Sid
		}
	}
	f.member = f.service.DefaultChannelRoleSid
	f.public, err = f.c.CreateChannel(ctx, f.service.Sid, model.ChannelCreate{UniqueName: ptrTo("public")})
	must(err)
	f.priv, err = f.c.CreateChannel(ctx, f.service.Sid, model.ChannelCreate{UniqueName: ptrTo("private"), Type: ptrTo(model.ChannelPrivate)})
	must(err)
	for _, svc := range []string{"su", "sa"} {
		for _, standing := range []string{"ca", "cu", "non", "inv"} {
			identity := svc + "_" + standing
			in := model.UserCreate{Identity: identity}
			if svc == "sa" {
				in.RoleSid = &f.admin
			}
			_, err := f.c.CreateUser(ctx, f.service.Sid, in)
			must(err)
			for _, ch := range []*model.Channel{f.public, f.priv} {
				switch standing {
				case "ca":
					_, err = f.c.CreateMember(ctx, f.service.Sid, ch.Sid, model.MemberCreate{Identity: identity, RoleSid: &f.service.DefaultChannelCreatorRoleSid})
				case "cu":
					_, err = f.c.CreateMember(ctx, f.service.Sid, ch.Sid, model.MemberCreate{Identity: identity})
				case "inv":
					_, err = f.c.CreateInvite(ctx, f.service.Sid, ch.Sid, model.InviteCreate{Identity: identity})
				}
				must(err)
			}
		}
	}
	return f
}

func (f *rolesFixture) principal(identity string) *model.Principal {
	return &model.Principal{Identity: identity, ServiceSid: f.service.Sid}
}

// check runs allowed in a read transaction.
func (f *rolesFixture) check(t *testing.T, identity string, ch *model.Channel, act action) error {
	t.Helper()
	var got error
	err := f.st.View(context.Background(), func(tx model.Tx) error {
		got = allowed(tx, f.principal(identity), ch, act)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// outcome names the result of allowed: "ok", or the Twilio code.
func outcome(err error) string {
	var e *model.Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &e):
		return fmt.Sprint(e.Code)
	}
	return err.Error()
}

// defaultRoleMatrix is reference §2.1 as outcomes: for every action, what
// each identity of rolesFixture gets in the public Channel, in the column
// order of roleColumns. "y" is allowed, "n" is 50107, "m" is 50400 (not a
// Member, and only a Channel role could allow it). Actions marked noChannel
// take no Channel.
var roleColumns = []string{"su_ca", "su_cu", "su_non", "sa_ca", "sa_cu", "sa_non"}

var defaultRoleMatrix = []struct {
	act       action
	noChannel bool
	want      string
}{
	{actCreateChannel, true, "yyyyyy"},
	{actJoinChannel, false, "yyyyyy"},
	{actDestroyChannel, false, "ynnyyy"},
	{actAddMember, false, "ynnyyy"},
	{actInviteMember, false, "ynnyyy"},
	{actRemoveMember, false, "ynnyyy"},
	{actEditChannelName, false, "ynnyyy"},
	{actEditChannelAttributes, false, "ynnyyy"},
	{actSendMessage, false, "yymyym"},
	{actSendMediaMessage, false, "yymyym"},
	{actEditOwnMessage, false, "yynyyy"},
	{actEditAnyMessage, false, "ynnyyy"},
	{actEditOwnMessageAttributes, false, "yynyyy"},
	{actEditAnyMessageAttributes, false, "ynnyyy"},
	{actDeleteOwnMessage, false, "yymyyy"},
	{actDeleteAnyMessage, false, "ynnyyy"},
	{actEditOwnMemberAttributes, false, "yymyyy"},
	{actEditAnyMemberAttributes, false, "ynnyyy"},
	{actEditOwnUserInfo, true, "yyyyyy"},
	{actEditAnyUserInfo, true, "nnnyyy"},
	{actLeaveChannel, false, "yymyym"},
	{actEditNotificationLevel, false, "yymyym"},
}

func matrixOutcome(c byte) string {
	return map[byte]string{'y': "ok", 'n': "50107", 'm': "50400"}[c]
}

// TestAllowedDefaultRoles checks every action against every default role
// in a public and a private Channel, for Members and non-Members; an
// invitee of a private Channel fares as a non-Member of a public one, and
// anyone else outside a private Channel cannot see it at all.
func TestAllowedDefaultRoles(t *testing.T) {
	f := newRolesFixture(t)
	for _, row := range defaultRoleMatrix {
		t.Run(string(row.act), func(t *testing.T) {
			for i, identity := range roleColumns {
				want := matrixOutcome(row.want[i])
				if row.noChannel {
					if got := outcome(f.check(t, identity, nil, row.act)); got != want {
						t.Errorf("%s: %s, want %s", identity, got, want)
					}
					continue
				}
				if got := outcome(f.check(t, identity, f.public, row.act)); got != want {
					t.Errorf("%s in the public channel: %s, want %s", identity, got, want)
				}
				privWant, privIdentity := want, identity
				switch identity {
				case "su_non", "sa_non":
					privWant = "20404"
					// The invitee of the same Service role stands where the
					// non-Member stood in the public Channel.
					invitee := identity[:3] + "inv"
					if got := outcome(f.check(t, invitee, f.priv, row.act)); got != want {
						t.Errorf("%s in the private channel: %s, want %s", invitee, got, want)
					}
				}
				if got := outcome(f.check(t, privIdentity, f.priv, row.act)); got != privWant {
					t.Errorf("%s in the private channel: %s, want %s", privIdentity, got, privWant)
				}
			}
		})
	}
}

// TestAllowedMatrixCoversEveryPermission keeps the matrix complete: every
// permission name a role can hold is an action in it.
func TestAllowedMatrixCoversEveryPermission(t *testing.T) {
	inMatrix := map[string]bool{}
	for _, row := range defaultRoleMatrix {
		inMatrix[string(row.act)] = true
	}
	for typ, perms := range model.Permissions {
		for _, p := range perms {
			if !inMatrix[p] {
				t.Errorf("%s permission %s has no row in defaultRoleMatrix", typ, p)
			}
		}
	}
}

// TestAllowedOwnOrAny checks that ownOr routes an action on one's own
// resource to the Own permission and on another's to the Any one: a
// channel user edits and deletes its own Messages but not others', leaves
// but cannot remove others, and edits its own user info but not others'.
func TestAllowedOwnOrAny(t *testing.T) {
	f := newRolesFixture(t)
	p := f.principal("su_cu")
	for _, tt := range []struct {
		name       string
		owner      string
		own, other action
		noChannel  bool
		want       string
	}{
		{"EditOwnMessage", "su_cu", actEditOwnMessage, actEditAnyMessage, false, "ok"},
		{"EditOthersMessage", "su_ca", actEditOwnMessage, actEditAnyMessage, false, "50107"},
		{"EditOwnMessageAttributes", "su_cu", actEditOwnMessageAttributes, actEditAnyMessageAttributes, false, "ok"},
		{"EditOthersMessageAttributes", "sa_ca", actEditOwnMessageAttributes, actEditAnyMessageAttributes, false, "50107"},
		{"DeleteOwnMessage", "su_cu", actDeleteOwnMessage, actDeleteAnyMessage, false, "ok"},
		{"DeleteOthersMessage", "su_ca", actDeleteOwnMessage, actDeleteAnyMessage, false, "50107"},
		{"EditOwnMemberAttributes", "su_cu", actEditOwnMemberAttributes, actEditAnyMemberAttributes, false, "ok"},
		{"EditOthersMemberAttributes", "su_ca", actEditOwnMemberAttributes, actEditAnyMemberAttributes, false, "50107"},
		{"Leave", "su_cu", actLeaveChannel, actRemoveMember, false, "ok"},
		{"RemoveOther", "su_ca", actLeaveChannel, actRemoveMember, false, "50107"},
		{"JoinSelf", "su_cu", actJoinChannel, actAddMember, false, "ok"},
		{"AddOther", "su_non", actJoinChannel, actAddMember, false, "50107"},
		{"EditOwnUserInfo", "su_cu", actEditOwnUserInfo, actEditAnyUserInfo, true, "ok"},
		{"EditOthersUserInfo", "su_ca", actEditOwnUserInfo, actEditAnyUserInfo, true, "50107"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ch := f.public
			if tt.noChannel {
				ch = nil
			}
			if got := outcome(f.check(t, p.Identity, ch, ownOr(p, tt.owner, tt.own, tt.other))); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestAllowedReadsRolesNow checks that the roles are read when the action
// is taken: a role given over REST holds at once, a custom role's
// permissions are its current ones, a deleted User or Role allows nothing.
func TestAllowedReadsRolesNow(t *testing.T) {
	ctx := context.Background()
	f := newRolesFixture(t)
	svc := f.service.Sid
	if got := outcome(f.check(t, "su_cu", f.public, actDestroyChannel)); got != "50107" {
		t.Fatalf("before: %s, want 50107", got)
	}
	if _, err := f.c.UpdateUser(ctx, svc, "su_cu", model.UserUpdate{RoleSid: &f.admin}); err != nil {
		t.Fatal(err)
	}
	if got := outcome(f.check(t, "su_cu", f.public, actDestroyChannel)); got != "ok" {
		t.Errorf("after promotion to service admin: %s, want ok", got)
	}

	// A custom channel role that only sends.
	sender, err := f.c.CreateRole(ctx, svc, model.RoleCreate{FriendlyName: "sender", Type: model.RoleTypeChannel, Permissions: []string{"sendMessage"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.UpdateMember(ctx, svc, f.public.Sid, "su_ca", model.MemberUpdate{RoleSid: &sender.Sid}); err != nil {
		t.Fatal(err)
	}
	for act, want := range map[action]string{actSendMessage: "ok", actLeaveChannel: "50107", actDestroyChannel: "50107"} {
		if got := outcome(f.check(t, "su_ca", f.public, act)); got != want {
			t.Errorf("sender role, %s: %s, want %s", act, got, want)
		}
	}
	if _, err := f.c.UpdateRole(ctx, svc, sender.Sid, model.RoleUpdate{Permissions: []string{"leaveChannel"}}); err != nil {
		t.Fatal(err)
	}
	for act, want := range map[action]string{actSendMessage: "50107", actLeaveChannel: "ok"} {
		if got := outcome(f.check(t, "su_ca", f.public, act)); got != want {
			t.Errorf("sender role changed to leaveChannel, %s: %s, want %s", act, got, want)
		}
	}
	if err := f.c.DeleteRole(ctx, svc, sender.Sid); err != nil {
		t.Fatal(err)
	}
	if got := outcome(f.check(t, "su_ca", f.public, actLeaveChannel)); got != "50107" {
		t.Errorf("with its channel role deleted: %s, want 50107", got)
	}

	if err := f.c.DeleteUser(ctx, svc, "sa_non"); err != nil {
		t.Fatal(err)
	}
	if got := outcome(f.check(t, "sa_non", nil, actCreateChannel)); got != "50107" {
		t.Errorf("a deleted User: %s, want 50107", got)
	}
}
