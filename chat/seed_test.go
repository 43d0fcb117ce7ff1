package chat

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/postgres"
)

// seedNow is the clock of every store in these tests, so that two loads of
// a seed can be compared field for field.
var seedNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

const (
	support = "IS00000000000000000000000000000001" // testdata/seed.json's first Service
	sandbox = "IS00000000000000000000000000000002" // and its second
	general = "CH00000000000000000000000000000001"
	staff   = "CH00000000000000000000000000000002"
)

// seedStore opens a new store of e with the fixed clock; it is closed when
// the test ends.
func (e engine) seedStore(t *testing.T) model.Store {
	t.Helper()
	st := e.open(t, func() time.Time { return seedNow })
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// testdataSeed is testdata/seed.json, read afresh.
func testdataSeed(t *testing.T) *Seed {
	t.Helper()
	s, err := ReadSeed(filepath.Join("..", "testdata", "seed.json"))
	if err != nil {
		t.Fatalf("ReadSeed(testdata/seed.json): %v", err)
	}
	return s
}

// decodeSeed decodes a seed written in the test.
func decodeSeed(t *testing.T, js string) *Seed {
	t.Helper()
	s, err := DecodeSeed(strings.NewReader(js))
	if err != nil {
		t.Fatalf("DecodeSeed: %v\n%s", err, js)
	}
	return s
}

// seeded returns a Chat over st with seed, and loads the seed into st.
func seeded(t *testing.T, st model.Store, seed *Seed) *Chat {
	t.Helper()
	c := New(st, Options{AccountSid: "AC" + strings.Repeat("0", 32), Seed: seed})
	if err := c.Reset(context.Background(), ""); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	return c
}

// dump is everything st holds that the rules write, each record as JSON
// under the path it was read by: Services, and under each its Roles, Users
// with their channel links, Channels with their Members, Messages and
// Invites; Credentials; deliveries; and the setting "kept". Two states
// compare with maps.Equal, and diffState names what differs.
func dump(t *testing.T, st model.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	put := func(key string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("dump %s: %v", key, err)
		}
		out[key] = string(b)
	}
	err := st.View(context.Background(), func(tx model.Tx) error {
		services, err := tx.Services(model.Window{})
		if err != nil {
			return err
		}
		put("services", sidsOf(services, func(s *model.Service) string { return s.Sid }))
		for _, s := range services {
			p := s.Sid
			put(p, s)
			roles, err := tx.Roles(s.Sid, model.Window{})
			if err != nil {
				return err
			}
			put(p+" roles", roles)
			users, err := tx.Users(s.Sid, model.Window{})
			if err != nil {
				return err
			}
			put(p+" users", users)
			for _, u := range users {
				links, err := tx.UserChannels(s.Sid, u.Sid, model.Window{})
				if err != nil {
					return err
				}
				put(p+" user "+u.Identity+" channels", links)
			}
			channels, err := tx.Channels(s.Sid, nil, model.Window{})
			if err != nil {
				return err
			}
			put(p+" channels", channels)
			for _, ch := range channels {
				cp := p + " channel " + ch.Sid
				members, err := tx.Members(s.Sid, ch.Sid, model.Window{})
				if err != nil {
					return err
				}
				put(cp+" members", members)
				messages, err := tx.Messages(s.Sid, ch.Sid, model.Window{})
				if err != nil {
					return err
				}
				put(cp+" messages", messages)
				invites, err := tx.Invites(s.Sid, ch.Sid, model.Window{})
				if err != nil {
					return err
				}
				put(cp+" invites", invites)
			}
		}
		creds, err := tx.Credentials(model.Window{})
		if err != nil {
			return err
		}
		put("credentials", creds)
		deliveries, err := tx.Deliveries("", model.Window{})
		if err != nil {
			return err
		}
		put("deliveries", deliveries)
		kept, err := tx.Setting("kept")
		put("setting kept", kept)
		return err
	})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return out
}

// serviceDump is the part of a dump under one Service.
func serviceDump(state map[string]string, service string) map[string]string {
	out := map[string]string{}
	for k, v := range state {
		if strings.HasPrefix(k, service) {
			out[k] = v
		}
	}
	return out
}

