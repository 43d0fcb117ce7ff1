package chat

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/chatd/chatd/model"
)

// Seed is chatd's fixture format (chatd --seed FILE): Services with their
// Roles, Users, Channels, Members and Messages, created through the same
// rules as the API. Give resources a "sid" to make them deterministic; one
// without gets a fresh SID at every load. The default Roles of a Service with
// a fixed SID have SIDs derived from it, and so does a User created for a
// Member's new identity. testdata/seed.json is an example.
type Seed struct {
	Services []SeedService `json:"services"`
}

// SeedService is one Service of a Seed. The settings are optional and
// default as for a Service created through the API.
type SeedService struct {
	Sid                   string        `json:"sid,omitempty"`
	FriendlyName          string        `json:"friendly_name"`
	ReachabilityEnabled   *bool         `json:"reachability_enabled,omitempty"`
	ReadStatusEnabled     *bool         `json:"read_status_enabled,omitempty"`
	PostWebhookURL        *string       `json:"post_webhook_url,omitempty"`
	WebhookMethod         *string       `json:"webhook_method,omitempty"`
	WebhookFilters        []string      `json:"webhook_filters,omitempty"`
	PostWebhookRetryCount *int          `json:"post_webhook_retry_count,omitempty"`
	Limits                *SeedLimits   `json:"limits,omitempty"`
	Roles                 []SeedRole    `json:"roles,omitempty"`
	Users                 []SeedUser    `json:"users,omitempty"`
	Channels              []SeedChannel `json:"channels,omitempty"`
}

// SeedLimits are a Service's member limits.
type SeedLimits struct {
	ChannelMembers *int `json:"channel_members,omitempty"`
	UserChannels   *int `json:"user_channels,omitempty"`
}

// SeedRole is a Role beyond the four defaults.
type SeedRole struct {
	Sid          string   `json:"sid,omitempty"`
	FriendlyName string   `json:"friendly_name"`
	Type         string   `json:"type"`
	Permissions  []string `json:"permissions"`
}

// SeedUser is a User.
type SeedUser struct {
	Sid          string  `json:"sid,omitempty"`
	Identity     string  `json:"identity"`
	FriendlyName *string `json:"friendly_name,omitempty"`
	Attributes   *string `json:"attributes,omitempty"`
	RoleSid      *string `json:"role_sid,omitempty"`
}

// SeedChannel is a Channel with its Members and Messages (in index order).
type SeedChannel struct {
	Sid          string        `json:"sid,omitempty"`
	UniqueName   *string       `json:"unique_name,omitempty"`
	FriendlyName *string       `json:"friendly_name,omitempty"`
	Type         *string       `json:"type,omitempty"`
	Attributes   *string       `json:"attributes,omitempty"`
	CreatedBy    *string       `json:"created_by,omitempty"`
	DateCreated  *time.Time    `json:"date_created,omitempty"`
	Members      []SeedMember  `json:"members,omitempty"`
	Messages     []SeedMessage `json:"messages,omitempty"`
}

// SeedMember is a Member; its identity becomes a User when it is new.
type SeedMember struct {
	Sid                      string  `json:"sid,omitempty"`
	Identity                 string  `json:"identity"`
	RoleSid                  *string `json:"role_sid,omitempty"`
	Attributes               *string `json:"attributes,omitempty"`
	LastConsumedMessageIndex *int    `json:"last_consumed_message_index,omitempty"`
}

// SeedMessage is a Message.
type SeedMessage struct {
	Sid         string     `json:"sid,omitempty"`
	From        *string    `json:"from,omitempty"`
	Body        string     `json:"body"`
	Attributes  *string    `json:"attributes,omitempty"`
	DateCreated *time.Time `json:"date_created,omitempty"`
}

// ReadSeed reads a seed file, refusing unknown fields so that a misspelt
// key is an error rather than a silent default.
func ReadSeed(path string) (*Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeSeed(f)
}

// DecodeSeed decodes a seed from r (see ReadSeed).
func DecodeSeed(r io.Reader) (*Seed, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return &s, nil
}

