package bolt

import "github.com/chatd/chatd/model"

func (t *tx) APIKey(sid string) (*model.APIKey, error) {
	return apiKeyCodec.get(t.btx.Bucket(bucketAPIKeys), sid)
}

func (t *tx) APIKeys(w model.Window) ([]*model.APIKey, error) {
	return apiKeyCodec.walk(t.btx.Bucket(bucketAPIKeys), w)
}

func (t *tx) InsertAPIKey(k *model.APIKey) error {
	b := t.btx.Bucket(bucketAPIKeys)
	if b.Get([]byte(k.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	return apiKeyCodec.put(b, []byte(k.Sid), k)
}

func (t *tx) DeleteAPIKey(sid string) error {
	b := t.btx.Bucket(bucketAPIKeys)
	if b.Get([]byte(sid)) == nil {
		return model.ErrNotFound
	}
	return b.Delete([]byte(sid))
}
