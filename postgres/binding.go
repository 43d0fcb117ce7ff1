package postgres

import (
	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

func (t *tx) Binding(service, sid string) (*model.Binding, error) {
	return get(t, record.Binding, `SELECT record FROM bindings WHERE service_sid = $1 AND sid = $2`, service, sid)
}

func (t *tx) BindingFor(service, bindingType, endpoint string) (*model.Binding, error) {
	return get(t, record.Binding, `SELECT record FROM bindings WHERE service_sid = $1 AND binding_type = $2 AND endpoint = $3`,
		service, bindingType, endpoint)
}

// Bindings reads one type's Bindings from the index on (service, type,
// SID), so that a page costs the same however many of other types exist.
func (t *tx) Bindings(service string, types []string, w model.Window) ([]*model.Binding, error) {
	filter, args := typeFilter("binding_type", types, []any{service})
	k := keyset{cols: "sid, record", from: "bindings WHERE service_sid = $1" + filter, key: "sid",
		parent: "SELECT FROM services WHERE service_sid = $1"}
	return records(t, record.Binding, k, w, args...)
}

var userBindingsKeyset = keyset{cols: "sid, record", from: "bindings WHERE service_sid = $1 AND user_sid = $2", key: "sid",
	parent: "SELECT FROM services WHERE service_sid = $1"}

func (t *tx) UserBindings(service, user string) ([]*model.Binding, error) {
	return records(t, record.Binding, userBindingsKeyset, model.Window{}, service, user)
}

func (t *tx) InsertBinding(b *model.Binding) error {
	v, err := record.Binding.Encode(b)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO bindings (service_sid, sid, binding_type, endpoint, user_sid, record) VALUES ($1, $2, $3, $4, $5, $6)`,
		b.ServiceSid, b.Sid, b.BindingType, b.Endpoint, b.UserSid, v)
	return err
}

// PutBinding keeps the stored type, endpoint, User and identity: it reads
// them (locking the row: this is an Update) from the stored record.
func (t *tx) PutBinding(b *model.Binding) error {
	old, err := get(t, record.Binding, `SELECT record FROM bindings WHERE service_sid = $1 AND sid = $2`,
		b.ServiceSid, b.Sid)
	if err != nil {
		return err
	}
	b.BindingType, b.Endpoint, b.UserSid, b.Identity = old.BindingType, old.Endpoint, old.UserSid, old.Identity
	v, err := record.Binding.Encode(b)
	if err != nil {
		return err
	}
	_, err = t.exec(`UPDATE bindings SET record = $3 WHERE service_sid = $1 AND sid = $2`, b.ServiceSid, b.Sid, v)
	return err
}

func (t *tx) DeleteBinding(service, sid string) error {
	return t.one(`DELETE FROM bindings WHERE service_sid = $1 AND sid = $2`, service, sid)
}
