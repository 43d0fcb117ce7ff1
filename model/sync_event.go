package model

import "time"

// SyncEvent is one entry of a Service's Sync event log: one change of one
// Sync object, kept as the payload of the notification that tells a client
// of it, {"event_type": …, "event": {…}}, so that live delivery and replay
// send the stored bytes as they are.
//
// IDs are the Service's: every event of a Service has an ID above every
// event committed before it, in whichever object, and an ID is never given
// twice, not even after the Service is deleted or the store wiped. So the
// events of one object have increasing (not consecutive) IDs, as the Sync
// protocol requires; the Service's events form one feed that a fan-out,
// and every node of a multi-node chatd, tails by ID; and a client that
// kept an ID from before a reset can never mistake a new event for one it
// has seen.
type SyncEvent struct {
	ServiceSid string
	ObjectSid  string
	ID         uint64
	Date       time.Time
	Payload    []byte
	// Render, for a draft appended without an ID (Tx.AppendSyncEvents),
	// makes its Payload once the store gave it its ID. It is not stored.
	Render func(id uint64) ([]byte, error) `json:"-"`
}

// SyncObjectLog is what a Service's Sync event log records of one object.
type SyncObjectLog struct {
	ServiceSid string
	ObjectSid  string
	// LastEventID is the ID of the object's newest event.
	LastEventID uint64
	// Trimmed is the ID of the newest event the log no longer keeps (0 when
	// it has dropped none): the log holds every event of the object after
	// it, so a client that has seen events up to an ID below Trimmed cannot
	// be replayed all it missed.
	Trimmed uint64
	// Events is how many events the log keeps.
	Events int
	// DateUpdated is the date of the newest event.
	DateUpdated time.Time
}
