package postgres

import (
	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

func (t *tx) Role(service, sid string) (*model.Role, error) {
	return get(t, record.Role, `SELECT record FROM roles WHERE service_sid = $1 AND sid = $2`, service, sid)
}

var rolesKeyset = keyset{cols: "sid, record", from: "roles WHERE service_sid = $1", key: "sid",
	parent: "SELECT FROM services WHERE service_sid = $1"}

func (t *tx) Roles(service string, w model.Window) ([]*model.Role, error) {
	return records(t, record.Role, rolesKeyset, w, service)
}

func (t *tx) InsertRole(r *model.Role) error {
	v, err := record.Role.Encode(r)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO roles (service_sid, sid, record) VALUES ($1, $2, $3)`, r.ServiceSid, r.Sid, v)
	return err
}

func (t *tx) PutRole(r *model.Role) error {
	v, err := record.Role.Encode(r)
	if err != nil {
		return err
	}
	return t.one(`UPDATE roles SET record = $3 WHERE service_sid = $1 AND sid = $2`, r.ServiceSid, r.Sid, v)
}

func (t *tx) DeleteRole(service, sid string) error {
	return t.one(`DELETE FROM roles WHERE service_sid = $1 AND sid = $2`, service, sid)
}
