package bolt

import (
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/chatd/chatd/model"
)

func (t *tx) Service(sid string) (*model.Service, error) {
	s, err := t.cachedService(sid)
	if err != nil {
		return nil, err
	}
	return cloneService(s), nil
}

func (t *tx) Services(w model.Window) ([]*model.Service, error) {
	var out []*model.Service
	err := walkCursor(t.btx.Cursor(), servicePrefix, sidKey(w), w, func(k, _ []byte) error {
		s, err := serviceCodec.decode(t.btx.Bucket(k).Get(keyRecord))
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

func (t *tx) InsertService(s *model.Service) error {
	name, ok := serviceName(s.Sid)
	if !ok {
		return fmt.Errorf("bolt: %q is no Service SID", s.Sid)
	}
	b, err := t.btx.CreateBucket(name)
	if errors.Is(err, berrors.ErrBucketExists) {
		return &model.TakenError{Field: "sid"}
	}
	if err != nil {
		return err
	}
	if err := createBuckets(b, serviceBuckets); err != nil {
		return err
	}
	return serviceCodec.put(b, keyRecord, s)
}

func (t *tx) PutService(s *model.Service) error {
	b, err := t.service(s.Sid)
	if err != nil {
		return err
	}
	delete(t.services, s.Sid)
	return serviceCodec.put(b, keyRecord, s)
}

func (t *tx) DeleteServiceTree(sid string) error {
	t.forgetService(sid)
	t.forgetSync(sid)
	name, ok := serviceName(sid)
	if !ok {
		return model.ErrNotFound
	}
	err := t.btx.DeleteBucket(name)
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return model.ErrNotFound
	} else if err != nil {
		return err
	}
	return t.deleteMutations(sid)
}

// children opens the named buckets of a Service in one call.
func (t *tx) children(service string, names ...[]byte) ([]*bbolt.Bucket, error) {
	b, err := t.service(service)
	if err != nil {
		return nil, err
	}
	out := make([]*bbolt.Bucket, len(names))
	for i, name := range names {
		out[i] = b.Bucket(name)
	}
	return out, nil
}
