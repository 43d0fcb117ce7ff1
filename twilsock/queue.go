package twilsock

import (
	"errors"
	"sync"
)

// ErrClosed is the error of a send on a connection that is closing.
var ErrClosed = errors.New("twilsock: connection closed")

// errQueueFull is the refusal of a frame by a full send queue.
var errQueueFull = errors.New("twilsock: send queue full")

// sendQueue holds the encoded frames waiting for a connection's writer, at
// most limit of them, in order. A nil frame asks the writer to close the
// socket once the frames before it are sent. A close requested with
// closeWith goes before everything queued.
type sendQueue struct {
	mu      sync.Mutex
	frames  [][]byte
	spare   [][]byte // the slice the writer handed back, reused
	limit   int
	closing bool
	status  *Status // the close frame to send, when closing; nil for none

	ready chan struct{} // holds a token while frames or a close wait
	room  chan struct{} // closed, and replaced, whenever the writer takes frames
}

func newSendQueue(limit int) *sendQueue {
	return &sendQueue{limit: limit, ready: make(chan struct{}, 1), room: make(chan struct{})}
}

// push queues b unless that would leave fewer than keep free places.
// When it does not fit, push returns errQueueFull and a channel closed
// when the writer next makes room.
func (q *sendQueue) push(b []byte, keep int) (<-chan struct{}, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closing:
		return nil, ErrClosed
	case len(q.frames) >= q.limit-keep:
		return q.room, errQueueFull
	}
	q.frames = append(q.frames, b)
	q.signal()
	return nil, nil
}

// close asks the writer to send st (none when nil) before anything queued,
// and then to close the socket. It reports whether it was the first close.
func (q *sendQueue) close(st *Status) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing {
		return false
	}
	q.closing, q.status = true, st
	q.signal()
	return true
}

// take hands the writer what waits: the queued frames, or the close to
// send when one was asked for.
func (q *sendQueue) take() (frames [][]byte, closing bool, st *Status) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing {
		return nil, true, q.status
	}
	frames, q.frames, q.spare = q.frames, q.spare[:0], nil
	close(q.room)
	q.room = make(chan struct{})
	return frames, false, nil
}

// done gives back the slice take returned, once its frames are sent.
func (q *sendQueue) done(frames [][]byte) {
	clear(frames)
	q.mu.Lock()
	q.spare = frames[:0]
	q.mu.Unlock()
}

// closeRequested reports whether a close was asked for since the last take.
func (q *sendQueue) closeRequested() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closing
}

func (q *sendQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}
