package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/twilsock"
)

// Subscriptions, as the SDK's Sync client makes them: a POST of a batch of
// objects to establish (or cancel), answered at once; then, for each
// object, the events after the client's last event ID, one per
// notification of type twilio.sync.event, and subscription_established;
// from then on the object's live events (feed.go). A refused object gets
// subscription_failed, which the client does not retry.
//
// Replay and live delivery meet without gaps or repeats: each subscription
// records the ID of the last event it was sent. Its replay reads the log
// page by page; the last page is read under its Service's feed lock, so
// that the tailer cannot move meanwhile, and the subscription joins the
// feed in the same step, recording the replay's last event. The tailer has
// sent everything up to its position, all of which was committed before
// that read (IDs are given in commit order), so the read holds every event
// of the object up to it; the tailer then sends the subscription only
// events above what it recorded.

// The values of a subscription reply. The client re-sends a batch it has
// heard nothing of for estimated_delivery_in_ms, and sends at most
// max_batch_size objects in one; a ttl_in_s of -1 asks for no periodic
// re-subscription.
const (
	estimatedDeliveryMs = 5000
	maxBatchSize        = 100
	subscriptionTTL     = -1
	// maxRequests bounds one batch from a client that ignores maxBatchSize.
	maxRequests = 1000
)

// replayPage is how many events a replay reads at once. A page read under
// the feed lock is queued without waiting, so it stays well below half of
// a socket's send queue (the rest is where live events go).
const replayPage = 64

// Notification types.
const (
	// syncEventType carries a replayed event or a subscription's outcome.
	syncEventType = "twilio.sync.event"
	// liveTypePrefix and the object's type carry a live event:
	// com.twilio.rtd.cds.document, .list or .map.
	liveTypePrefix = "com.twilio.rtd.cds."
)

type subscriptionsJSON struct {
	EventProtocolVersion int               `json:"event_protocol_version"`
	Action               string            `json:"action"`
	CorrelationID        json.RawMessage   `json:"correlation_id"`
	Requests             []subscriptionReq `json:"requests"`
}

type subscriptionReq struct {
	ObjectSid   string `json:"object_sid"`
	ObjectType  string `json:"object_type"`
	LastEventID uint64 `json:"last_event_id"`
}

type subscriptionsReplyJSON struct {
	EstimatedDeliveryMs int `json:"estimated_delivery_in_ms"`
	MaxBatchSize        int `json:"max_batch_size"`
	TTL                 int `json:"ttl_in_s"`
}

// outcomeJSON is the notification that ends a subscription request:
// subscription_established, _canceled or _failed.
type outcomeJSON struct {
	EventType     string          `json:"event_type"`
	CorrelationID json.RawMessage `json:"correlation_id,omitempty"`
	Event         outcomeEvent    `json:"event"`
}

type outcomeEvent struct {
	ObjectSid    string     `json:"object_sid"`
	ObjectType   string     `json:"object_type,omitempty"`
	ReplayStatus string     `json:"replay_status,omitempty"`
	LastEventID  *uint64    `json:"last_event_id,omitempty"`
	Error        *errorJSON `json:"error,omitempty"`
}

