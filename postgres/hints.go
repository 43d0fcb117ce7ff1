package postgres

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
)

// Several chatd nodes share one database (model.SharedStore): a commit on
// one node that appended Sync events, enqueued webhook deliveries or
// removed a Service's Sync log is told to the others as a hint, over
// PostgreSQL's LISTEN/NOTIFY. The hint is never sent in the transaction it
// tells of: a transaction that notifies takes a lock of the whole database
// at its commit, which would put every write in one line. The committing
// writer only leaves the hint with the node's notifier (notifier.go),
// which sends what has gathered in a transaction of its own; each node
// listens on one connection (node.go).

// hintSet is what one or more commits have to tell the other nodes.
type hintSet struct {
	sync   map[string]bool // Services whose Sync logs grew
	reset  map[string]bool // Services whose Sync logs went; "" for all
	outbox bool            // webhook deliveries were enqueued
}

func (h *hintSet) addSync(service string) {
	if h.sync == nil {
		h.sync = map[string]bool{}
	}
	h.sync[service] = true
}

func (h *hintSet) addReset(service string) {
	if h.reset == nil {
		h.reset = map[string]bool{}
	}
	h.reset[service] = true
}

func (h *hintSet) empty() bool { return len(h.sync) == 0 && len(h.reset) == 0 && !h.outbox }

// merge adds what o tells to h.
func (h *hintSet) merge(o *hintSet) {
	for s := range o.sync {
		h.addSync(s)
	}
	for s := range o.reset {
		h.addReset(s)
	}
	h.outbox = h.outbox || o.outbox
}

// A hint's payload is the sending node's ID and then words separated by
// spaces: "o" for the outbox, "s:" and "r:" followed by a Service SID for a
// Sync log that grew or went ("r:" alone: every log went). SIDs hold no
// spaces. Payloads stay under maxPayload bytes (PostgreSQL takes fewer
// than 8000): a long set goes in several.
const maxPayload = 7000

// payloads encodes h, as sent by node.
func (h *hintSet) payloads(node string) []string {
	var words []string
	if h.outbox {
		words = append(words, "o")
	}
	for _, s := range slices.Sorted(maps.Keys(h.reset)) {
		words = append(words, "r:"+s)
	}
	for _, s := range slices.Sorted(maps.Keys(h.sync)) {
		words = append(words, "s:"+s)
	}
	var out []string
	var b strings.Builder
	for _, w := range words {
		if b.Len() > 0 && b.Len()+1+len(w) > maxPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(node)
		}
		b.WriteString(" ")
		b.WriteString(w)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// parseHints decodes a payload: the node that sent it and what it tells.
// Words it does not know are skipped.
func parseHints(payload string) (node string, h hintSet) {
	words := strings.Fields(payload)
	if len(words) == 0 {
		return "", h
	}
	for _, w := range words[1:] {
		switch {
		case w == "o":
			h.outbox = true
		case strings.HasPrefix(w, "s:") && len(w) > 2:
			h.addSync(w[2:])
		case strings.HasPrefix(w, "r:"):
			h.addReset(w[2:])
		}
	}
	return words[0], h
}

// hintChannel is the name of the channel the nodes of the chatd database in
// schema notify on: one per schema, as a notification reaches every
// listener of the database. Names longer than PostgreSQL's 63 bytes are
// hashed.
func hintChannel(schema string) string {
	name := "chatd " + schema
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(schema))
		name = "chatd " + hex.EncodeToString(sum[:20])
	}
	return name
}
