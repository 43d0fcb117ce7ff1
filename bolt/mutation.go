package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/chatd/chatd/model"
)

// Mutation records are small and short-lived, so they are kept as raw
// bytes rather than as JSON records: under mutations/<IS sid>/, ids maps
// identity and id to the record, and order maps the Service's insertion
// sequence to the ids key, so that the oldest are found and trimmed first.
var (
	bucketMutationIDs   = []byte("ids")
	bucketMutationOrder = []byte("order")
)

// mutationKey is the ids key of identity's mutation id: the identity's
// length first, so that no identity and id pair reads as another.
func mutationKey(identity, id string) []byte {
	k := binary.AppendUvarint(nil, uint64(len(identity)))
	k = append(k, identity...)
	return append(k, id...)
}

// mutationValue is a record's value: its date (Unix nanoseconds, 8 bytes
// big-endian) and its Ref.
func mutationValue(m *model.Mutation) []byte {
	v := binary.BigEndian.AppendUint64(nil, uint64(m.DateCreated.UnixNano()))
	return append(v, m.Ref...)
}

func (t *tx) Mutation(service, identity, id string) (*model.Mutation, error) {
	if _, err := t.service(service); err != nil {
		return nil, err
	}
	b := t.btx.Bucket(bucketMutations).Bucket([]byte(service))
	if b == nil {
		return nil, model.ErrNotFound
	}
	v := b.Bucket(bucketMutationIDs).Get(mutationKey(identity, id))
	if v == nil {
		return nil, model.ErrNotFound
	}
	return decodeMutationValue(service, identity, id, v)
}

// decodeMutationValue decodes the value of identity's mutation id (see
// mutationValue).
func decodeMutationValue(service, identity, id string, v []byte) (*model.Mutation, error) {
	if len(v) < 8 {
		return nil, fmt.Errorf("bolt: malformed mutation record (%d bytes)", len(v))
	}
	return &model.Mutation{
		ServiceSid:  service,
		Identity:    identity,
		ID:          id,
		Ref:         string(v[8:]),
		DateCreated: time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))).UTC(),
	}, nil
}

func (t *tx) InsertMutation(m *model.Mutation, keep int) error {
	if _, err := t.service(m.ServiceSid); err != nil {
		return err
	}
	b, err := t.mutations(m.ServiceSid)
	if err != nil {
		return err
	}
	ids, order := b.Bucket(bucketMutationIDs), b.Bucket(bucketMutationOrder)
	key := mutationKey(m.Identity, m.ID)
	if ids.Get(key) != nil {
		return &model.TakenError{Field: "id"}
	}
	seq, err := order.NextSequence()
	if err != nil {
		return err
	}
	if err := ids.Put(key, mutationValue(m)); err != nil {
		return err
	}
	if err := order.Put(deliveryKey(seq), key); err != nil {
		return err
	}
	return trimMutations(ids, order, seq, keep)
}

// mutations returns the mutation subtree of a Service, creating it on the
// Service's first record.
func (t *tx) mutations(service string) (*bbolt.Bucket, error) {
	b, err := t.btx.Bucket(bucketMutations).CreateBucketIfNotExists([]byte(service))
	if err != nil {
		return nil, err
	}
	if err := ensureBuckets(b, [][]byte{bucketMutationIDs, bucketMutationOrder}); err != nil {
		return nil, err
	}
	return b, nil
}

// trimMutations forgets the records inserted before the newest keep, newest
// being the one of sequence number last. Each insert forgets at most the
// few that fell out, so the cost stays constant.
func trimMutations(ids, order *bbolt.Bucket, last uint64, keep int) error {
	if keep < 1 || last <= uint64(keep) {
		return nil
	}
	oldest := last - uint64(keep) // the newest record to forget
	c := order.Cursor()
	for k, v := c.First(); k != nil && binary.BigEndian.Uint64(k) <= oldest; k, v = c.First() {
		if err := ids.Delete(v); err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// deleteMutations removes a Service's mutation records with it.
func (t *tx) deleteMutations(service string) error {
	err := t.btx.Bucket(bucketMutations).DeleteBucket([]byte(service))
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}
