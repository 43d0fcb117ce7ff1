package model

import (
	"context"
	"strings"
	"time"
)

// Mutation is the record of a first-person change made under a client's
// X-Twilio-Mutation-Id: a repeat of the id by the same identity in the same
// Service is answered with what the first one touched instead of being
// made again.
type Mutation struct {
	ServiceSid string
	Identity   string
	ID         string
	// Ref names what the change made or changed (see Ref); a Store keeps it
	// as an opaque string.
	Ref         string
	DateCreated time.Time
}

// MutationsKept is how many mutation records a Service keeps: its newest.
// A client repeats a change within moments, so that is many times enough.
const MutationsKept = 10000

// Kinds of Ref: what a first-person change can touch.
const (
	RefChannel      = "channel"       // Sid: the CH SID
	RefMember       = "member"        // Channel, Sid: MB SID
	RefMessage      = "message"       // Channel, Sid: IM SID
	RefInvite       = "invite"        // Channel, Sid: IN SID
	RefUser         = "user"          // Sid: the identity
	RefUserChannel  = "user_channel"  // Channel: the CH SID, of the acting User
	RefUserChannels = "user_channels" // the acting User's channel list
)

// Ref names a resource of the acting User's Service, in terms of the Chat
// rules rather than of any front door's URLs: each front door turns a Ref
// into its own URL. A change that deletes something names where the deleted
// thing was (its Channel, or the User's channel list), which still exists.
type Ref struct {
	Kind    string
	Channel string
	Sid     string
}

// String encodes r for a Mutation record.
func (r Ref) String() string { return r.Kind + "/" + r.Channel + "/" + r.Sid }

// ParseRef decodes a Ref written by String. An identity may hold "/", so
// the Sid is everything after the second one.
func ParseRef(s string) Ref {
	var r Ref
	r.Kind, s, _ = strings.Cut(s, "/")
	r.Channel, r.Sid, _ = strings.Cut(s, "/")
	return r
}

// RepeatedMutation is the outcome of a first-person change whose mutation
// id the identity used before: nothing was done again, and Ref is what the
// first change touched.
type RepeatedMutation struct{ Ref Ref }

func (e *RepeatedMutation) Error() string { return "chatd: mutation already made: " + e.Ref.String() }

// mutationKey marks a request context with the client's mutation id.
type mutationKey struct{}

// WithMutationID records on ctx the X-Twilio-Mutation-Id of a first-person
// request ("" when it sent none).
func WithMutationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, mutationKey{}, id)
}

// MutationID is the mutation id ctx carries, "" when none.
func MutationID(ctx context.Context) string {
	id, _ := ctx.Value(mutationKey{}).(string)
	return id
}
