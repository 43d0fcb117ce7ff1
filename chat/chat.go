// Package chat holds Twilio's rules for the Programmable Chat resources,
// written once above the storage seam: validation that needs stored data,
// defaults, limits, cascades, paging tokens and the mapping of storage
// outcomes to Twilio error codes. It implements the model service
// interfaces over any model.Store.
package chat

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/chatd/chatd/model"
)

// Chat implements every model service interface over one Store.
type Chat struct {
	store      model.Store
	sids       sidGen
	accountSid string
	wake       func()
	seed       *Seed
	apiKey     struct{ sid, secret string }
	preEvents  PreEventSender
	syncURL    string
	syncKeep   int
	syncWake   func(service string)
	onCommit   func([]model.Change)
	syncReset  func(service string)
}

// Options configure Chat.
type Options struct {
	// AccountSid is the account every resource belongs to (the AccountSid
	// of webhook parameters).
	AccountSid string
	// Wake, when set, is called after a commit that changed the webhook
	// outbox (recorded deliveries, or wiped them), so that their sender
	// looks at it at once.
	Wake func()
	// Seed, when set, is the state Reset returns to.
	Seed *Seed
	// APIKeySid and APIKeySecret, when set, are the configured API key
	// (--api-key-sid): it signs and verifies access tokens alongside the
	// keys stored in the file.
	APIKeySid    string
	APIKeySecret string
	// PreEvents, when set, makes the pre-event webhook calls of
	// first-person actions; without it none are made.
	PreEvents PreEventSender

	// SyncURL is the scheme and host of the item URLs in Sync events. The
	// SDK keeps them but never fetches them (chat's Sync objects are read
	// through the URLs the Sync API answers with), so an event without one
	// (SyncURL "") carries the item's path alone.
	SyncURL string
	// SyncRetention is how many of its newest events each Sync object's
	// log keeps for clients that resubscribe: DefaultSyncRetention when 0.
	SyncRetention int
	// SyncWake, when set, is called after a commit that appended Sync
	// events to the log of service, so that its subscribers are sent them
	// at once.
	SyncWake func(service string)

	// OnCommit, when set, is told after each commit what it changed of
	// Services, Users, Channels, Members, Messages and Invites, in the
	// order the write made the changes, once the data is durable. It runs
	// on the writer's goroutine: it must return quickly (a broker that
	// signals its subscribers, say).
	OnCommit func([]model.Change)
	// SyncReset, when set, is called after a commit that removed the Sync
	// log of service (a deleted or reset Service; "" after a reset of all
	// of them): what its clients hold of it tells of objects that are gone
	// or were made anew, which no event says.
	SyncReset func(service string)
}

// DefaultSyncRetention is how many events each Sync object keeps by
// default: a client that resubscribes after missing more is told that its
// replay is incomplete.
const DefaultSyncRetention = 1000

var (
	_ model.ServiceService     = (*Chat)(nil)
	_ model.RoleService        = (*Chat)(nil)
	_ model.UserService        = (*Chat)(nil)
	_ model.ChannelService     = (*Chat)(nil)
	_ model.MemberService      = (*Chat)(nil)
	_ model.MessageService     = (*Chat)(nil)
	_ model.InviteService      = (*Chat)(nil)
	_ model.UserChannelService = (*Chat)(nil)

	_ model.CredentialService     = (*Chat)(nil)
	_ model.BindingService        = (*Chat)(nil)
	_ model.ChannelWebhookService = (*Chat)(nil)
	_ model.MediaService          = (*Chat)(nil)
	_ model.DeliveryService       = (*Chat)(nil)
	_ model.APIKeyService         = (*Chat)(nil)
	_ model.TokenService          = (*Chat)(nil)
	_ model.FirstPersonService    = (*Chat)(nil)
)

// New returns the Chat rules over store.
func New(store model.Store, opts Options) *Chat {
	c := &Chat{
		store:      store,
		sids:       sidGen{entropy: ulid.Monotonic(crand.Reader, 0)},
		accountSid: opts.AccountSid,
		wake:       opts.Wake,
		seed:       opts.Seed,
		preEvents:  opts.PreEvents,
		syncURL:    strings.TrimRight(opts.SyncURL, "/"),
		syncKeep:   cmp.Or(opts.SyncRetention, DefaultSyncRetention),
		syncWake:   opts.SyncWake,
		onCommit:   opts.OnCommit,
		syncReset:  opts.SyncReset,
	}
	c.apiKey.sid, c.apiKey.secret = opts.APIKeySid, opts.APIKeySecret
	return c
}