// Reset puts the store back to the seed, in one transaction. With service
// "" it removes every Service, Credential and webhook delivery and loads the
// whole seed; otherwise it removes that Service and loads the seed's Service
// with that SID, if any (404 when neither exists). Without a seed, a reset
// empties.
func (c *Chat) Reset(ctx context.Context, service string) error {
	var seed Seed
	if c.seed != nil {
		seed = *c.seed
	}
	return c.update(ctx, func(tx model.Tx) error {
		if service == "" {
			if err := tx.Wipe(); err != nil {
				return err
			}
			return c.seedAll(ctx, tx, seed)
		}
		err := tx.DeleteServiceTree(service)
		found := err == nil
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		for _, ss := range seed.Services {
			if ss.Sid == service {
				found = true
				if err := c.seedService(ctx, tx, ss); err != nil {
					return err
				}
			}
		}
		if !found {
			return model.Errorf(model.CodeNotFound, "The requested resource /Services/%s was not found", service)
		}
		return nil
	})
}

// SeedIfEmpty loads the seed into a store that holds no Service yet: how
// the first start on a new file fills it. A store with a Service is left
// alone, and what a store without one holds (Credentials, deliveries) is
// kept: only Reset wipes. Nodes that start together on a shared store
// seed it once: each first reads the setting settingSeeding, which holds
// the others off until its transaction ends, and the ones that follow find
// the Services of the first.
func (c *Chat) SeedIfEmpty(ctx context.Context) error {
	if c.seed == nil {
		return nil
	}
	return c.update(ctx, func(tx model.Tx) error {
		if _, err := tx.Setting(settingSeeding); err != nil {
			return err
		}
		existing, err := tx.Services(model.Window{Limit: 1})
		if err != nil || len(existing) > 0 {
			return err
		}
		return c.seedAll(ctx, tx, *c.seed)
	})
}

// settingSeeding is the setting SeedIfEmpty reads to take its turn; it is
// never written.
const settingSeeding = "seeding"

// seedAll creates every Service of seed.
func (c *Chat) seedAll(ctx context.Context, tx model.Tx, seed Seed) error {
	for _, ss := range seed.Services {
		if err := c.seedService(ctx, tx, ss); err != nil {
			return err
		}
	}
	return nil
}

// seedService creates one seeded Service with everything in it.
func (c *Chat) seedService(ctx context.Context, tx model.Tx, ss SeedService) error {
	fail := func(what string, err error) error {
		return fmt.Errorf("seed: service %q: %s: %w", cmp.Or(ss.Sid, ss.FriendlyName), what, err)
	}
	if err := fixedSid(model.PrefixService, ss.Sid); err != nil {
		return fail("sid", err)
	}
	in := model.ServiceCreate{FriendlyName: ss.FriendlyName}
	if err := in.Validate(); err != nil {
		return fail("friendly_name", err)
	}
	s, err := c.createService(tx, in, ss.Sid)
	if err != nil {
		return fail("create", err)
	}
	settings := model.ServiceUpdate{
		ReachabilityEnabled:   ss.ReachabilityEnabled,
		ReadStatusEnabled:     ss.ReadStatusEnabled,
		PostWebhookURL:        ss.PostWebhookURL,
		WebhookMethod:         ss.WebhookMethod,
		PostWebhookRetryCount: ss.PostWebhookRetryCount,
	}
	if ss.WebhookFilters != nil {
		settings.WebhookFilters = &ss.WebhookFilters
	}
	if l := ss.Limits; l != nil {
		settings.LimitsChannelMembers, settings.LimitsUserChannels = l.ChannelMembers, l.UserChannels
	}
	if err := settings.Validate(); err != nil {
		return fail("settings", err)
	}
	applyServiceUpdate(s, settings, s.DateCreated)
	if err := tx.PutService(s); err != nil {
		return fail("settings", err)
	}
	for _, r := range ss.Roles {
		in := model.RoleCreate{FriendlyName: r.FriendlyName, Type: r.Type, Permissions: r.Permissions}
		if err := firstErr(fixedSid(model.PrefixRole, r.Sid), in.Validate()); err != nil {
			return fail("role "+r.FriendlyName, err)
		}
		if _, err := c.createRole(tx, s.Sid, in, r.Sid); err != nil {
			return fail("role "+r.FriendlyName, err)
		}
	}
	for _, u := range ss.Users {
		in := model.UserCreate{Identity: u.Identity, FriendlyName: u.FriendlyName, Attributes: u.Attributes, RoleSid: u.RoleSid}
		if err := firstErr(fixedSid(model.PrefixUser, u.Sid), in.Validate()); err != nil {
			return fail("user "+u.Identity, err)
		}
		if _, err := c.createUser(ctx, tx, s, in, u.Sid); err != nil {
			return fail("user "+u.Identity, err)
		}
	}
	for _, sc := range ss.Channels {
		if err := c.seedChannel(ctx, tx, s, sc); err != nil {
			return fail("channel "+cmp.Or(sc.Sid, model.Deref(sc.UniqueName)), err)
		}
	}
	return nil
}