// diffState reports every key whose value differs between want and got.
func diffState(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if w, ok := want[k]; !ok {
			t.Errorf("%s: %s added: %s", what, k, got[k])
		} else if w != got[k] {
			t.Errorf("%s: %s =\n %s\nwant\n %s", what, k, got[k], w)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, ok := got[k]; !ok {
			t.Errorf("%s: %s missing (was %s)", what, k, want[k])
		}
	}
}

func sidsOf[T any](recs []T, key func(T) string) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, key(r))
	}
	return out
}

// read runs fn in a View and fails the test on its error.
func read[T any](t *testing.T, st model.Store, fn func(model.Tx) (T, error)) T {
	t.Helper()
	var out T
	if err := st.View(context.Background(), func(tx model.Tx) (err error) {
		out, err = fn(tx)
		return err
	}); err != nil {
		t.Fatalf("View: %v", err)
	}
	return out
}

// change makes changes everywhere the seed reaches, and outside it: in both
// Services, a new Service, a Credential, a webhook delivery and a setting.
func change(t *testing.T, c *Chat) {
	t.Helper()
	ctx := context.Background()
	hooked := model.WithWebhooks(ctx, true)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := c.UpdateService(ctx, support, model.ServiceUpdate{FriendlyName: ptrTo("Changed"), PostWebhookURL: ptrTo("https://hooks.example.com/in")})
	must("UpdateService", err)
	_, err = c.CreateMessage(hooked, support, "general", model.MessageCreate{Body: ptrTo("new"), From: ptrTo("carol")})
	must("CreateMessage", err)
	must("DeleteMessage", c.DeleteMessage(ctx, support, general, "IM00000000000000000000000000000001"))
	_, err = c.UpdateUser(ctx, support, "bob", model.UserUpdate{Attributes: ptrTo(`{"team":"red"}`)})
	must("UpdateUser", err)
	must("DeleteUser", c.DeleteUser(ctx, support, "carol"))
	_, err = c.CreateChannel(ctx, support, model.ChannelCreate{UniqueName: ptrTo("random")})
	must("CreateChannel", err)
	_, err = c.CreateChannel(ctx, sandbox, model.ChannelCreate{UniqueName: ptrTo("play")})
	must("CreateChannel in Sandbox", err)
	_, err = c.CreateService(ctx, model.ServiceCreate{FriendlyName: "extra"})
	must("CreateService", err)
	_, err = c.CreateCredential(ctx, model.CredentialCreate{Type: model.PushFCM, CredentialUpdate: model.CredentialUpdate{Secret: ptrTo("key")}})
	must("CreateCredential", err)
}

func ptrTo[T any](v T) *T { return &v }

func TestDecodeSeed(t *testing.T) {
	t.Run("testdata/seed.json decodes", func(t *testing.T) {
		s := testdataSeed(t)
		if len(s.Services) != 2 || s.Services[0].Sid != support || len(s.Services[0].Channels) != 2 {
			t.Errorf("decoded %+v", s)
		}
	})
	for _, c := range []struct {
		name string
		js   string
		want string // in the error
	}{
		{"an unknown top-level field is refused", `{"services": [], "servces": []}`, `"servces"`},
		{"an unknown field of a Service is refused", `{"services": [{"friendly_name": "a", "frendly_name": "b"}]}`, `"frendly_name"`},
		{"an unknown field of a Message is refused", `{"services": [{"friendly_name": "a", "channels": [{"messages": [{"body": "x", "author": "alice"}]}]}]}`, `"author"`},
		{"bad JSON is refused", `{"services": [`, "seed"},
		{"a value of the wrong type is refused", `{"services": [{"friendly_name": 3}]}`, "friendly_name"},
		{"a malformed date is refused", `{"services": [{"friendly_name": "a", "channels": [{"date_created": "yesterday"}]}]}`, "yesterday"},
		{"an empty input is refused", ``, "EOF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := DecodeSeed(strings.NewReader(c.js))
			if err == nil {
				t.Fatalf("DecodeSeed(%s) = %+v, want an error", c.js, s)
			}
			if !strings.HasPrefix(err.Error(), "seed: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("DecodeSeed(%s) = %v, want an error starting seed: and naming %s", c.js, err, c.want)
			}
		})
	}
	t.Run("ReadSeed of a missing file fails", func(t *testing.T) {
		if _, err := ReadSeed(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadSeed = %v, want a not-exist error", err)
		}
	})
}

