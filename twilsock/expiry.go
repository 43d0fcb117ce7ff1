package twilsock

import (
	"net/http"
	"sync"
	"time"

	"github.com/chatd/chatd/model"
)

// expiry holds the two timers of a connection's token: the warning
// (client_update token_about_to_expire), then the close with 410. An
// update replaces both; gen tells a timer that fired too late to be
// stopped that it belongs to a replaced token. warned records that the
// warning went out, so that it goes out once, and always before the close.
type expiry struct {
	warn, expire *time.Timer
	gen          int
	warned       bool
	// warning is held while the warning is decided and queued (without
	// c.mu, which a full queue takes), so that the close waits for it.
	warning sync.Mutex
}

func (e *expiry) stop() {
	if e.warn != nil {
		e.warn.Stop()
		e.expire.Stop()
	}
	e.gen++
	e.warned = false
}

// scheduleExpiry sets the timers for a token that expires at exp; c.mu is
// held. The warning comes ExpiryWarning before exp, or a tenth of the time
// left when that is shorter, so that a short-lived token is warned about
// too.
func (c *Conn) scheduleExpiry(exp time.Time) {
	c.expiry.stop()
	if exp.IsZero() {
		return
	}
	left := exp.Sub(c.srv.opts.Now())
	warn := min(c.srv.opts.ExpiryWarning, left/10)
	gen := c.expiry.gen
	c.expiry.warn = time.AfterFunc(left-warn, func() { c.warnExpiry(gen) })
	c.expiry.expire = time.AfterFunc(left, func() { c.expire(gen) })
}

// warnExpiry tells the client its token is about to expire: the SDK emits
// tokenAboutToExpire, and the app fetches a new token and sends an update.
func (c *Conn) warnExpiry(gen int) {
	c.expiry.warning.Lock()
	defer c.expiry.warning.Unlock()
	c.mu.Lock()
	due := gen == c.expiry.gen && c.state == open && !c.expiry.warned
	c.expiry.warned = c.expiry.warned || due
	c.mu.Unlock()
	if due {
		c.send(&Frame{Header: Header{Method: MethodClientUpdate, ID: c.srv.nextID(), ClientUpdateType: "token_about_to_expire"}})
	}
}

// expire closes the connection with 410 when its token runs out, after the
// warning if its timer has not sent it yet. During an update it waits for
// the outcome instead: a refused update closes the connection then (see
// update).
func (c *Conn) expire(gen int) {
	c.warnExpiry(gen)
	c.mu.Lock()
	current := gen == c.expiry.gen && c.state == open
	c.mu.Unlock()
	if current {
		c.closeWith(tokenExpired())
	}
}

// tokenExpired is the close status of a connection whose token expired:
// the SDK emits tokenExpired.
func tokenExpired() *Status {
	e := model.E(model.CodeAccessTokenExpired)
	return &Status{Code: StatusTokenExpired, Status: http.StatusText(StatusTokenExpired), Description: e.Message, ErrorCode: int(e.Code)}
}
