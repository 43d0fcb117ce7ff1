package bolt

import "github.com/chatd/chatd/model"

func (t *tx) Invite(service, channel, sid string) (*model.Invite, error) {
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, err
	}
	return inviteCodec.get(data.Bucket(bucketInvites), sid)
}

func (t *tx) InviteFor(service, channel, identity string) (*model.Invite, error) {
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, err
	}
	sid := data.Bucket(bucketInviteIdentities).Get([]byte(identity))
	if sid == nil {
		return nil, model.ErrNotFound
	}
	return inviteCodec.decode(data.Bucket(bucketInvites).Get(sid))
}

func (t *tx) Invites(service, channel string, w model.Window) ([]*model.Invite, error) {
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, err
	}
	return inviteCodec.walk(data.Bucket(bucketInvites), w)
}

func (t *tx) InsertInvite(in *model.Invite) error {
	data, err := t.channelData(in.ServiceSid, in.ChannelSid)
	if err != nil {
		return err
	}
	invites, identities := data.Bucket(bucketInvites), data.Bucket(bucketInviteIdentities)
	if invites.Get([]byte(in.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	if identities.Get([]byte(in.Identity)) != nil {
		return &model.TakenError{Field: "identity"}
	}
	if data.Bucket(bucketMemberIdentities).Get([]byte(in.Identity)) != nil {
		return &model.TakenError{Field: "member"}
	}
	if err := identities.Put([]byte(in.Identity), []byte(in.Sid)); err != nil {
		return err
	}
	if err := inviteCodec.put(invites, []byte(in.Sid), in); err != nil {
		return err
	}
	return t.link(in.ServiceSid, in.UserSid, in.ChannelSid, func(l *model.UserChannelLink) { l.InviteSid = in.Sid })
}

func (t *tx) DeleteInvite(service, channel, sid string) error {
	data, err := t.channelData(service, channel)
	if err != nil {
		return err
	}
	invites := data.Bucket(bucketInvites)
	in, err := inviteCodec.get(invites, sid)
	if err != nil {
		return err
	}
	if err := invites.Delete([]byte(sid)); err != nil {
		return err
	}
	if err := data.Bucket(bucketInviteIdentities).Delete([]byte(in.Identity)); err != nil {
		return err
	}
	return t.link(service, in.UserSid, channel, func(l *model.UserChannelLink) { l.InviteSid = "" })
}