// TestSeedLoadsTestdata checks what testdata/seed.json becomes, record by
// record: its fixed SIDs and values, Twilio's defaults for what it leaves
// out, derived SIDs for what it cannot name, and exact counts.
func TestSeedLoadsTestdata(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		st := e.seedStore(t)
		seeded(t, st, testdataSeed(t))
		date := func(s string) time.Time {
			d, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		role := func(service, name string) string { return derivedSid(model.PrefixRole, service+"/"+name) }
		carol := derivedSid(model.PrefixUser, support+"/carol")

		t.Run("exactly its two Services, with its settings and Twilio's defaults", func(t *testing.T) {
			ss := read(t, st, func(tx model.Tx) ([]*model.Service, error) { return tx.Services(model.Window{}) })
			svc := func(sid, name string) *model.Service {
				return &model.Service{
					Sid: sid, FriendlyName: name, DateCreated: seedNow, DateUpdated: seedNow,
					DefaultServiceRoleSid:        role(sid, "service user"),
					DefaultChannelRoleSid:        role(sid, "channel user"),
					DefaultChannelCreatorRoleSid: role(sid, "channel admin"),
					ReadStatusEnabled:            true,
					TypingIndicatorTimeout:       5,
					ConsumptionReportInterval:    10,
					Limits:                       model.ServiceLimits{ChannelMembers: 100, UserChannels: 250},
					Media:                        model.ServiceMedia{SizeLimitMB: 150, CompatibilityMessage: "Media messages are not supported by your client"},
				}
			}
			wantSupport := svc(support, "Support")
			wantSupport.ReachabilityEnabled = true
			wantSupport.Limits.ChannelMembers = 500
			want := []*model.Service{wantSupport, svc(sandbox, "Sandbox")}
			if !reflect.DeepEqual(ss, want) {
				t.Errorf("Services =\n %s\nwant\n %s", js(ss), js(want))
			}
		})
		t.Run("default Role SIDs are derived from the Service SID", func(t *testing.T) {
			seen := map[string]bool{}
			for _, service := range []string{support, sandbox} {
				for _, name := range []string{"service admin", "service user", "channel admin", "channel user"} {
					r := read(t, st, func(tx model.Tx) (*model.Role, error) { return tx.Role(service, role(service, name)) })
					if r.FriendlyName != name || !model.IsSID(model.PrefixRole, r.Sid) || seen[r.Sid] {
						t.Errorf("default role %q of %s = %+v, want a role of that name with a SID of its own", name, service, r)
					}
					seen[r.Sid] = true
				}
			}
		})
		t.Run("its Role beside the four defaults", func(t *testing.T) {
			roles := read(t, st, func(tx model.Tx) ([]*model.Role, error) { return tx.Roles(support, model.Window{}) })
			if got := sidsOf(roles, func(r *model.Role) string { return r.FriendlyName }); len(got) != 5 {
				t.Fatalf("Roles of Support = %v, want the four defaults and moderator", got)
			}
			want := &model.Role{Sid: "RL00000000000000000000000000000001", ServiceSid: support, FriendlyName: "moderator",
				Type: model.RoleTypeChannel, Permissions: []string{"sendMessage", "deleteAnyMessage", "removeMember"},
				DateCreated: seedNow, DateUpdated: seedNow}
			if !reflect.DeepEqual(roles[0], want) {
				t.Errorf("first Role of Support = %s, want %s", js(roles[0]), js(want))
			}
			if n := len(read(t, st, func(tx model.Tx) ([]*model.Role, error) { return tx.Roles(sandbox, model.Window{}) })); n != 4 {
				t.Errorf("Sandbox has %d Roles, want the 4 defaults", n)
			}
		})
		t.Run("its Users, and carol's User with a derived SID", func(t *testing.T) {
			users := read(t, st, func(tx model.Tx) ([]*model.User, error) { return tx.Users(support, model.Window{}) })
			user := func(sid, identity string) *model.User {
				return &model.User{Sid: sid, ServiceSid: support, Identity: identity, Attributes: "{}",
					RoleSid: role(support, "service user"), JoinedChannelsCount: 1, DateCreated: seedNow, DateUpdated: seedNow}
			}
			alice, bob := user("US00000000000000000000000000000001", "alice"), user("US00000000000000000000000000000002", "bob")
			alice.FriendlyName, bob.Attributes = ptrTo("Alice"), `{"team":"blue"}`
			want := []*model.User{alice, bob, user(carol, "carol")}
			if !reflect.DeepEqual(users, want) {
				t.Errorf("Users of Support =\n %s\nwant\n %s", js(users), js(want))
			}
			if us := read(t, st, func(tx model.Tx) ([]*model.User, error) { return tx.Users(sandbox, model.Window{}) }); len(us) != 0 {
				t.Errorf("Sandbox has Users %s, want none", js(us))
			}
		})
		t.Run("its Channels with their counts", func(t *testing.T) {
			chs := read(t, st, func(tx model.Tx) ([]*model.Channel, error) { return tx.Channels(support, nil, model.Window{}) })
			want := []*model.Channel{{
				Sid: general, ServiceSid: support, FriendlyName: ptrTo("General"), UniqueName: ptrTo("general"),
				Attributes: "{}", Type: model.ChannelPublic, CreatedBy: "alice",
				DateCreated: date("2020-01-01T09:00:00Z"), DateUpdated: date("2020-01-01T09:00:00Z"),
				MembersCount: 2, MessagesCount: 2, LastMessageSid: "IM00000000000000000000000000000002",
			}, {
				Sid: staff, ServiceSid: support, UniqueName: ptrTo("staff"), Attributes: "{}", Type: model.ChannelPrivate,
				CreatedBy: model.DefaultAuthor, DateCreated: seedNow, DateUpdated: seedNow, MembersCount: 1,
			}}
			if !reflect.DeepEqual(chs, want) {
				t.Errorf("Channels of Support =\n %s\nwant\n %s", js(chs), js(want))
			}
			if cs := read(t, st, func(tx model.Tx) ([]*model.Channel, error) { return tx.Channels(sandbox, nil, model.Window{}) }); len(cs) != 0 {
				t.Errorf("Sandbox has Channels %s, want none", js(cs))
			}
		})
		t.Run("its Members, with their roles and consumption", func(t *testing.T) {
			member := func(sid, ch, user, identity, role string) *model.Member {
				return &model.Member{Sid: sid, ServiceSid: support, ChannelSid: ch, UserSid: user, Identity: identity,
					RoleSid: role, Attributes: "{}", NotificationLevel: model.NotificationDefault, DateCreated: seedNow, DateUpdated: seedNow}
			}
			bob := member("MB00000000000000000000000000000002", general, "US00000000000000000000000000000002", "bob", role(support, "channel user"))
			bob.LastConsumedMessageIndex = ptrTo(0)
			for ch, want := range map[string][]*model.Member{
				general: {member("MB00000000000000000000000000000001", general, "US00000000000000000000000000000001", "alice", "RL00000000000000000000000000000001"), bob},
				staff:   {member("MB00000000000000000000000000000003", staff, carol, "carol", role(support, "channel user"))},
			} {
				ms := read(t, st, func(tx model.Tx) ([]*model.Member, error) { return tx.Members(support, ch, model.Window{}) })
				if !reflect.DeepEqual(ms, want) {
					t.Errorf("Members of %s =\n %s\nwant\n %s", ch, js(ms), js(want))
				}
			}
		})
		t.Run("its Messages, indexed in order", func(t *testing.T) {
			ms := read(t, st, func(tx model.Tx) ([]*model.Message, error) { return tx.Messages(support, general, model.Window{}) })
			want := []*model.Message{{
				Sid: "IM00000000000000000000000000000001", ServiceSid: support, ChannelSid: general, Index: 0,
				From: "alice", Body: "Welcome!", Attributes: "{}",
				DateCreated: date("2020-01-01T09:01:00Z"), DateUpdated: date("2020-01-01T09:01:00Z"),
			}, {
				Sid: "IM00000000000000000000000000000002", ServiceSid: support, ChannelSid: general, Index: 1,
				From: "bob", Body: "Hi Alice", Attributes: `{"mood":"happy"}`,
				DateCreated: date("2020-01-01T09:02:00Z"), DateUpdated: date("2020-01-01T09:02:00Z"),
			}}
			if !reflect.DeepEqual(ms, want) {
				t.Errorf("Messages of general =\n %s\nwant\n %s", js(ms), js(want))
			}
			if ms := read(t, st, func(tx model.Tx) ([]*model.Message, error) { return tx.Messages(support, staff, model.Window{}) }); len(ms) != 0 {
				t.Errorf("staff has Messages %s, want none", js(ms))
			}
		})
		t.Run("each User is linked to its Channel", func(t *testing.T) {
			for user, want := range map[string]model.UserChannelLink{
				"US00000000000000000000000000000001": {ChannelSid: general, MemberSid: "MB00000000000000000000000000000001"},
				"US00000000000000000000000000000002": {ChannelSid: general, MemberSid: "MB00000000000000000000000000000002"},
				carol:                                {ChannelSid: staff, MemberSid: "MB00000000000000000000000000000003"},
			} {
				links := read(t, st, func(tx model.Tx) ([]model.UserChannelLink, error) {
					return tx.UserChannels(support, user, model.Window{})
				})
				if !reflect.DeepEqual(links, []model.UserChannelLink{want}) {
					t.Errorf("UserChannels(%s) = %+v, want [%+v]", user, links, want)
				}
			}
		})
		t.Run("another store loading the same seed gets the same SIDs and records", func(t *testing.T) {
			other := e.seedStore(t)
			seeded(t, other, testdataSeed(t))
			diffState(t, "second store", dump(t, other), dump(t, st))
		})
	})
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestResetAll checks Reset(""): a second load is identical to the first,
// whatever changed in between, and nothing outside the seed survives
// except settings.
func TestResetAll(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		t.Run("two loads give identical data", func(t *testing.T) {
			st := e.seedStore(t)
			c := seeded(t, st, testdataSeed(t))
			first := dump(t, st)
			if err := c.Reset(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			diffState(t, "after a second Reset", dump(t, st), first)
		})
		t.Run("changes everywhere are undone, Credentials and deliveries included", func(t *testing.T) {
			st := e.seedStore(t)
			c := seeded(t, st, testdataSeed(t))
			first := dump(t, st)
			change(t, c)
			if n := len(read(t, st, func(tx model.Tx) ([]*model.Delivery, error) { return tx.Deliveries("", model.Window{}) })); n == 0 {
				t.Fatal("the changes recorded no delivery; the test needs one")
			}
			if err := c.Reset(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			if n := len(read(t, st, func(tx model.Tx) ([]*model.Credential, error) { return tx.Credentials(model.Window{}) })); n != 0 {
				t.Errorf("%d Credentials after Reset, want none", n)
			}
			if n := len(read(t, st, func(tx model.Tx) ([]*model.Delivery, error) { return tx.Deliveries("", model.Window{}) })); n != 0 {
				t.Errorf("%d deliveries after Reset, want none", n)
			}
			diffState(t, "after Reset", dump(t, st), first)
		})
		t.Run("settings are kept", func(t *testing.T) {
			st := e.seedStore(t)
			c := seeded(t, st, testdataSeed(t))
			if err := st.Update(context.Background(), func(tx model.Tx) error { return tx.PutSetting("kept", "yes") }); err != nil {
				t.Fatal(err)
			}
			if err := c.Reset(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			if got := read(t, st, func(tx model.Tx) (string, error) { return tx.Setting("kept") }); got != "yes" {
				t.Errorf("setting after Reset = %q, want %q", got, "yes")
			}
		})
		t.Run("without a seed, a Reset empties the store", func(t *testing.T) {
			st := e.seedStore(t)
			seeded(t, st, testdataSeed(t))
			c := New(st, Options{})
			change(t, c)
			if err := c.Reset(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			want := dump(t, e.seedStore(t))
			diffState(t, "after Reset without a seed", dump(t, st), want)
		})
	})
}

// TestResetService checks Reset(IS…): it restores that Service alone.
func TestResetService(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		setup := func(t *testing.T) (*Chat, model.Store, map[string]string) {
			st := e.seedStore(t)
			c := seeded(t, st, testdataSeed(t))
			first := dump(t, st)
			change(t, c)
			return c, st, first
		}
		t.Run("restores the Service and leaves everything else as it is", func(t *testing.T) {
			c, st, first := setup(t)
			changed := dump(t, st)
			if err := c.Reset(ctx, support); err != nil {
				t.Fatal(err)
			}
			want := maps.Clone(changed)
			maps.DeleteFunc(want, func(k, _ string) bool { return strings.HasPrefix(k, support) })
			maps.Copy(want, serviceDump(first, support))
			diffState(t, "after Reset(Support)", dump(t, st), want)
		})
		t.Run("restores a Service deleted since the load", func(t *testing.T) {
			c, st, first := setup(t)
			if err := c.DeleteService(ctx, sandbox); err != nil {
				t.Fatal(err)
			}
			if err := c.Reset(ctx, sandbox); err != nil {
				t.Fatal(err)
			}
			diffState(t, "Sandbox after its Reset", serviceDump(dump(t, st), sandbox), serviceDump(first, sandbox))
		})
		t.Run("removes a Service the seed does not have", func(t *testing.T) {
			c, st, _ := setup(t)
			extra, err := c.CreateService(ctx, model.ServiceCreate{FriendlyName: "more"})
			if err != nil {
				t.Fatal(err)
			}
			before := dump(t, st)
			if err := c.Reset(ctx, extra.Sid); err != nil {
				t.Fatal(err)
			}
			want := maps.Clone(before)
			maps.DeleteFunc(want, func(k, _ string) bool { return strings.HasPrefix(k, extra.Sid) })
			var services []string
			if err := json.Unmarshal([]byte(want["services"]), &services); err != nil {
				t.Fatal(err)
			}
			want["services"] = js(slices.DeleteFunc(services, func(s string) bool { return s == extra.Sid }))
			diffState(t, "after Reset of a Service not in the seed", dump(t, st), want)
		})
		t.Run("an unknown Service is 20404 and changes nothing", func(t *testing.T) {
			c, st, _ := setup(t)
			before := dump(t, st)
			err := c.Reset(ctx, "IS"+strings.Repeat("9", 32))
			var e *model.Error
			if !errors.As(err, &e) || e.Code != 20404 {
				t.Errorf("Reset(unknown) = %v, want 20404", err)
			}
			diffState(t, "after Reset(unknown)", dump(t, st), before)
		})
	})
}