// handleSubscriptions is POST /v4/Subscriptions. It answers at once; what
// the subscriptions send follows the answer on the socket.
func (rt *Realtime) handleSubscriptions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	conn := twilsock.ConnFromContext(r.Context())
	if conn == nil {
		return model.Errorf(model.CodeInvalidParameter, "Subscriptions are made through the client's socket (/v3/wsconnect)")
	}
	var in subscriptionsJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&in); err != nil {
		return model.Errorf(model.CodeInvalidParameter, "Malformed JSON body: %v", err)
	}
	switch {
	case in.Action != "establish" && in.Action != "cancel":
		return model.InvalidParam("action", in.Action)
	case len(in.Requests) > maxRequests:
		return model.Errorf(model.CodeInvalidParameter, "Too many requests in one batch: %d, at most %d", len(in.Requests), maxRequests)
	case !validCorrelation(in.CorrelationID):
		return model.InvalidParam("correlation_id", string(in.CorrelationID))
	}
	p := conn.Principal()
	sess := rt.session(conn)
	if sess == nil {
		return model.E(model.CodeInternalError) // chatd is stopping
	}
	twilsock.AfterReply(r.Context(), func() {
		sess.busy.Lock() // the batches of one socket take effect in turn
		defer sess.busy.Unlock()
		for _, req := range in.Requests {
			if r.Context().Err() != nil {
				return
			}
			if in.Action == "establish" {
				rt.establish(r.Context(), sess, p, in.CorrelationID, req)
			} else {
				rt.cancelSubscription(r.Context(), sess, in.CorrelationID, req)
			}
		}
	})
	writeJSON(w, http.StatusOK, subscriptionsReplyJSON{EstimatedDeliveryMs: estimatedDeliveryMs, MaxBatchSize: maxBatchSize, TTL: subscriptionTTL})
	return nil
}

// validCorrelation accepts what the client sends as correlation_id: a
// number (its clock), or a string or null from another client.
func validCorrelation(c json.RawMessage) bool {
	if len(c) == 0 {
		return true
	}
	var v any
	if json.Unmarshal(c, &v) != nil {
		return false
	}
	switch v.(type) {
	case float64, string, nil:
		return true
	}
	return false
}

// establish subscribes sess to one object: the replay of the object's
// events after req.LastEventID, then subscription_established, then live
// events. A subscription the socket already has to the object is replaced.
func (rt *Realtime) establish(ctx context.Context, sess *session, p *model.Principal, corr json.RawMessage, req subscriptionReq) {
	rt.drop(sess, objectSID(req))
	after, complete := req.LastEventID, true
	for {
		f := rt.pin(p.ServiceSid)
		if f == nil {
			return // chatd is stopping
		}
		f.mu.Lock()
		rep, err := rt.replayPage(ctx, f, p, req, after)
		if err == nil && len(rep.Events) == replayPage {
			// More to come: send this page without holding up the tailer.
			f.mu.Unlock()
			rt.unpin(f)
			complete = complete && rep.Complete
			for _, e := range rep.Events {
				if err := sess.conn.Notify(ctx, syncEventType, replayed(e.Payload, corr)); err != nil {
					return // the socket is gone
				}
				after = e.ID
			}
			continue
		}
		if err != nil {
			f.mu.Unlock()
			rt.unpin(f)
			rt.fail(ctx, sess, corr, req, err)
			return
		}
		// Caught up: the last events, the outcome and the joining of the
		// feed, before the tailer can send anything newer.
		complete = complete && rep.Complete
		for _, e := range rep.Events {
			n, err := twilsock.NewNotification(frameID(e.ID), syncEventType, replayed(e.Payload, corr))
			if err != nil {
				rt.log.Error("replayed event not sent", "object", e.ObjectSid, "event", e.ID, "err", err)
				break
			}
			sess.conn.Push(n)
			after = e.ID
		}
		// A client ahead of the object (last_event_id above its newest
		// event) holds a copy from before a reset of the Service: event IDs
		// are never given twice, so every event to come is above what it
		// has, and it is told the replay is complete from where it stands.
		// (Answered "interrupted", it would subscribe again from the same
		// point for ever.)
		status := "completed"
		if !complete {
			status = "interrupted"
		}
		sub := &subscription{sess: sess, feed: f, ref: rep.Ref, sid: rep.Ref.Sid(), delivered: after}
		if n, err := outcome(corr, "subscription_established", outcomeEvent{
			ObjectSid: sub.sid, ObjectType: rep.Ref.Type(), ReplayStatus: status, LastEventID: &after,
		}); err == nil {
			sess.conn.Push(n)
		}
		f.join(sub)
		f.mu.Unlock()
		rt.unpin(f)
		f.signal() // a commit before the tailer started woke nobody
		return
	}
}

