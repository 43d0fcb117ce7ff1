package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/chatd/chatd/model"
)

// tx implements model.Tx over one PostgreSQL transaction.
//
// The rules above the seam read a record and then write, trusting that
// nothing changes it meanwhile (bolt has one writer at a time). Under READ
// COMMITTED that takes locks, or checks:
//   - In an Update, a read of one record locks its row (FOR NO KEY UPDATE)
//     until the commit, so that a rule's read, check and write run as if
//     alone; a read of a Channel's Members, Invites, Messages or webhooks
//     locks the Channel first, so that a rule's count of them (a limit)
//     holds until it inserts.
//   - Services and Channels, which every send reads, are not locked when
//     read: the transaction notes the row's version (xmin) and, for a
//     Channel, its member count, and a write that depends on them
//     (PutService, PutChannel, InsertMember) goes through only if no other
//     transaction changed them since; otherwise the Update runs again. A
//     send's append then locks its Channel only from the append to the
//     commit.
type tx struct {
	ctx context.Context
	db  *txConn
	now time.Time
	// writable is set in an Update; a View locks nothing.
	writable bool
	// readOnly is set in a Read, whose statements run without a
	// transaction: a write is refused before it reaches the database.
	readOnly bool
	// services holds, by SID, the row version (xmin) of each Service this
	// Update read, which PutService checks.
	services map[string]string
	// channels holds what this Update read of each Channel it has not
	// written since: what PutChannel and InsertMember check.
	channels map[channelKey]channelSeen
	// hints is what the other nodes are told of the transaction once it
	// commits (hints.go).
	hints hintSet
	// retry is set when the database refused a statement in a way that
	// another attempt of the whole transaction may get past (a deadlock, a
	// serialization failure, a Service changed meanwhile), whatever fn
	// then makes of the error.
	retry bool
	// group is the transaction an Update shares with its group; nil in a
	// View.
	group *groupTx
	// last is set on the Update that runs last in its group.
	last bool
	// appendRound is, in a wave, the round of the fn's first append.
	appendRound int
	// lockWaited is set when a statement waited for a row lock longer than
	// the group's lockTimeout.
	lockWaited bool
	// appended is the Channel of the Message appended by the last write
	// of this Update, as the append left it: a read of it needs no
	// statement. Every other write forgets it.
	appended *appendedChannel
	// present holds the Services this Update found: reserving Sync event
	// IDs of one needs no look-up.
	present map[string]bool
	// syncLogs is what the transaction found of the flags of the Services'
	// Sync logs (sync_log.go); an Update holds the rows' locks.
	syncLogs map[string]bool
	// peeked is what PeekMessages handed out in a View or a Read, released
	// when it ends.
	peeked []*peeked
}

// found notes that service exists, as a read of it or of a record under it
// showed.
func (t *tx) found(service string) {
	if !t.writable {
		return
	}
	if t.present == nil {
		t.present = map[string]bool{}
	}
	t.present[service] = true
}

// channelKey names a Channel.
type channelKey struct{ service, sid string }

// channelSeen is what an Update read of a Channel.
type channelSeen struct {
	version string // the row's xmin
	members int
}

// sawChannel notes what an Update read of c (version: the row's xmin),
// unless it read c before.
func (t *tx) sawChannel(c *model.Channel, version string) {
	if !t.writable {
		return
	}
	if t.channels == nil {
		t.channels = map[channelKey]channelSeen{}
	}
	key := channelKey{c.ServiceSid, c.Sid}
	if _, seen := t.channels[key]; !seen {
		t.channels[key] = channelSeen{version, c.MembersCount}
	}
}

// wroteChannel forgets what the Update read of a Channel it wrote: from the
// write on, the Channel's row is locked by this transaction.
func (t *tx) wroteChannel(service, sid string) { delete(t.channels, channelKey{service, sid}) }

// errChanged refuses a write that depends on a Service or Channel that
// another transaction changed since this one read it; the Update runs
// again.
var errChanged = errors.New("postgres: a record changed since this transaction read it")

// changed marks the attempt for a retry and returns errChanged.
func (t *tx) changed() error {
	t.retry = true
	return errChanged
}

// lock is the locking clause of a read of one record: FOR NO KEY UPDATE in
// an Update, nothing in a View.
func (t *tx) lock() string {
	if t.writable {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// errReadOnly refuses a write in a Read.
var errReadOnly = errors.New("postgres: a write in a read without a transaction")

var _ model.Tx = (*tx)(nil)

func (t *tx) Now() time.Time { return t.now }