// TestSeedInvalid checks that a seed with a bad part fails with an error
// naming the Service and the resource, and that the failed Reset leaves the
// store as it was: one transaction.
func TestSeedInvalid(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		// base is a valid seed; each case changes one part of it. The bad part
		// sits in the second Service, after the first was written.
		const base = `{"services": [
			{"sid": "IS00000000000000000000000000000001", "friendly_name": "first",
			 "channels": [{"sid": "CH00000000000000000000000000000001", "unique_name": "lobby", "members": [{"identity": "zed"}]}]},
			{"sid": "IS00000000000000000000000000000002", "friendly_name": "second" {{service}},
			 "roles": [{"sid": "RL00000000000000000000000000000001", "friendly_name": "mod", "type": "channel", "permissions": ["sendMessage"]}],
			 "users": [{"sid": "US00000000000000000000000000000001", "identity": "alice"} {{user}}],
			 "channels": [
				{"sid": "CH00000000000000000000000000000001", "unique_name": "general",
				 "members": [{"identity": "alice", "role_sid": "RL00000000000000000000000000000001"}, {"identity": "bob"} {{member}}],
				 "messages": [{"body": "one"}, {"body": "two"} {{message}}]}
				{{channel}}
			 ]}
		]}`
		type parts struct{ service, user, member, message, channel string }
		build := func(p parts) string {
			return strings.NewReplacer("{{service}}", p.service, "{{user}}", p.user, "{{member}}", p.member,
				"{{message}}", p.message, "{{channel}}", p.channel).Replace(base)
		}
		ctx := context.Background()
		t.Run("the base seed loads", func(t *testing.T) {
			seeded(t, e.seedStore(t), decodeSeed(t, build(parts{})))
		})
		const second = `service "IS00000000000000000000000000000002"`
		for _, c := range []struct {
			name  string
			p     parts
			wants []string // in the error, besides the Service
		}{
			{"a bad Service SID prefix", parts{service: `, "sid": "XX00000000000000000000000000000002"`}, []string{`service "XX00000000000000000000000000000002"`, "sid"}},
			{"a duplicate Service SID", parts{service: `, "sid": "IS00000000000000000000000000000001"`}, []string{`service "IS00000000000000000000000000000001"`}},
			{"a bad webhook method", parts{service: `, "webhook_method": "PUT"`}, []string{second, "settings", "50055"}},
			{"a bad User SID prefix", parts{user: `, {"sid": "CH00000000000000000000000000000009", "identity": "dan"}`}, []string{second, "user dan", "sid"}},
			{"a duplicate identity", parts{user: `, {"identity": "alice"}`}, []string{second, "user alice", "50201"}},
			{"a User's unknown role SID", parts{user: `, {"identity": "dan", "role_sid": "RL00000000000000000000000000000099"}`}, []string{second, "user dan", "50102"}},
			{"a User's invalid attributes JSON", parts{user: `, {"identity": "dan", "attributes": "{not json"}`}, []string{second, "user dan", "50304"}},
			{"a bad Channel SID prefix", parts{channel: `, {"sid": "IM00000000000000000000000000000009"}`}, []string{second, "channel IM00000000000000000000000000000009", "sid"}},
			{"a duplicate unique name", parts{channel: `, {"sid": "CH00000000000000000000000000000002", "unique_name": "general"}`}, []string{second, "channel CH00000000000000000000000000000002", "50307"}},
			{"a duplicate Channel SID", parts{channel: `, {"sid": "CH00000000000000000000000000000001"}`}, []string{second, "channel CH00000000000000000000000000000001"}},
			{"a Channel's invalid attributes JSON", parts{channel: `, {"unique_name": "bad", "attributes": "[1,"}`}, []string{second, "channel bad", "50304"}},
			{"a Member's unknown role SID", parts{member: `, {"identity": "carol", "role_sid": "RL00000000000000000000000000000099"}`}, []string{second, "channel CH00000000000000000000000000000001", "member carol", "50101"}},
			{"a Member's bad SID prefix", parts{member: `, {"sid": "US00000000000000000000000000000009", "identity": "carol"}`}, []string{second, "member carol", "sid"}},
			{"a duplicate Member", parts{member: `, {"identity": "bob"}`}, []string{second, "member bob", "50404"}},
			{"the member limit exceeded", parts{service: `, "limits": {"channel_members": 2}`, member: `, {"identity": "carol"}`}, []string{second, "member carol", "50403"}},
			{"a Member's invalid attributes JSON", parts{member: `, {"identity": "carol", "attributes": "nope"}`}, []string{second, "member carol", "50304"}},
			{"a Message's invalid attributes JSON", parts{message: `, {"body": "three", "attributes": "{\"a\":}"}`}, []string{second, "channel CH00000000000000000000000000000001", "message 2", "50304"}},
			{"a bad Message SID prefix", parts{message: `, {"sid": "MB00000000000000000000000000000009", "body": "three"}`}, []string{second, "message 2", "sid"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				bad := decodeSeed(t, build(c.p))
				st := e.seedStore(t)
				good := seeded(t, st, testdataSeed(t))
				change(t, good)
				before := dump(t, st)

				err := New(st, Options{Seed: bad}).Reset(ctx, "")
				if err == nil {
					t.Fatal("Reset with the bad seed succeeded")
				}
				t.Logf("Reset: %v", err)
				for _, want := range c.wants {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %s", err, want)
					}
				}
				diffState(t, "after the failed Reset", dump(t, st), before)

				t.Run("and SeedIfEmpty into an empty store fails and writes nothing", func(t *testing.T) {
					empty := e.seedStore(t)
					want := dump(t, empty)
					if err := New(empty, Options{Seed: bad}).SeedIfEmpty(ctx); err == nil {
						t.Error("SeedIfEmpty with the bad seed succeeded")
					}
					diffState(t, "after the failed SeedIfEmpty", dump(t, empty), want)
				})
			})
		}
	})
}

