package postgres

import (
	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

func (t *tx) ChannelWebhook(service, channel, sid string) (*model.ChannelWebhook, error) {
	return get(t, record.ChannelWebhook, `SELECT record FROM channel_webhooks WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3`,
		service, channel, sid)
}

var channelWebhooksKeyset = keyset{cols: "sid, record", from: "channel_webhooks WHERE service_sid = $1 AND channel_sid = $2",
	key: "sid", parent: "SELECT FROM channels WHERE service_sid = $1 AND sid = $2"}

// ChannelWebhooks, in an Update, locks the Channel first (see tx): the
// rules count the webhooks against their limit before adding one.
func (t *tx) ChannelWebhooks(service, channel string, w model.Window) ([]*model.ChannelWebhook, error) {
	if err := t.lockChannel(service, channel); err != nil {
		return nil, err
	}
	return records(t, record.ChannelWebhook, channelWebhooksKeyset, w, service, channel)
}

func (t *tx) InsertChannelWebhook(wh *model.ChannelWebhook) error {
	v, err := record.ChannelWebhook.Encode(wh)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO channel_webhooks (service_sid, channel_sid, sid, type, record) VALUES ($1, $2, $3, $4, $5)`,
		wh.ServiceSid, wh.ChannelSid, wh.Sid, wh.Type, v)
	return err
}

// PutChannelWebhook keeps the stored type: one UPDATE when wh has it
// already, as a webhook read and changed has; otherwise it is read (and
// the row locked) first.
func (t *tx) PutChannelWebhook(wh *model.ChannelWebhook) error {
	v, err := record.ChannelWebhook.Encode(wh)
	if err != nil {
		return err
	}
	n, err := t.exec(`UPDATE channel_webhooks SET record = $5 WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3 AND type = $4`,
		wh.ServiceSid, wh.ChannelSid, wh.Sid, wh.Type, v)
	if err != nil || n == 1 {
		return err
	}
	err = t.write(`SELECT type FROM channel_webhooks WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3 FOR NO KEY UPDATE`,
		[]any{wh.ServiceSid, wh.ChannelSid, wh.Sid}, &wh.Type)
	if err != nil {
		return err
	}
	if v, err = record.ChannelWebhook.Encode(wh); err != nil {
		return err
	}
	_, err = t.exec(`UPDATE channel_webhooks SET record = $4 WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3`,
		wh.ServiceSid, wh.ChannelSid, wh.Sid, v)
	return err
}

func (t *tx) DeleteChannelWebhook(service, channel, sid string) error {
	return t.one(`DELETE FROM channel_webhooks WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3`, service, channel, sid)
}
