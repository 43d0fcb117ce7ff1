package postgres

import (
	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

func (t *tx) Credential(sid string) (*model.Credential, error) {
	return get(t, record.Credential, `SELECT record FROM credentials WHERE sid = $1`, sid)
}

var credentialsKeyset = keyset{cols: "sid, record", from: "credentials WHERE true", key: "sid"}

func (t *tx) Credentials(w model.Window) ([]*model.Credential, error) {
	return records(t, record.Credential, credentialsKeyset, w)
}

func (t *tx) InsertCredential(c *model.Credential) error {
	v, err := record.Credential.Encode(c)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO credentials (sid, record) VALUES ($1, $2)`, c.Sid, v)
	return err
}

func (t *tx) PutCredential(c *model.Credential) error {
	v, err := record.Credential.Encode(c)
	if err != nil {
		return err
	}
	return t.one(`UPDATE credentials SET record = $2 WHERE sid = $1`, c.Sid, v)
}

func (t *tx) DeleteCredential(sid string) error {
	return t.one(`DELETE FROM credentials WHERE sid = $1`, sid)
}

func (t *tx) APIKey(sid string) (*model.APIKey, error) {
	return get(t, record.APIKey, `SELECT record FROM api_keys WHERE sid = $1`, sid)
}

var apiKeysKeyset = keyset{cols: "sid, record", from: "api_keys WHERE true", key: "sid"}

func (t *tx) APIKeys(w model.Window) ([]*model.APIKey, error) {
	return records(t, record.APIKey, apiKeysKeyset, w)
}

func (t *tx) InsertAPIKey(k *model.APIKey) error {
	v, err := record.APIKey.Encode(k)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO api_keys (sid, record) VALUES ($1, $2)`, k.Sid, v)
	return err
}

func (t *tx) DeleteAPIKey(sid string) error {
	return t.one(`DELETE FROM api_keys WHERE sid = $1`, sid)
}