// TestSeedIfEmpty checks how the first start on a file fills it: the seed
// loads only into a store without Services.
func TestSeedIfEmpty(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		t.Run("an empty store gets the seed", func(t *testing.T) {
			st := e.seedStore(t)
			if err := New(st, Options{Seed: testdataSeed(t)}).SeedIfEmpty(ctx); err != nil {
				t.Fatal(err)
			}
			other := e.seedStore(t)
			seeded(t, other, testdataSeed(t))
			want := dump(t, other)
			diffState(t, "after SeedIfEmpty", dump(t, st), want)
		})
		t.Run("a store with a Service is left alone", func(t *testing.T) {
			st := e.seedStore(t)
			c := New(st, Options{Seed: testdataSeed(t)})
			if _, err := c.CreateService(ctx, model.ServiceCreate{FriendlyName: "mine"}); err != nil {
				t.Fatal(err)
			}
			before := dump(t, st)
			if err := c.SeedIfEmpty(ctx); err != nil {
				t.Fatal(err)
			}
			diffState(t, "after SeedIfEmpty", dump(t, st), before)
		})
		t.Run("a seeded store that changed is left alone", func(t *testing.T) {
			st := e.seedStore(t)
			c := seeded(t, st, testdataSeed(t))
			change(t, c)
			before := dump(t, st)
			if err := New(st, Options{Seed: testdataSeed(t)}).SeedIfEmpty(ctx); err != nil {
				t.Fatal(err)
			}
			diffState(t, "after SeedIfEmpty", dump(t, st), before)
		})
		t.Run("a store without Services gets the seed and keeps its Credentials and deliveries", func(t *testing.T) {
			st := e.seedStore(t)
			c := seeded(t, st, testdataSeed(t))
			change(t, c)
			for _, s := range read(t, st, func(tx model.Tx) ([]*model.Service, error) { return tx.Services(model.Window{}) }) {
				if err := c.DeleteService(ctx, s.Sid); err != nil {
					t.Fatal(err)
				}
			}
			before := dump(t, st)
			if err := New(st, Options{Seed: testdataSeed(t)}).SeedIfEmpty(ctx); err != nil {
				t.Fatal(err)
			}
			after := dump(t, st)
			for _, k := range []string{"credentials", "deliveries"} {
				if after[k] != before[k] {
					t.Errorf("SeedIfEmpty changed the %s:\n %s\nwas\n %s", k, after[k], before[k])
				}
			}
			if got, want := after["services"], js([]string{support, sandbox}); got != want {
				t.Errorf("Services after SeedIfEmpty = %s, want %s", got, want)
			}
		})
		t.Run("without a seed, an empty store stays empty", func(t *testing.T) {
			st := e.seedStore(t)
			want := dump(t, st)
			if err := New(st, Options{}).SeedIfEmpty(ctx); err != nil {
				t.Fatal(err)
			}
			diffState(t, "after SeedIfEmpty without a seed", dump(t, st), want)
		})
	})
}

