package bolt

import "github.com/chatd/chatd/model"

func (t *tx) Member(service, channel, key string) (*model.Member, error) {
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, err
	}
	return memberCodec.decode(lookup(data.Bucket(bucketMembers), data.Bucket(bucketMemberIdentities), key))
}

func (t *tx) Members(service, channel string, w model.Window) ([]*model.Member, error) {
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, err
	}
	return memberCodec.walk(data.Bucket(bucketMembers), w)
}

func (t *tx) InsertMember(m *model.Member) error {
	data, err := t.channelData(m.ServiceSid, m.ChannelSid)
	if err != nil {
		return err
	}
	members, identities := data.Bucket(bucketMembers), data.Bucket(bucketMemberIdentities)
	if members.Get([]byte(m.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	if identities.Get([]byte(m.Identity)) != nil {
		return &model.TakenError{Field: "identity"}
	}
	if err := identities.Put([]byte(m.Identity), []byte(m.Sid)); err != nil {
		return err
	}
	if err := memberCodec.put(members, []byte(m.Sid), m); err != nil {
		return err
	}
	if err := t.link(m.ServiceSid, m.UserSid, m.ChannelSid, func(l *model.UserChannelLink) { l.MemberSid = m.Sid }); err != nil {
		return err
	}
	if err := t.addJoined(m.ServiceSid, m.UserSid, 1); err != nil {
		return err
	}
	return t.updateChannel(m.ServiceSid, m.ChannelSid, func(c *model.Channel) { c.MembersCount++ })
}

func (t *tx) PutMember(m *model.Member) error {
	data, err := t.channelData(m.ServiceSid, m.ChannelSid)
	if err != nil {
		return err
	}
	members := data.Bucket(bucketMembers)
	old, err := memberCodec.get(members, m.Sid)
	if err != nil {
		return err
	}
	m.Identity, m.UserSid = old.Identity, old.UserSid
	return memberCodec.put(members, []byte(m.Sid), m)
}

func (t *tx) DeleteMember(service, channel, sid string) error {
	data, err := t.channelData(service, channel)
	if err != nil {
		return err
	}
	members, identities := data.Bucket(bucketMembers), data.Bucket(bucketMemberIdentities)
	m, err := memberCodec.get(members, sid)
	if err != nil {
		return err
	}
	if err := members.Delete([]byte(sid)); err != nil {
		return err
	}
	if err := identities.Delete([]byte(m.Identity)); err != nil {
		return err
	}
	if err := t.link(service, m.UserSid, channel, func(l *model.UserChannelLink) { l.MemberSid = "" }); err != nil {
		return err
	}
	if err := t.addJoined(service, m.UserSid, -1); err != nil {
		return err
	}
	return t.updateChannel(service, channel, func(c *model.Channel) { c.MembersCount-- })
}
