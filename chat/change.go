package chat

import "github.com/chatd/chatd/model"

// The writes of writeTx that OnCommit hears of. Each notes its change once
// the store took it; update passes them on after the commit.

func (t *writeTx) note(err error, op, kind, service, channel, sid string) error {
	if err == nil {
		t.changes = append(t.changes, model.Change{Op: op, Kind: kind, ServiceSid: service, ChannelSid: channel, Sid: sid})
	}
	return err
}

func (t *writeTx) Wipe() error {
	t.outboxChanged = true
	return t.note(t.Tx.Wipe(), model.ChangeWiped, "", "", "", "")
}

func (t *writeTx) InsertService(s *model.Service) error {
	return t.note(t.Tx.InsertService(s), model.ChangeAdded, model.ChangeService, s.Sid, "", s.Sid)
}

func (t *writeTx) PutService(s *model.Service) error {
	return t.note(t.Tx.PutService(s), model.ChangeUpdated, model.ChangeService, s.Sid, "", s.Sid)
}

func (t *writeTx) DeleteServiceTree(sid string) error {
	return t.note(t.Tx.DeleteServiceTree(sid), model.ChangeRemoved, model.ChangeService, sid, "", sid)
}

func (t *writeTx) InsertUser(u *model.User) error {
	return t.note(t.Tx.InsertUser(u), model.ChangeAdded, model.ChangeUser, u.ServiceSid, "", u.Sid)
}

func (t *writeTx) PutUser(u *model.User) error {
	return t.note(t.Tx.PutUser(u), model.ChangeUpdated, model.ChangeUser, u.ServiceSid, "", u.Sid)
}

func (t *writeTx) DeleteUserTree(service, sid string) error {
	return t.note(t.Tx.DeleteUserTree(service, sid), model.ChangeRemoved, model.ChangeUser, service, "", sid)
}

func (t *writeTx) InsertChannel(c *model.Channel) error {
	return t.note(t.Tx.InsertChannel(c), model.ChangeAdded, model.ChangeChannel, c.ServiceSid, c.Sid, c.Sid)
}

func (t *writeTx) PutChannel(c *model.Channel) error {
	return t.note(t.Tx.PutChannel(c), model.ChangeUpdated, model.ChangeChannel, c.ServiceSid, c.Sid, c.Sid)
}

func (t *writeTx) DeleteChannelTree(service, sid string) error {
	return t.note(t.Tx.DeleteChannelTree(service, sid), model.ChangeRemoved, model.ChangeChannel, service, sid, sid)
}

func (t *writeTx) InsertMember(m *model.Member) error {
	return t.note(t.Tx.InsertMember(m), model.ChangeAdded, model.ChangeMember, m.ServiceSid, m.ChannelSid, m.Sid)
}

func (t *writeTx) PutMember(m *model.Member) error {
	return t.note(t.Tx.PutMember(m), model.ChangeUpdated, model.ChangeMember, m.ServiceSid, m.ChannelSid, m.Sid)
}

func (t *writeTx) DeleteMember(service, channel, sid string) error {
	return t.note(t.Tx.DeleteMember(service, channel, sid), model.ChangeRemoved, model.ChangeMember, service, channel, sid)
}

func (t *writeTx) AppendMessage(m *model.Message) error {
	return t.note(t.Tx.AppendMessage(m), model.ChangeAdded, model.ChangeMessage, m.ServiceSid, m.ChannelSid, m.Sid)
}

func (t *writeTx) PutMessage(m *model.Message) error {
	return t.note(t.Tx.PutMessage(m), model.ChangeUpdated, model.ChangeMessage, m.ServiceSid, m.ChannelSid, m.Sid)
}

func (t *writeTx) DeleteMessage(service, channel, sid string) error {
	return t.note(t.Tx.DeleteMessage(service, channel, sid), model.ChangeRemoved, model.ChangeMessage, service, channel, sid)
}

func (t *writeTx) InsertInvite(in *model.Invite) error {
	return t.note(t.Tx.InsertInvite(in), model.ChangeAdded, model.ChangeInvite, in.ServiceSid, in.ChannelSid, in.Sid)
}

func (t *writeTx) DeleteInvite(service, channel, sid string) error {
	return t.note(t.Tx.DeleteInvite(service, channel, sid), model.ChangeRemoved, model.ChangeInvite, service, channel, sid)
}