// replayPage reads a page of the replay of req after the ID after; f.mu is
// held. A new feed starts at the Service's newest event, read before the
// page, so that the page holds every event of the object up to it.
func (rt *Realtime) replayPage(ctx context.Context, f *feed, p *model.Principal, req subscriptionReq, after uint64) (*model.SyncReplay, error) {
	if !f.started {
		head, err := rt.api.SyncHead(ctx, f.service)
		if err != nil {
			return nil, err
		}
		rt.startTailer(f, head)
	}
	switch req.ObjectType {
	case model.SyncDocument, model.SyncList, model.SyncMap:
	default:
		return nil, model.Errorf(model.CodeNotFound, "The requested resource %s was not found", req.ObjectSid)
	}
	return rt.api.SyncReplay(ctx, p, req.ObjectType, req.ObjectSid, after, replayPage)
}

// objectSID is the SID of the object req names (the SDK names it by SID;
// a unique name is taken too).
func objectSID(req subscriptionReq) string {
	if ref, ok := model.ParseSyncRef(req.ObjectType, req.ObjectSid); ok {
		return ref.Sid()
	}
	return req.ObjectSid
}

// fail tells the client it is not subscribed to req's object, with the
// reason (not found, forbidden) as Twilio's error.
func (rt *Realtime) fail(ctx context.Context, sess *session, corr json.RawMessage, req subscriptionReq, err error) {
	if ctx.Err() != nil {
		return // the socket is gone: its reads were cut short
	}
	e := asTwilioError(rt.log, err, "subscription to "+req.ObjectSid+" failed")
	rt.notify(ctx, sess, corr, "subscription_failed", outcomeEvent{
		ObjectSid: req.ObjectSid, ObjectType: req.ObjectType,
		Error: &errorJSON{Code: int(e.Code), Message: e.Message, Status: e.Status()},
	})
}

// cancelSubscription ends the socket's subscription to req's object, if it
// has one, and confirms it.
func (rt *Realtime) cancelSubscription(ctx context.Context, sess *session, corr json.RawMessage, req subscriptionReq) {
	rt.drop(sess, objectSID(req))
	rt.notify(ctx, sess, corr, "subscription_canceled", outcomeEvent{ObjectSid: req.ObjectSid, ObjectType: req.ObjectType})
}

// notify sends the outcome of a subscription request.
func (rt *Realtime) notify(ctx context.Context, sess *session, corr json.RawMessage, eventType string, ev outcomeEvent) {
	err := sess.conn.Notify(ctx, syncEventType, outcomeJSON{EventType: eventType, CorrelationID: corr, Event: ev})
	if err != nil && !errors.Is(err, twilsock.ErrClosed) && ctx.Err() == nil {
		rt.log.Error("subscription outcome not sent", "object", ev.ObjectSid, "err", err)
	}
}

// outcome encodes an outcome notification to push.
func outcome(corr json.RawMessage, eventType string, ev outcomeEvent) (*twilsock.Notification, error) {
	b, err := json.Marshal(outcomeJSON{EventType: eventType, CorrelationID: corr, Event: ev})
	if err != nil {
		return nil, err
	}
	return twilsock.NewNotification("TO"+strconv.FormatUint(ev.lastEventID(), 10), syncEventType, b)
}

func (ev outcomeEvent) lastEventID() uint64 {
	if ev.LastEventID == nil {
		return 0
	}
	return *ev.LastEventID
}

// replayed is a stored event payload, {"event_type": …, "event": {…}},
// with the correlation_id of the request it answers added in front.
func replayed(payload []byte, corr json.RawMessage) json.RawMessage {
	if len(corr) == 0 || len(payload) < 2 || payload[0] != '{' {
		return payload
	}
	var b bytes.Buffer
	b.Grow(len(payload) + len(corr) + 20)
	b.WriteString(`{"correlation_id":`)
	b.Write(corr)
	if len(bytes.TrimSpace(payload[1:])) > 1 { // not an empty object
		b.WriteByte(',')
	}
	b.Write(payload[1:])
	return b.Bytes()
}

// frameID is the id of the frame of an event: the client acknowledges it
// and does nothing else with it.
func frameID(event uint64) string { return "TE" + strconv.FormatUint(event, 10) }
