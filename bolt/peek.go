package bolt

import (
	"sync"
	"unsafe"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// PeekMessages reads a window as Messages does, without copying or
// allocating: the strings of the Messages are the stored bytes, which stay
// mapped and unchanged until the read transaction ends, and the Messages
// themselves are recycled from one read transaction to the next (peeked).
// In a write transaction a stored value may move when the transaction
// writes, so there it is Messages.
func (t *tx) PeekMessages(service, channel string, w model.Window) ([]*model.Message, error) {
	if t.btx.Writable() {
		return t.Messages(service, channel, w)
	}
	messages, err := t.channelMessages(service, channel)
	if err != nil {
		return nil, err
	}
	after, err := parseIndexKey(w.After)
	if err != nil {
		return nil, err
	}
	p := peekedPool.Get().(*peeked)
	t.peeked = append(t.peeked, p)
	err = walk(messages, after, w, func(k, v []byte) error {
		m := p.next()
		if err := record.DecodeMessageIn(v, stored(v), m); err != nil {
			return err
		}
		m.ServiceSid, m.ChannelSid, m.Index = service, channel, int(decodeIndex(k))
		return nil
	})
	return p.refs, err
}

// stored is v, a value of a read transaction, as a string: the same bytes,
// not a copy, so it is valid only until the transaction ends.
func stored(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	return unsafe.String(&v[0], len(v))
}

// peekedMessages is how many Messages a peeked holds without allocating:
// a v2 page of the largest size (100) and the one after it that tells
// whether there is a next page. A longer read (a v1 page of up to 1000, a
// page reached by number without a token) takes the rest in chunks
// allocated for it.
const peekedMessages = 101

// peeked holds the Messages of one PeekMessages until its transaction ends.
type peeked struct {
	own   [peekedMessages]model.Message
	free  []model.Message // where the next Messages go: own, then chunks
	refs  []*model.Message
	inOwn int // how many of own are in use
}

var peekedPool = sync.Pool{New: func() any {
	p := &peeked{refs: make([]*model.Message, 0, peekedMessages)}
	p.free = p.own[:]
	return p
}}

// next is a Message to decode into, appended to refs.
func (p *peeked) next() *model.Message {
	if len(p.free) == 0 {
		p.free = make([]model.Message, messageChunk)
	}
	m := &p.free[0]
	p.free = p.free[1:]
	if p.inOwn < len(p.own) {
		p.inOwn++
	}
	p.refs = append(p.refs, m)
	return m
}

// release returns p to the pool once its transaction has ended. Its
// Messages are cleared first: their strings point into the file's mapping,
// which may be gone by the time they are reused.
func (p *peeked) release() {
	clear(p.own[:p.inOwn])
	if cap(p.refs) > 4*peekedMessages {
		p.refs = make([]*model.Message, 0, peekedMessages) // a long read by page number
	} else {
		clear(p.refs)
		p.refs = p.refs[:0]
	}
	p.free, p.inOwn = p.own[:], 0
	peekedPool.Put(p)
}

// releasePeeked releases what PeekMessages handed out in t, when t has
// ended.
func (t *tx) releasePeeked() {
	for _, p := range t.peeked {
		p.release()
	}
	t.peeked = nil
}
