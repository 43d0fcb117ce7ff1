package postgres

import (
	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

func (t *tx) Setting(key string) (string, error) {
	var v string
	err := t.read(`SELECT value FROM settings WHERE name = $1`, []any{key}, &v)
	if err == model.ErrNotFound {
		return "", nil
	}
	return v, err
}

func (t *tx) PutSetting(key, value string) error {
	_, err := t.exec(`INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func (t *tx) Service(sid string) (*model.Service, error) {
	return get(t, record.Service, `SELECT record FROM services WHERE service_sid = $1`, sid)
}

var servicesKeyset = keyset{cols: "service_sid, record", from: "services WHERE true", key: "service_sid"}

func (t *tx) Services(w model.Window) ([]*model.Service, error) {
	return records(t, record.Service, servicesKeyset, w)
}

func (t *tx) InsertService(s *model.Service) error {
	v, err := record.Service.Encode(s)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO services (service_sid, record) VALUES ($1, $2)`, s.Sid, v)
	return err
}

func (t *tx) PutService(s *model.Service) error {
	v, err := record.Service.Encode(s)
	if err != nil {
		return err
	}
	return t.one(`UPDATE services SET record = $2 WHERE service_sid = $1`, s.Sid, v)
}

// DeleteServiceTree is one DELETE: the foreign keys cascade to everything
// under the Service, mutation records and staged uploads included.
func (t *tx) DeleteServiceTree(sid string) error {
	return t.one(`DELETE FROM services WHERE service_sid = $1`, sid)
}

// Wipe deletes every Service (with everything under it), Credential and
// delivery, row by row rather than by TRUNCATE, so that readers on other
// connections keep their snapshots and nothing waits on a table lock. The
// outbox's last ID stays, so delivery IDs are never given again.
func (t *tx) Wipe() error {
	for _, table := range []string{"services", "credentials", "deliveries"} {
		if _, err := t.exec(`DELETE FROM ` + table); err != nil {
			return err
		}
	}
	return nil
}

// one runs a statement that must touch a row: model.ErrNotFound when it
// touched none.
func (t *tx) one(sql string, args ...any) error {
	n, err := t.exec(sql, args...)
	if err == nil && n == 0 {
		return model.ErrNotFound
	}
	return err
}
