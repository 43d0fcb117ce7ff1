package server_test

// The paging and errors groups of TestSDKV1Operations.

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	chatv1 "github.com/twilio/twilio-go/rest/chat/v1"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

// v1Lister lists the keys of one v1 list through the SDK with a PageSize.
type v1Lister func(pageSize int) ([]string, error)

// testV1Paging lists 5 or more items of each v1 list with SetPageSize(2):
// the SDK follows next_page_url to the end and gets every item once, in
// order.
func testV1Paging(t *testing.T, e *v1Env) {
	cases := []struct {
		name, op string
		seed     func(t *testing.T, e *v1Env) ([]string, v1Lister)
	}{
		{"services", "ListService", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, sdkVal(e.service(t, fmt.Sprint("service ", i)).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListService((&chatv1.ListServiceParams{}).SetPageSize(size))
				return sdkKeys(got, func(s chatv1.ChatV1Service) string { return sdkVal(s.Sid) }), err
			}
		}},
		{"roles", "ListRole", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			defaults := sdkCall(e.v2.ListRole(service, nil)).must(t)
			want := sdkKeys(defaults, func(r chatv2.ChatV2Role) string { return sdkVal(r.Sid) })
			for i := 0; i < 3; i++ {
				r := sdkCall(e.v1.CreateRole(service, (&chatv1.CreateRoleParams{}).
					SetFriendlyName(fmt.Sprint("role ", i)).SetType("channel").SetPermission([]string{"sendMessage"}))).must(t)
				want = append(want, sdkVal(r.Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListRole(service, (&chatv1.ListRoleParams{}).SetPageSize(size))
				return sdkKeys(got, func(r chatv1.ChatV1Role) string { return sdkVal(r.Sid) }), err
			}
		}},
		{"users", "ListUser", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, sdkVal(e.user(t, service, fmt.Sprint("user-", i)).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListUser(service, (&chatv1.ListUserParams{}).SetPageSize(size))
				return sdkKeys(got, func(u chatv1.ChatV1User) string { return sdkVal(u.Sid) }), err
			}
		}},
		{"channels", "ListChannel", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, sdkVal(e.channel(t, service, nil).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListChannel(service, (&chatv1.ListChannelParams{}).SetPageSize(size))
				return sdkKeys(got, func(c chatv1.ChatV1Channel) string { return sdkVal(c.Sid) }), err
			}
		}},
		{"channels filtered by Type", "ListChannel", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			var want []string
			for i := 0; i < 5; i++ {
				e.channel(t, service, (&chatv1.CreateChannelParams{}).SetType("public"))
				want = append(want, sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetType("private")).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListChannel(service, (&chatv1.ListChannelParams{}).SetType([]string{"private"}).SetPageSize(size))
				return sdkKeys(got, func(c chatv1.ChatV1Channel) string { return sdkVal(c.Sid) }), err
			}
		}},
		{"members", "ListMember", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			channel := sdkVal(e.channel(t, service, nil).Sid)
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, sdkVal(e.member(t, service, channel, fmt.Sprint("member-", i)).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListMember(service, channel, (&chatv1.ListMemberParams{}).SetPageSize(size))
				return sdkKeys(got, func(m chatv1.ChatV1Member) string { return sdkVal(m.Sid) }), err
			}
		}},
		{"members filtered by Identity", "ListMember", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			channel := sdkVal(e.channel(t, service, nil).Sid)
			var want, identities []string
			for i := 0; i < 7; i++ {
				id := fmt.Sprint("member-", i)
				m := e.member(t, service, channel, id)
				if i%3 == 1 {
					continue // left out by the filter
				}
				want = append(want, sdkVal(m.Sid))
				identities = append([]string{id}, identities...)
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListMember(service, channel, (&chatv1.ListMemberParams{}).SetIdentity(identities).SetPageSize(size))
				return sdkKeys(got, func(m chatv1.ChatV1Member) string { return sdkVal(m.Sid) }), err
			}
		}},
		{"messages asc", "ListMessage", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			return seedV1Messages(t, e, "asc")
		}},
		{"messages desc", "ListMessage", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			return seedV1Messages(t, e, "desc")
		}},
		{"invites filtered by Identity", "ListInvite", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			channel := sdkVal(e.channel(t, service, nil).Sid)
			var want, identities []string
			for i := 0; i < 6; i++ {
				id := fmt.Sprint("guest-", i)
				e.user(t, service, id)
				inv := sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity(id))).must(t)
				if i == 3 {
					continue // left out by the filter
				}
				want = append(want, sdkVal(inv.Sid))
				identities = append(identities, id)
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListInvite(service, channel, (&chatv1.ListInviteParams{}).SetIdentity(identities).SetPageSize(size))
				return sdkKeys(got, func(i chatv1.ChatV1Invite) string { return sdkVal(i.Sid) }), err
			}
		}},
		{"invites", "ListInvite", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			channel := sdkVal(e.channel(t, service, nil).Sid)
			var want []string
			for i := 0; i < 5; i++ {
				id := fmt.Sprint("guest-", i)
				e.user(t, service, id)
				want = append(want, sdkVal(sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity(id))).must(t).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListInvite(service, channel, (&chatv1.ListInviteParams{}).SetPageSize(size))
				return sdkKeys(got, func(i chatv1.ChatV1Invite) string { return sdkVal(i.Sid) }), err
			}
		}},
		{"user channels", "ListUserChannel", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			user := sdkVal(e.user(t, service, "joiner").Sid)
			var want []string
			for i := 0; i < 5; i++ {
				ch := sdkVal(e.channel(t, service, nil).Sid)
				e.member(t, service, ch, "joiner")
				want = append(want, ch)
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListUserChannel(service, user, (&chatv1.ListUserChannelParams{}).SetPageSize(size))
				return sdkKeys(got, func(uc chatv1.ChatV1UserChannel) string { return sdkVal(uc.ChannelSid) }), err
			}
		}},
		{"credentials", "ListCredential", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			var want []string
			for i, typ := range []string{"apn", "gcm", "fcm", "gcm", "fcm"} {
				cr := sdkCall(e.v1.CreateCredential((&chatv1.CreateCredentialParams{}).
					SetType(typ).SetFriendlyName(fmt.Sprint("credential ", i)))).must(t)
				want = append(want, sdkVal(cr.Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListCredential((&chatv1.ListCredentialParams{}).SetPageSize(size))
				return sdkKeys(got, func(c chatv1.ChatV1Credential) string { return sdkVal(c.Sid) }), err
			}
		}},
	}
	for _, tc := range cases {
		e.run(t, tc.name, func(t *testing.T) {
			// Each list on its own chatd, so that nothing else is listed.
			pe := newV1Env(t, e.wire.coverage)
			want, list := tc.seed(t, pe)
			if len(want) < 5 {
				t.Fatalf("seeded %d items, want 5 or more", len(want))
			}

			pe.run(t, "SetPageSize(2) gets every item once, in order", func(t *testing.T) {
				mark := pe.wire.mark()
				got := sdkCall(list(2)).must(t)
				sdkNoDuplicates(t, got)
				sdkWantEqual(t, "keys", got, want)
				reqs := pe.wire.since(mark)
				if pages := (len(want) + 1) / 2; len(reqs) != pages {
					t.Fatalf("SDK sent %d requests, want %d pages of 2", len(reqs), pages)
				}
				for i, x := range reqs {
					q := x.url.Query()
					if x.op != tc.op || x.status != http.StatusOK {
						t.Errorf("request %d: %s %s answered %d, want %s answering 200", i, x.method, x.url.Path, x.status, tc.op)
					}
					if q.Get("PageSize") != "2" {
						t.Errorf("request %d: PageSize %q, want 2 (%s)", i, q.Get("PageSize"), x.url)
					}
					if i > 0 && (q.Get("Page") != strconv.Itoa(i) || q.Get("PageToken") == "") {
						t.Errorf("request %d is not the next_page_url of page %d: %s", i, i-1, x.url)
					}
				}
			})

			pe.run(t, "one page of 50 lists the same", func(t *testing.T) {
				mark := pe.wire.mark()
				sdkWantEqual(t, "keys", sdkCall(list(50)).must(t), want)
				if reqs := pe.wire.since(mark); len(reqs) != 1 {
					t.Errorf("SDK sent %d requests, want 1", len(reqs))
				}
			})
		})
	}
}

