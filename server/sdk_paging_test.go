package server_test

// Every v2 list read through the SDK's paging.

import (
	"fmt"
	"strconv"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

func TestSDKPaging(t *testing.T) {
	const n = 7
	// lister lists through the SDK; 0 leaves PageSize or Limit unset.
	type lister func(api *sdk, pageSize, limit int) ([]string, error)
	cases := []struct {
		name string
		// seed creates the items and returns the keys the list must give,
		// in order, and the lister.
		seed func(t *testing.T, api *sdk) ([]string, lister)
	}{
		{"services", func(t *testing.T, api *sdk) ([]string, lister) {
			var want []string
			for i := 0; i < n; i++ {
				want = append(want, sdkVal(sdkService(t, api).Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListServiceParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListService(p)
				return sdkKeys(got, func(s chatv2.ChatV2Service) string { return sdkVal(s.Sid) }), err
			}
		}},
		{"roles", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			want := sdkKeys(sdkCall(api.ListRole(service, nil)).must(t), func(r chatv2.ChatV2Role) string { return sdkVal(r.Sid) })
			for len(want) < n {
				r := sdkCall(api.CreateRole(service, (&chatv2.CreateRoleParams{}).
					SetFriendlyName(fmt.Sprintf("role %d", len(want))).SetType("deployment").SetPermission([]string{"createChannel"}))).must(t)
				want = append(want, sdkVal(r.Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListRoleParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListRole(service, p)
				return sdkKeys(got, func(r chatv2.ChatV2Role) string { return sdkVal(r.Sid) }), err
			}
		}},
		{"users", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			var want []string
			for i := 0; i < n; i++ {
				want = append(want, sdkVal(sdkUser(t, api, service, fmt.Sprintf("user-%c", 'a'+i)).Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListUserParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListUser(service, p)
				return sdkKeys(got, func(u chatv2.ChatV2User) string { return sdkVal(u.Sid) }), err
			}
		}},
		{"channels", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			var want []string
			for i := 0; i < n; i++ {
				want = append(want, sdkVal(sdkChannel(t, api, service, "").Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListChannelParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListChannel(service, p)
				return sdkKeys(got, func(c chatv2.ChatV2Channel) string { return sdkVal(c.Sid) }), err
			}
		}},
		{"members", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			channel := sdkVal(sdkChannel(t, api, service, "").Sid)
			var want []string
			for i := 0; i < n; i++ {
				want = append(want, sdkVal(sdkMember(t, api, service, channel, fmt.Sprintf("member-%c", 'a'+i)).Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListMemberParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListMember(service, channel, p)
				return sdkKeys(got, func(m chatv2.ChatV2Member) string { return sdkVal(m.Sid) }), err
			}
		}},
		{"members filtered by Identity", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			channel := sdkVal(sdkChannel(t, api, service, "").Sid)
			var want, identities []string
			for i := 0; i < n+2; i++ {
				id := fmt.Sprintf("member-%c", 'a'+i)
				m := sdkMember(t, api, service, channel, id)
				if i%4 == 1 {
					continue // a member the filter leaves out
				}
				want = append(want, sdkVal(m.Sid))
				identities = append([]string{id}, identities...)
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := (&chatv2.ListMemberParams{}).SetIdentity(identities)
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListMember(service, channel, p)
				return sdkKeys(got, func(m chatv2.ChatV2Member) string { return sdkVal(m.Sid) }), err
			}
		}},
		{"channels filtered by Type", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			var want []string
			for i := 0; i < n; i++ {
				sdkChannel(t, api, service, "") // a public channel between the private ones
				ch := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetType("private"))).must(t)
				want = append(want, sdkVal(ch.Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := (&chatv2.ListChannelParams{}).SetType([]string{"private"})
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListChannel(service, p)
				return sdkKeys(got, func(c chatv2.ChatV2Channel) string { return sdkVal(c.Sid) }), err
			}
		}},
		{"invites", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			channel := sdkVal(sdkChannel(t, api, service, "").Sid)
			var want []string
			for i := 0; i < n; i++ {
				id := fmt.Sprintf("guest-%c", 'a'+i)
				sdkUser(t, api, service, id)
				inv := sdkCall(api.CreateInvite(service, channel, (&chatv2.CreateInviteParams{}).SetIdentity(id))).must(t)
				want = append(want, sdkVal(inv.Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListInviteParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListInvite(service, channel, p)
				return sdkKeys(got, func(i chatv2.ChatV2Invite) string { return sdkVal(i.Sid) }), err
			}
		}},
		{"messages asc", func(t *testing.T, api *sdk) ([]string, lister) {
			return sdkSeedMessages(t, api, "asc")
		}},
		{"messages desc", func(t *testing.T, api *sdk) ([]string, lister) {
			return sdkSeedMessages(t, api, "desc")
		}},
		{"user channels", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			sdkUser(t, api, service, "joiner")
			var want []string
			for i := 0; i < n; i++ {
				ch := sdkVal(sdkChannel(t, api, service, "").Sid)
				sdkMember(t, api, service, ch, "joiner")
				want = append(want, ch)
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListUserChannelParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListUserChannel(service, "joiner", p)
				return sdkKeys(got, func(uc chatv2.ChatV2UserChannel) string { return sdkVal(uc.ChannelSid) }), err
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, api := newSDKHarness(t)
			want, list := tc.seed(t, api)
			if len(want) != n {
				t.Fatalf("seeded %d items, want %d", len(want), n)
			}

			t.Run("follows next_page_url to the end", func(t *testing.T) {
				api.rw.reset()
				got := sdkCall(list(api, 2, 0)).must(t)
				sdkNoDuplicates(t, got)
				sdkWantEqual(t, "keys", got, want)
				reqs := api.rw.requests()
				if len(reqs) != 4 {
					t.Fatalf("SDK sent %d requests, want 4 pages: %v", len(reqs), reqs)
				}
				for i, u := range reqs {
					q := u.Query()
					if q.Get("PageSize") != "2" {
						t.Errorf("request %d: PageSize %q, want 2 (%s)", i, q.Get("PageSize"), u)
					}
					if i == 0 {
						continue
					}
					if q.Get("Page") != strconv.Itoa(i) || q.Get("PageToken") == "" {
						t.Errorf("request %d is not a next_page_url of page %d: %s", i, i-1, u)
					}
				}
			})

			t.Run("Limit stops at three items", func(t *testing.T) {
				api.rw.reset()
				sdkWantEqual(t, "keys", sdkCall(list(api, 0, 3)).must(t), want[:3])
				if reqs := api.rw.requests(); len(reqs) != 1 || reqs[0].Query().Get("PageSize") != "3" {
					t.Errorf("requests = %v, want one page of 3", reqs)
				}
			})

			t.Run("Limit stops at three items across pages of two", func(t *testing.T) {
				api.rw.reset()
				sdkWantEqual(t, "keys", sdkCall(list(api, 2, 3)).must(t), want[:3])
				if reqs := api.rw.requests(); len(reqs) != 2 {
					t.Errorf("SDK sent %d requests, want 2: %v", len(reqs), reqs)
				}
			})
		})
	}
}

// sdkSeedMessages posts seven messages and lists them in order, keyed by index.
func sdkSeedMessages(t *testing.T, api *sdk, order string) ([]string, func(api *sdk, pageSize, limit int) ([]string, error)) {
	t.Helper()
	service := sdkVal(sdkService(t, api).Sid)
	channel := sdkVal(sdkChannel(t, api, service, "").Sid)
	var want []string
	for i := 0; i < 7; i++ {
		want = append(want, strconv.Itoa(sdkMessage(t, api, service, channel, fmt.Sprint("message ", i)).Index))
	}
	if order == "desc" {
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
			want[i], want[j] = want[j], want[i]
		}
	}
	return want, func(api *sdk, size, limit int) ([]string, error) {
		p := (&chatv2.ListMessageParams{}).SetOrder(order)
		if size > 0 {
			p.SetPageSize(size)
		}
		if limit > 0 {
			p.SetLimit(limit)
		}
		got, err := api.ListMessage(service, channel, p)
		return sdkKeys(got, func(m chatv2.ChatV2Message) string { return strconv.Itoa(m.Index) }), err
	}
}

// sdkKeys maps listed SDK records to their keys.
func sdkKeys[T any](records []T, key func(T) string) []string {
	var out []string
	for _, r := range records {
		out = append(out, key(r))
	}
	return out
}
