package bolt

import "github.com/chatd/chatd/model"

func (t *tx) Credential(sid string) (*model.Credential, error) {
	return credentialCodec.get(t.btx.Bucket(bucketCredentials), sid)
}

func (t *tx) Credentials(w model.Window) ([]*model.Credential, error) {
	return credentialCodec.walk(t.btx.Bucket(bucketCredentials), w)
}

func (t *tx) InsertCredential(c *model.Credential) error {
	b := t.btx.Bucket(bucketCredentials)
	if b.Get([]byte(c.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	return credentialCodec.put(b, []byte(c.Sid), c)
}

func (t *tx) PutCredential(c *model.Credential) error {
	b := t.btx.Bucket(bucketCredentials)
	if b.Get([]byte(c.Sid)) == nil {
		return model.ErrNotFound
	}
	return credentialCodec.put(b, []byte(c.Sid), c)
}

func (t *tx) DeleteCredential(sid string) error {
	b := t.btx.Bucket(bucketCredentials)
	if b.Get([]byte(sid)) == nil {
		return model.ErrNotFound
	}
	return b.Delete([]byte(sid))
}