// seedV1Messages posts seven messages and lists them in order, keyed by
// index and SID.
func seedV1Messages(t *testing.T, e *v1Env, order string) ([]string, v1Lister) {
	t.Helper()
	service := sdkVal(e.service(t, "s").Sid)
	channel := sdkVal(e.channel(t, service, nil).Sid)
	key := func(m chatv1.ChatV1Message) string { return strconv.Itoa(m.Index) + " " + sdkVal(m.Sid) }
	var want []string
	for i := 0; i < 7; i++ {
		want = append(want, key(*e.message(t, service, channel, fmt.Sprint("message ", i))))
	}
	if order == "desc" {
		slices.Reverse(want)
	}
	return want, func(size int) ([]string, error) {
		got, err := e.v1.ListMessage(service, channel, (&chatv1.ListMessageParams{}).SetOrder(order).SetPageSize(size))
		return sdkKeys(got, key), err
	}
}

// testV1Errors checks Twilio's error answers through Chat V1, and that a
// refused request changes nothing.
func testV1Errors(t *testing.T, e *v1Env) {
	service := sdkVal(e.service(t, "errors").Sid)
	taken := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("taken")).Sid)
	other := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("other")).Sid)
	alice := sdkVal(e.user(t, service, "alice").Sid)
	e.member(t, service, taken, "alice")
	kept := sdkVal(e.message(t, service, taken, "kept").Sid)
	const badAttributes = `{"unterminated": `
	const unknownChannel = "CH00000000000000000000000000000000"

	for _, tc := range []struct {
		name         string
		call         func() error
		status, code int
	}{
		{"duplicate unique name on create", func() error {
			_, err := e.v1.CreateChannel(service, (&chatv1.CreateChannelParams{}).SetUniqueName("taken"))
			return err
		}, 409, 50307},
		{"duplicate unique name on update", func() error {
			_, err := e.v1.UpdateChannel(service, other, (&chatv1.UpdateChannelParams{}).SetUniqueName("taken"))
			return err
		}, 409, 50307},
		{"duplicate user identity", func() error {
			_, err := e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).SetIdentity("alice"))
			return err
		}, 409, 50201},
		{"member already in channel", func() error {
			_, err := e.v1.CreateMember(service, "taken", (&chatv1.CreateMemberParams{}).SetIdentity("alice"))
			return err
		}, 409, 50404},
		{"member already in channel by SID", func() error {
			_, err := e.v1.CreateMember(service, taken, (&chatv1.CreateMemberParams{}).SetIdentity("alice"))
			return err
		}, 409, 50404},
		{"unknown channel SID", func() error {
			_, err := e.v1.FetchChannel(service, unknownChannel)
			return err
		}, 404, 20404},
		{"unknown channel unique name", func() error {
			_, err := e.v1.FetchChannel(service, "missing")
			return err
		}, 404, 20404},
		{"update of an unknown channel", func() error {
			_, err := e.v1.UpdateChannel(service, unknownChannel, (&chatv1.UpdateChannelParams{}).SetFriendlyName("x"))
			return err
		}, 404, 20404},
		{"delete of an unknown channel", func() error {
			return e.v1.DeleteChannel(service, unknownChannel)
		}, 404, 20404},
		{"members of an unknown channel", func() error {
			_, err := e.v1.ListMember(service, "missing", nil)
			return err
		}, 404, 20404},
		{"messages of an unknown channel", func() error {
			_, err := e.v1.ListMessage(service, unknownChannel, nil)
			return err
		}, 404, 20404},
		{"message to an unknown channel", func() error {
			_, err := e.v1.CreateMessage(service, "missing", (&chatv1.CreateMessageParams{}).SetBody("x"))
			return err
		}, 404, 20404},
		{"message create without Body", func() error {
			_, err := e.v1.CreateMessage(service, "taken", (&chatv1.CreateMessageParams{}).SetFrom("alice"))
			return err
		}, 400, 20001},
		{"message create with Attributes and no Body", func() error {
			_, err := e.v1.CreateMessage(service, taken, (&chatv1.CreateMessageParams{}).SetAttributes(`{"a":1}`))
			return err
		}, 400, 20001},
		{"invalid channel Attributes JSON on create", func() error {
			_, err := e.v1.CreateChannel(service, (&chatv1.CreateChannelParams{}).SetUniqueName("bad").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid channel Attributes JSON on update", func() error {
			_, err := e.v1.UpdateChannel(service, other, (&chatv1.UpdateChannelParams{}).SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid user Attributes JSON on create", func() error {
			_, err := e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).SetIdentity("bob").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid user Attributes JSON on update", func() error {
			_, err := e.v1.UpdateUser(service, alice, (&chatv1.UpdateUserParams{}).SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid message Attributes JSON on create", func() error {
			_, err := e.v1.CreateMessage(service, taken, (&chatv1.CreateMessageParams{}).SetBody("x").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid message Attributes JSON on update", func() error {
			_, err := e.v1.UpdateMessage(service, taken, kept, (&chatv1.UpdateMessageParams{}).SetAttributes(badAttributes))
			return err
		}, 400, 50304},
	} {
		e.run(t, tc.name, func(t *testing.T) {
			wantSDKError(t, tc.call(), tc.status, tc.code)
		})
	}

	e.run(t, "refused requests change nothing", func(t *testing.T) {
		chs := sdkCall(e.v1.ListChannel(service, nil)).must(t)
		sdkWantEqual(t, "channels", sdkKeys(chs, func(c chatv1.ChatV1Channel) string { return sdkVal(c.UniqueName) }),
			[]string{"taken", "other"})
		sdkWantEqual(t, "other's attributes", sdkVal(sdkCall(e.v1.FetchChannel(service, other)).must(t).Attributes), "{}")
		users := sdkCall(e.v1.ListUser(service, nil)).must(t)
		sdkWantEqual(t, "users", sdkKeys(users, func(u chatv1.ChatV1User) string { return sdkVal(u.Identity) }), []string{"alice"})
		sdkWantEqual(t, "alice's attributes", sdkVal(sdkCall(e.v1.FetchUser(service, "alice")).must(t).Attributes), "{}")
		sdkWantEqual(t, "members", len(sdkCall(e.v1.ListMember(service, taken, nil)).must(t)), 1)
		msgs := sdkCall(e.v1.ListMessage(service, taken, nil)).must(t)
		sdkWantEqual(t, "messages", sdkKeys(msgs, func(m chatv1.ChatV1Message) string { return sdkVal(m.Body) + " " + sdkVal(m.Attributes) }),
			[]string{"kept {}"})
	})
}