// seedChannel creates one seeded Channel with its Members and Messages.
func (c *Chat) seedChannel(ctx context.Context, tx model.Tx, s *model.Service, sc SeedChannel) error {
	in := model.ChannelCreate{
		FriendlyName: sc.FriendlyName, UniqueName: sc.UniqueName, Attributes: sc.Attributes,
		Type: sc.Type, CreatedBy: sc.CreatedBy, DateCreated: sc.DateCreated,
	}
	if err := firstErr(fixedSid(model.PrefixChannel, sc.Sid), in.Validate()); err != nil {
		return err
	}
	ch, err := c.createChannel(ctx, tx, s.Sid, in, sc.Sid)
	if err != nil {
		return err
	}
	for _, sm := range sc.Members {
		in := model.MemberCreate{
			Identity: sm.Identity, RoleSid: sm.RoleSid, Attributes: sm.Attributes,
			LastConsumedMessageIndex: sm.LastConsumedMessageIndex,
		}
		if err := firstErr(fixedSid(model.PrefixMember, sm.Sid), in.Validate()); err != nil {
			return fmt.Errorf("member %s: %w", sm.Identity, err)
		}
		if err := c.seedUserOf(ctx, tx, s, sm.Identity); err != nil {
			return fmt.Errorf("member %s: %w", sm.Identity, err)
		}
		// The Channel's counts move with every Member: read it afresh.
		if ch, err = tx.Channel(s.Sid, ch.Sid); err != nil {
			return err
		}
		if _, err := c.createMember(ctx, tx, s, ch, in, sm.Sid); err != nil {
			return fmt.Errorf("member %s: %w", sm.Identity, err)
		}
	}
	for i, sm := range sc.Messages {
		body := sm.Body
		in := model.MessageCreate{From: sm.From, Body: &body, Attributes: sm.Attributes, DateCreated: sm.DateCreated}
		if err := firstErr(fixedSid(model.PrefixMessage, sm.Sid), in.Validate()); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		if _, err := c.appendMessage(ctx, tx, ch.ServiceSid, ch.Sid, in, sm.Sid); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	return nil
}

// seedUserOf creates the User of a seeded Member's new identity, with a SID
// derived from the Service's and the identity, so that every reset of a
// Service with a fixed SID repeats it.
func (c *Chat) seedUserOf(ctx context.Context, tx model.Tx, s *model.Service, identity string) error {
	if _, err := tx.User(s.Sid, identity); !errors.Is(err, model.ErrNotFound) {
		return err
	}
	_, err := c.createUser(ctx, tx, s, model.UserCreate{Identity: identity}, derivedSid(model.PrefixUser, s.Sid+"/"+identity))
	return err
}

// fixedSid checks a SID a seed gives: none, or one with the right prefix.
func fixedSid(prefix, sid string) error {
	if sid != "" && !model.IsSID(prefix, sid) {
		return model.InvalidParam("sid", sid)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
