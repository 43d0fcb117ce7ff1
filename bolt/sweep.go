package bolt

import (
	"encoding/binary"
	"fmt"
)

// The sweep drops the events that objects no longer keep. Dropping an
// object's oldest event as soon as it falls out would delete, in every
// commit, on pages far from the end of the events bucket (one per object
// touched); the sweep instead walks the bucket from its oldest end once the
// events no longer kept (garbage) outnumber a quarter of those kept, down to
// an eighth, and deletes them in ID order, so that each commit deletes on a
// few adjacent pages. A log that keeps fewer than four events holds no
// garbage past its commit. An event still kept when the sweep passes it
// stays behind, and is deleted on a later round: when the sweep reaches the
// newest event it starts again from the oldest.

// sweepSlack is how many events a sweep may look at beyond twice the
// events its commit appended.
const sweepSlack = 64

// syncState is what the sweep keeps of a Service's log: the ID it goes on
// from, the events stored and how many of them their objects keep.
type syncState struct {
	next, stored, live uint64
}

// syncStateSize is the size of the state: its fields in the order above,
// 8 bytes each, big-endian.
const syncStateSize = 24

func (s syncState) encode() []byte {
	b := make([]byte, 0, syncStateSize)
	b = binary.BigEndian.AppendUint64(b, s.next)
	b = binary.BigEndian.AppendUint64(b, s.stored)
	return binary.BigEndian.AppendUint64(b, s.live)
}

// decodeSyncState reads a stored state; a log without one has none yet.
func decodeSyncState(v []byte) (syncState, error) {
	if v == nil {
		return syncState{}, nil
	}
	if len(v) != syncStateSize {
		return syncState{}, fmt.Errorf("malformed sweep state (%d bytes)", len(v))
	}
	return syncState{binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:]), binary.BigEndian.Uint64(v[16:])}, nil
}

// garbage is how many stored events their objects no longer keep.
func (s syncState) garbage() uint64 {
	if s.stored < s.live {
		return 0
	}
	return s.stored - s.live
}

// sweep looks at up to budget events from where the last sweep stopped,
// while there is too much garbage, and deletes those no longer kept.
func (s *syncTree) sweep(budget int) error {
	if s.state.garbage() <= s.state.live/4 {
		return nil
	}
	type doomed struct {
		id     uint64
		object string
	}
	var drop []doomed
	garbage := s.state.garbage()
	c := s.events.Cursor()
	k, v := c.Seek(syncIDKey(s.state.next))
	for ; k != nil && budget > 0 && garbage > s.state.live/8; k, v = c.Next() {
		budget--
		id := binary.BigEndian.Uint64(k)
		e, err := decodeSyncEvent(id, v)
		if err != nil {
			return err
		}
		o, err := s.object(e.object)
		if err != nil {
			return err
		}
		if o != nil && id > o.trimmed && (o.keep == 0 || o.appended-e.ordinal < o.keep) {
			continue // kept
		}
		drop = append(drop, doomed{id, e.object})
		garbage--
		if o == nil || id <= o.trimmed {
			continue // an event the sweep passed while it was kept
		}
		// Every event of the object after this one is stored: the
		// sweep deletes an object's events oldest first, and trim
		// leaves none after the newest it drops.
		o.trimmed, o.events = id, o.appended-e.ordinal
		s.dirty[e.object] = true
	}
	if k == nil {
		s.state.next = 0
	} else {
		s.state.next = binary.BigEndian.Uint64(k)
	}
	for _, d := range drop {
		if err := s.events.Delete(syncIDKey(d.id)); err != nil {
			return err
		}
		s.state.stored--
	}
	return nil
}