// TestSeedIfEmptyRace starts several chatd nodes on one PostgreSQL
// database at once, each loading the seed into what it finds empty: the
// seed loads once, whether its SIDs are fixed (the losers would clash with
// the winner's) or fresh (they would add Services of their own), and no
// node fails.
func TestSeedIfEmptyRace(t *testing.T) {
	const nodes = 6
	seeds := map[string]func() *Seed{
		"fixed SIDs": func() *Seed { return testdataSeed(t) },
		"fresh SIDs": func() *Seed {
			return decodeSeed(t, `{"services": [{"friendly_name": "one", "channels": [{"unique_name": "general"}]}, {"friendly_name": "two"}]}`)
		},
	}
	for name, seed := range seeds {
		t.Run(name, func(t *testing.T) {
			dsn := pgtest.New(t)
			var wg sync.WaitGroup
			errs := make([]error, nodes)
			stores := make([]model.Store, nodes)
			for i := range nodes {
				st, err := postgres.Open(t.Context(), dsn, postgres.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				stores[i] = st
			}
			for i, st := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = New(st, Options{Seed: seed()}).SeedIfEmpty(t.Context())
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("node %d: SeedIfEmpty: %v", i, err)
				}
			}
			services := read(t, stores[0], func(tx model.Tx) ([]*model.Service, error) { return tx.Services(model.Window{}) })
			if len(services) != len(seed().Services) {
				t.Errorf("%d Services after %d nodes seeded at once, want the seed's %d", len(services), nodes, len(seed().Services))
			}
		})
	}
}
