package postgres

import (
	"sync"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/model"
)

// PeekMessages reads a window as Messages does, into memory recycled from
// one read to the next: the rows' records are copied end to end into one
// buffer, which the Messages' strings are cut from and which is not written
// again until the read ends; then the buffer and the Messages go back to a
// pool (peeked). In an Update, whose transaction ends with its group's
// (group.go) rather than in attempt, it is Messages.
func (t *tx) PeekMessages(service, channel string, w model.Window) ([]*model.Message, error) {
	if t.writable {
		return t.Messages(service, channel, w)
	}
	after, err := numberAfter(w, "message")
	if err != nil {
		return nil, err
	}
	p := peekedPool.Get().(*peeked)
	t.peeked = append(t.peeked, p)
	err = t.window(messagesKeyset, w, after, []any{service, channel}, func(rows pgx.Rows) error {
		index, v, err := messageRow(rows)
		if err != nil {
			return err
		}
		p.add(index, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p.decode(service, channel)
}

// peekedMessages is how many Messages a peeked keeps from one read to the
// next: a v2 page of the largest size (100) and the one after it that
// tells whether there is a next page. A longer read (a v1 page of up to
// 1000) allocates its own.
const peekedMessages = 101

// peekedBytes bounds the buffer a peeked keeps from one read to the next.
const peekedBytes = 256 << 10

// peeked holds what one PeekMessages handed out until its read ends.
type peeked struct {
	all     []model.Message
	refs    []*model.Message
	buf     []byte // the records, end to end
	ends    []int  // where each record ends in buf
	indexes []int
}

var peekedPool = sync.Pool{New: func() any {
	return &peeked{all: make([]model.Message, peekedMessages), refs: make([]*model.Message, 0, peekedMessages)}
}}

// add copies the record of the row with index.
func (p *peeked) add(index int, v []byte) {
	p.buf = append(p.buf, v...)
	p.ends = append(p.ends, len(p.buf))
	p.indexes = append(p.indexes, index)
}

// decode decodes the records gathered into the Messages handed out.
func (p *peeked) decode(service, channel string) ([]*model.Message, error) {
	n := len(p.ends)
	if n > len(p.all) {
		p.all = make([]model.Message, n)
	}
	for i := range n {
		m := &p.all[i]
		m.Index = p.indexes[i]
		p.refs = append(p.refs, m)
	}
	shared := ""
	if len(p.buf) > 0 {
		// buf is not written again before the read ends: the strings may
		// share it.
		shared = unsafe.String(&p.buf[0], len(p.buf))
	}
	return p.refs, decodeEach(p.ends, p.refs, service, channel, p.buf, shared)
}

// release returns p to the pool once its read has ended, its Messages
// cleared (their strings point into buf, which the next read overwrites).
func (p *peeked) release() {
	if len(p.all) > peekedMessages {
		p.all = make([]model.Message, peekedMessages) // a long read
	} else {
		clear(p.all[:len(p.refs)])
	}
	if cap(p.refs) > peekedMessages {
		p.refs = make([]*model.Message, 0, peekedMessages)
	} else {
		clear(p.refs)
		p.refs = p.refs[:0]
	}
	if cap(p.buf) > peekedBytes {
		p.buf = nil
	}
	p.buf, p.ends, p.indexes = p.buf[:0], p.ends[:0], p.indexes[:0]
	peekedPool.Put(p)
}

// releasePeeked releases what PeekMessages handed out in t, once t has
// ended.
func (t *tx) releasePeeked() {
	for _, p := range t.peeked {
		p.release()
	}
	t.peeked = nil
}