// sidGen mints SIDs: the two-letter prefix and the 32 hex digits of a ULID.
// The monotonic entropy makes SIDs minted in the same millisecond still sort
// in minting order, and the store's single writer mints them in commit
// order, so SID order is creation order.
type sidGen struct {
	mu      sync.Mutex
	entropy *ulid.MonotonicEntropy
}

func (g *sidGen) new(prefix string, t time.Time) string {
	g.mu.Lock()
	id, err := ulid.New(ulid.Timestamp(t), g.entropy)
	g.mu.Unlock()
	if err != nil {
		// Only after 2^80 SIDs in one millisecond: start a fresh sequence.
		id = ulid.MustNew(ulid.Timestamp(t), crand.Reader)
	}
	// One allocation: the SID is written in place, then copied once.
	var b [8 + 2*len(id)]byte
	if len(prefix) > 8 {
		return prefix + hex.EncodeToString(id[:])
	}
	n := copy(b[:], prefix)
	hex.Encode(b[n:], id[:])
	return string(b[:n+2*len(id)])
}

// update runs fn in a write transaction: every write of chat goes through
// it. The Sync projection (sync_project.go) sees every write of fn and
// appends the events of its changes before the transaction commits. When
// the committed attempt of fn changed the webhook outbox or Sync logs,
// their senders are woken after the commit, when what they send is
// durable; a Service whose log went is reported before the Services whose
// logs grew. What it changed of the data is told to OnCommit then too.
func (c *Chat) update(ctx context.Context, fn func(model.Tx) error) error {
	var done *writeTx
	var synced, reset []string
	err := c.store.Update(ctx, func(tx model.Tx) error {
		p := newProjectTx(tx)
		done = &writeTx{Tx: p} // fn may run again: the last run counts
		err := fn(done)
		synced = nil
		if err == nil {
			synced, err = p.flush(c)
		}
		reset = p.reset
		return err
	})
	if err != nil {
		return err
	}
	if done.outboxChanged && c.wake != nil {
		c.wake()
	}
	if c.syncReset != nil {
		for _, service := range reset {
			c.syncReset(service)
		}
	}
	if c.syncWake != nil {
		for _, service := range synced {
			c.syncWake(service)
		}
	}
	if len(done.changes) > 0 && c.onCommit != nil {
		c.onCommit(done.changes)
	}
	return nil
}

// writeTx is the Tx of update: it notes whether fn changed the outbox,
// and the changes OnCommit hears of (change.go).
type writeTx struct {
	model.Tx
	outboxChanged bool
	changes       []model.Change
}

func (t *writeTx) EnqueueDelivery(d *model.Delivery) error {
	t.outboxChanged = true
	return t.Tx.EnqueueDelivery(d)
}

// inPath maps the store's ErrNotFound for a resource named in the request
// path to Twilio's 20404.
func inPath(err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return model.NotFound()
	}
	return err
}

// orDefault returns *p, or def when p is nil.
func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// set copies *v into *dst when v is present.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// unique returns vs without repeats, in first-seen order.
func unique(vs []string) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// nilIfEmpty turns an empty optional string into nil: Twilio stores a
// cleared friendly or unique name as null.
func nilIfEmpty(p *string) *string {
	if p == nil || *p == "" {
		return nil
	}
	return p
}

// orMint returns sid, or a new one from mint when sid is "": how a seed
// gives resources fixed SIDs through the same code that creates them.
func orMint(sid string, mint func() string) string {
	if sid != "" {
		return sid
	}
	return mint()
}

// derivedSid is a SID fixed by name: the prefix and the first 32 hex digits
// of name's SHA-256. Seeds use it for what they cannot name themselves (the
// default Roles of a Service with a fixed SID).
func derivedSid(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + hex.EncodeToString(sum[:16])
}
