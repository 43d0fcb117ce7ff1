package bolt

import "github.com/chatd/chatd/model"

func (t *tx) Role(service, sid string) (*model.Role, error) {
	b, err := t.serviceChild(service, bucketRoles)
	if err != nil {
		return nil, err
	}
	return roleCodec.get(b, sid)
}

func (t *tx) Roles(service string, w model.Window) ([]*model.Role, error) {
	b, err := t.serviceChild(service, bucketRoles)
	if err != nil {
		return nil, err
	}
	return roleCodec.walk(b, w)
}

func (t *tx) InsertRole(r *model.Role) error {
	b, err := t.serviceChild(r.ServiceSid, bucketRoles)
	if err != nil {
		return err
	}
	if b.Get([]byte(r.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	return roleCodec.put(b, []byte(r.Sid), r)
}

func (t *tx) PutRole(r *model.Role) error {
	b, err := t.serviceChild(r.ServiceSid, bucketRoles)
	if err != nil {
		return err
	}
	if b.Get([]byte(r.Sid)) == nil {
		return model.ErrNotFound
	}
	return roleCodec.put(b, []byte(r.Sid), r)
}

func (t *tx) DeleteRole(service, sid string) error {
	b, err := t.serviceChild(service, bucketRoles)
	if err != nil {
		return err
	}
	if b.Get([]byte(sid)) == nil {
		return model.ErrNotFound
	}
	return b.Delete([]byte(sid))
}
