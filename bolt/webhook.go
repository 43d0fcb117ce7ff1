package bolt

import "github.com/chatd/chatd/model"

func (t *tx) ChannelWebhook(service, channel, sid string) (*model.ChannelWebhook, error) {
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, err
	}
	return channelWebhookCodec.get(data.Bucket(bucketWebhooks), sid)
}

func (t *tx) ChannelWebhooks(service, channel string, w model.Window) ([]*model.ChannelWebhook, error) {
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, err
	}
	return channelWebhookCodec.walk(data.Bucket(bucketWebhooks), w)
}

func (t *tx) InsertChannelWebhook(wh *model.ChannelWebhook) error {
	data, err := t.channelData(wh.ServiceSid, wh.ChannelSid)
	if err != nil {
		return err
	}
	b := data.Bucket(bucketWebhooks)
	if b.Get([]byte(wh.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	return channelWebhookCodec.put(b, []byte(wh.Sid), wh)
}

func (t *tx) PutChannelWebhook(wh *model.ChannelWebhook) error {
	data, err := t.channelData(wh.ServiceSid, wh.ChannelSid)
	if err != nil {
		return err
	}
	b := data.Bucket(bucketWebhooks)
	old, err := channelWebhookCodec.get(b, wh.Sid)
	if err != nil {
		return err
	}
	wh.Type = old.Type
	return channelWebhookCodec.put(b, []byte(wh.Sid), wh)
}

func (t *tx) DeleteChannelWebhook(service, channel, sid string) error {
	data, err := t.channelData(service, channel)
	if err != nil {
		return err
	}
	b := data.Bucket(bucketWebhooks)
	if b.Get([]byte(sid)) == nil {
		return model.ErrNotFound
	}
	return b.Delete([]byte(sid))
}
