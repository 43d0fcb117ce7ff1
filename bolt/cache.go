package bolt

import (
	"maps"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// The decoded Services and Channels of one transaction. The commit loop
// runs a batch of writes in one transaction, and a send reads its Channel
// and then updates its counts, so without this a busy Channel would be
// decoded twice per Message. The cache is the transaction's own: a write
// updates or drops the entry of what it changes, and a rolled-back batch
// is retried in a new tx with an empty cache.
//
// Entries belong to the tx: what the Tx hands out is a deep copy, since
// callers change the records they read before putting them back.

// channelKey names a Channel in the cache.
type channelKey struct{ service, sid string }

// cachedService is Service sid, decoded at most once per transaction.
// Callers must not change it.
func (t *tx) cachedService(sid string) (*model.Service, error) {
	if s, ok := t.services[sid]; ok {
		return s, nil
	}
	b, err := t.service(sid)
	if err != nil {
		return nil, err
	}
	s, err := serviceCodec.decode(b.Get(keyRecord))
	if err != nil {
		return nil, err
	}
	if t.services == nil {
		t.services = map[string]*model.Service{}
	}
	t.services[sid] = s
	return s, nil
}

// cachedChannel is Channel sid of service, from the service's channels
// bucket, decoded at most once per transaction. Callers may change it only
// to put it back at once (updateChannel).
func (t *tx) cachedChannel(channels *bbolt.Bucket, service, sid string) (*model.Channel, error) {
	if c, ok := t.channels[channelKey{service, sid}]; ok {
		return c, nil
	}
	return t.cacheChannel(service, sid, channels.Get([]byte(sid)))
}

// cacheChannel decodes v, the stored Channel sid of service, into the
// cache.
func (t *tx) cacheChannel(service, sid string, v []byte) (*model.Channel, error) {
	c, err := channelCodec.decode(v)
	if err != nil {
		return nil, err
	}
	if t.channels == nil {
		t.channels = map[channelKey]*model.Channel{}
	}
	t.channels[channelKey{service, sid}] = c
	return c, nil
}

// forgetService drops Service sid and its Channels from the cache, and
// the subtrees the transaction keeps.
func (t *tx) forgetService(sid string) {
	t.forgetSubtrees()
	delete(t.services, sid)
	maps.DeleteFunc(t.channels, func(k channelKey, _ *model.Channel) bool { return k.service == sid })
}

// forgetChannel drops Channel sid of service from the cache, and its
// subtree if the transaction keeps it.
func (t *tx) forgetChannel(service, sid string) {
	delete(t.channels, channelKey{service, sid})
	if t.lastChannel == (channelKey{service, sid}) {
		t.lastChannelDir = nil
	}
	if t.lastMessages == (channelKey{service, sid}) {
		t.lastMessagesDir = nil
	}
}

// cloneChannel is a copy of c that shares nothing a caller could change.
func cloneChannel(c *model.Channel) *model.Channel {
	out := *c
	out.FriendlyName = clonePtr(c.FriendlyName)
	out.UniqueName = clonePtr(c.UniqueName)
	out.MessagingServiceSid = clonePtr(c.MessagingServiceSid)
	return &out
}

// cloneService is a copy of s that shares nothing a caller could change.
func cloneService(s *model.Service) *model.Service {
	out := *s
	out.PreWebhookURL = clonePtr(s.PreWebhookURL)
	out.PostWebhookURL = clonePtr(s.PostWebhookURL)
	out.WebhookMethod = clonePtr(s.WebhookMethod)
	out.WebhookFilters = slices.Clone(s.WebhookFilters)
	n := &out.Notifications
	for _, p := range []*model.Notification{&n.NewMessage, &n.AddedToChannel, &n.RemovedFromChannel, &n.InvitedToChannel} {
		p.Template, p.Sound, p.BadgeCountEnabled = clonePtr(p.Template), clonePtr(p.Sound), clonePtr(p.BadgeCountEnabled)
	}
	if s.Webhooks != nil {
		out.Webhooks = make(map[string]model.EventWebhook, len(s.Webhooks))
		for event, wh := range s.Webhooks {
			out.Webhooks[event] = model.EventWebhook{URL: clonePtr(wh.URL), Method: clonePtr(wh.Method)}
		}
	}
	return &out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
