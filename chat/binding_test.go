package chat

import (
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/model"
)

func TestBindingRegistration(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		cr, err := r.CreateCredential(t.Context(), model.CredentialCreate{Type: model.PushFCM})
		noErr(t, err)
		if cr.Sandbox || cr.FriendlyName != nil {
			t.Errorf("credential = %+v, want no sandbox and a null name", cr)
		}
		device := model.BindingCreate{Identity: "alice", BindingType: model.PushFCM, Endpoint: "device-1", CredentialSid: cr.Sid}

		b, created, err := r.CreateBinding(t.Context(), s.Sid, device)
		noErr(t, err)
		if !created || !slices.Equal(b.MessageTypes, model.BindingMessageTypes) {
			t.Errorf("first registration: created %v, types %v; want created with every type", created, b.MessageTypes)
		}
		alice := findUser(t, r, s.Sid, "alice")
		if b.UserSid != alice.Sid || alice.RoleSid != s.DefaultServiceRoleSid {
			t.Errorf("binding of %s, alice is %+v: want the User made for it", b.UserSid, alice)
		}

		again := device
		again.MessageTypes = []string{"new_message", "new_message"}
		b2, created, err := r.CreateBinding(t.Context(), s.Sid, again)
		noErr(t, err)
		if created || b2.Sid != b.Sid || !b2.DateCreated.Equal(b.DateCreated) || !slices.Equal(b2.MessageTypes, []string{"new_message"}) {
			t.Errorf("re-registration = %+v created %v; want the same SID, replaced types", b2, created)
		}

		moved := device
		moved.Identity = "bob"
		b3, created, err := r.CreateBinding(t.Context(), s.Sid, moved)
		noErr(t, err)
		if created || b3.Sid != b.Sid || b3.Identity != "bob" {
			t.Errorf("registration by bob = %+v created %v; want the device moved to bob under its SID", b3, created)
		}
		for identity, want := range map[string]int{"alice": 0, "bob": 1} {
			bs, _, err := r.ListUserBindings(t.Context(), s.Sid, identity, nil, model.Page{Size: 50})
			noErr(t, err)
			if len(bs) != want {
				t.Errorf("%s has %d bindings, want %d", identity, len(bs), want)
			}
		}
		_, err = r.FindUserBinding(t.Context(), s.Sid, "alice", b.Sid)
		wantCode(t, "FindUserBinding of another User's Binding", err, 20404)

		unknown := device
		unknown.CredentialSid = model.PrefixCredential + strings.Repeat("0", 32)
		_, _, err = r.CreateBinding(t.Context(), s.Sid, unknown)
		wantCode(t, "CreateBinding with an unknown Credential", err, 20404)

		noErr(t, r.DeleteUser(t.Context(), s.Sid, "bob"))
		_, err = r.FindBinding(t.Context(), s.Sid, b.Sid)
		wantCode(t, "FindBinding after its User was deleted", err, 20404)
	})
}
