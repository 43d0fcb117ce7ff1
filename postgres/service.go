package postgres

import (
	"cmp"
	"maps"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// Setting, in an Update, first takes a lock on the name, held to the
// commit: a rule that reads a setting and writes it when unset (the
// generated credentials and keys) then runs alone, even on several nodes
// and while the row does not exist yet to be locked.
func (t *tx) Setting(key string) (string, error) {
	if t.writable {
		if _, err := t.exec(`SELECT pg_advisory_xact_lock(hashtextextended('chatd setting ' || $1, 0))`, key); err != nil {
			return "", err
		}
	}
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

// Service reads, in an Update, the row's version too, for PutService.
func (t *tx) Service(sid string) (*model.Service, error) {
	var v []byte
	var version string
	if err := t.read(`SELECT record, xmin::text FROM services WHERE service_sid = $1`, []any{sid}, &v, &version); err != nil {
		return nil, err
	}
	t.found(sid)
	if t.writable {
		if t.services == nil {
			t.services = map[string]string{}
		}
		if _, seen := t.services[sid]; !seen {
			t.services[sid] = version
		}
	}
	return record.Service.Decode(v)
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

// PutService writes the Service if no other transaction changed it since
// this one first read it (see tx); from then on the row is locked by this
// transaction.
func (t *tx) PutService(s *model.Service) error {
	v, err := record.Service.Encode(s)
	if err != nil {
		return err
	}
	version, read := t.services[s.Sid]
	if !read {
		return t.one(`UPDATE services SET record = $2 WHERE service_sid = $1`, s.Sid, v)
	}
	n, err := t.exec(`UPDATE services SET record = $2 WHERE service_sid = $1 AND xmin::text = $3`, s.Sid, v, version)
	if err != nil || n == 1 {
		delete(t.services, s.Sid)
		return err
	}
	if ok, err := t.exists(`SELECT 1 FROM services WHERE service_sid = $1`, s.Sid); err != nil || !ok {
		return cmp.Or(err, model.ErrNotFound)
	}
	return t.changed()
}

// DeleteServiceTree is two DELETEs: the foreign keys cascade to everything
// under the Service, mutation records and staged uploads included, but
// its Messages, which the second deletes once its Channels are gone (see
// DeleteChannelTree).
func (t *tx) DeleteServiceTree(sid string) error {
	delete(t.services, sid)
	delete(t.syncLogs, sid)
	maps.DeleteFunc(t.channels, func(k channelKey, _ channelSeen) bool { return k.service == sid })
	if err := t.one(`DELETE FROM services WHERE service_sid = $1`, sid); err != nil {
		return err
	}
	if _, err := t.exec(deleteMessagesQuery, sid); err != nil {
		return err
	}
	t.hints.addReset(sid)
	return nil
}

// Wipe deletes every Service (with everything under it), Credential and
// delivery, row by row rather than by TRUNCATE, so that readers on other
// connections keep their snapshots and nothing waits on a table lock. The
// outbox's last ID stays, so delivery IDs are never given again.
func (t *tx) Wipe() error {
	t.services, t.channels, t.syncLogs = nil, nil, nil
	t.hints.addReset("")
	for _, table := range []string{"services", "messages", "credentials", "deliveries"} {
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
