package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatd/chatd/model"
)

// keepAlive is how often a quiet live stream sends a comment, so that a
// page that went away is noticed and a proxy keeps the stream open.
const keepAlive = 20 * time.Second

// errRecreated: the Channel a live stream follows was made again under
// its SID (a reset to the seed), or lost the messages the page shows: what
// the page shows is no longer the Channel's.
var errRecreated = errors.New("the channel was created again")

// liveMessages streams a Channel's new messages to its page as
// server-sent events: each message after the newest one the page shows
// (the query's after, or the Last-Event-ID of a reconnecting EventSource)
// is an event "message" whose id is its index and whose data is its row
// of the page's list, oldest first. The stream reads the store when the
// Watcher signals a commit to the Channel (or every Poll without one),
// so it sends every message, in order, however signals merge. When the
// Channel goes, or is made again by a reset, it sends "reload" and ends;
// it ends too when the page goes or the console closes.
func (c *Console) liveMessages(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	service := r.PathValue("service")
	ch, err := c.api.FindChannel(ctx, service, r.PathValue("channel"))
	if err != nil {
		return err
	}
	after := -1
	from := r.Header.Get("Last-Event-ID")
	if from == "" {
		from = r.URL.Query().Get("after")
	}
	if from != "" {
		if after, err = strconv.Atoi(from); err != nil || after < -1 {
			return model.InvalidParam("after", from)
		}
	}
	// The watch starts before the first read, so that no commit falls
	// between the two.
	var signal <-chan struct{}
	var poll <-chan time.Time
	if c.cfg.Watcher != nil {
		s, stop := c.cfg.Watcher.Watch(func(x model.Change) bool {
			return x.Op == model.ChangeWiped || x.ChannelSid == ch.Sid ||
				(x.Kind == model.ChangeService && x.ServiceSid == ch.ServiceSid)
		})
		defer stop()
		signal = s
	} else {
		t := time.NewTicker(c.cfg.Poll)
		defer t.Stop()
		poll = t.C
	}
	ping := time.NewTicker(keepAlive)
	defer ping.Stop()

	// The stream outlasts the server's write timeout.
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	buf := bytes.NewBufferString("retry: 1000\n\n")
	for {
		after, err = c.newMessages(ctx, buf, ch, after)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !errors.Is(err, errRecreated) && !model.IsCode(err, model.CodeNotFound) {
				c.log.Error("console: live messages", "err", err, "channel", ch.Sid)
			}
			buf.WriteString("event: reload\ndata: \n\n")
		}
		if _, werr := buf.WriteTo(w); werr != nil {
			return nil // the page went away
		}
		if ferr := rc.Flush(); ferr != nil || err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-c.done:
			return nil
		case <-signal:
		case <-poll:
		case <-ping.C:
			buf.WriteString(": ping\n\n")
		}
	}
}

// newMessages writes the events of ch's messages after index after, oldest
// first, and returns the index of the newest. It reads newest first,
// back to after, so that its reads hold only what is new.
func (c *Console) newMessages(ctx context.Context, buf *bytes.Buffer, ch *model.Channel, after int) (int, error) {
	now, err := c.api.FindChannel(ctx, ch.ServiceSid, ch.Sid)
	if err != nil {
		return after, err
	}
	if !now.DateCreated.Equal(ch.DateCreated) {
		return after, errRecreated
	}
	var fresh []*model.Message
	p := model.Page{Size: messageSize}
read:
	for {
		page, cur, err := c.api.ListMessages(ctx, ch.ServiceSid, ch.Sid, model.MessageFilter{Order: model.OrderDesc}, p)
		if err != nil {
			return after, err
		}
		if p.Token == "" && after >= 0 && (len(page) == 0 || page[0].Index < after) {
			return after, errRecreated
		}
		for _, m := range page {
			if m.Index <= after {
				break read
			}
			fresh = append(fresh, m)
		}
		if cur.Next == "" {
			break
		}
		p.Token = cur.Next
	}
	slices.Reverse(fresh)
	for _, m := range fresh {
		var row bytes.Buffer
		if err := c.pages["channel"].ExecuteTemplate(&row, "message", m); err != nil {
			return after, err
		}
		fmt.Fprintf(buf, "event: message\nid: %d\n", m.Index)
		for _, line := range strings.Split(strings.TrimSpace(row.String()), "\n") {
			fmt.Fprintf(buf, "data: %s\n", line)
		}
		buf.WriteString("\n")
		after = m.Index
	}
	return after, nil
}
