package bolt

import (
	"errors"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// endpointKey is the unique key of a device: its binding type and endpoint.
func endpointKey(bindingType, endpoint string) []byte {
	return []byte(bindingType + "\x00" + endpoint)
}

func (t *tx) Binding(service, sid string) (*model.Binding, error) {
	b, err := t.serviceChild(service, bucketBindings)
	if err != nil {
		return nil, err
	}
	return bindingCodec.get(b, sid)
}

func (t *tx) BindingFor(service, bindingType, endpoint string) (*model.Binding, error) {
	bs, err := t.children(service, bucketBindings, bucketBindingEndpoints)
	if err != nil {
		return nil, err
	}
	sid := bs[1].Get(endpointKey(bindingType, endpoint))
	if sid == nil {
		return nil, model.ErrNotFound
	}
	return bindingCodec.decode(bs[0].Get(sid))
}

// errStop ends a walk early without an error.
var errStop = errors.New("stop")

// Bindings walks one type's index for a single type, and otherwise the
// bindings bucket, keeping only the wanted types.
func (t *tx) Bindings(service string, types []string, w model.Window) ([]*model.Binding, error) {
	bs, err := t.children(service, bucketBindings, bucketBindingTypes)
	if err != nil {
		return nil, err
	}
	bindings, byType := bs[0], bs[1]
	types = slices.Compact(slices.Sorted(slices.Values(types)))
	var out []*model.Binding
	if len(types) == 1 {
		index := byType.Bucket([]byte(types[0]))
		if index == nil {
			return nil, nil
		}
		err := walk(index, sidKey(w), w, func(k, _ []byte) error {
			b, err := bindingCodec.decode(bindings.Get(k))
			if err != nil {
				return err
			}
			out = append(out, b)
			return nil
		})
		return out, err
	}
	all := model.Window{After: w.After, Reverse: w.Reverse}
	err = walk(bindings, sidKey(w), all, func(_, v []byte) error {
		b, err := bindingCodec.decode(v)
		if err != nil {
			return err
		}
		if len(types) == 0 || slices.Contains(types, b.BindingType) {
			out = append(out, b)
		}
		if w.Limit > 0 && len(out) == w.Limit {
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return out, err
}

func (t *tx) UserBindings(service, user string) ([]*model.Binding, error) {
	bs, err := t.children(service, bucketBindings, bucketUserBindings)
	if err != nil {
		return nil, err
	}
	index := bs[1].Bucket([]byte(user))
	if index == nil {
		return nil, nil
	}
	var out []*model.Binding
	err = index.ForEach(func(k, _ []byte) error {
		b, err := bindingCodec.decode(bs[0].Get(k))
		if err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	return out, err
}

func (t *tx) InsertBinding(b *model.Binding) error {
	bs, err := t.children(b.ServiceSid, bucketBindings, bucketBindingTypes, bucketBindingEndpoints, bucketUserBindings)
	if err != nil {
		return err
	}
	bindings, byType, endpoints, byUser := bs[0], bs[1], bs[2], bs[3]
	if bindings.Get([]byte(b.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	if endpoints.Get(endpointKey(b.BindingType, b.Endpoint)) != nil {
		return &model.TakenError{Field: "endpoint"}
	}
	if err := endpoints.Put(endpointKey(b.BindingType, b.Endpoint), []byte(b.Sid)); err != nil {
		return err
	}
	if err := indexUnder(byType, b.BindingType, b.Sid); err != nil {
		return err
	}
	if err := indexUnder(byUser, b.UserSid, b.Sid); err != nil {
		return err
	}
	return bindingCodec.put(bindings, []byte(b.Sid), b)
}

func (t *tx) PutBinding(b *model.Binding) error {
	bindings, err := t.serviceChild(b.ServiceSid, bucketBindings)
	if err != nil {
		return err
	}
	old, err := bindingCodec.get(bindings, b.Sid)
	if err != nil {
		return err
	}
	b.BindingType, b.Endpoint, b.UserSid, b.Identity = old.BindingType, old.Endpoint, old.UserSid, old.Identity
	return bindingCodec.put(bindings, []byte(b.Sid), b)
}

func (t *tx) DeleteBinding(service, sid string) error {
	bs, err := t.children(service, bucketBindings, bucketBindingTypes, bucketBindingEndpoints, bucketUserBindings)
	if err != nil {
		return err
	}
	bindings, byType, endpoints, byUser := bs[0], bs[1], bs[2], bs[3]
	b, err := bindingCodec.get(bindings, sid)
	if err != nil {
		return err
	}
	if err := endpoints.Delete(endpointKey(b.BindingType, b.Endpoint)); err != nil {
		return err
	}
	if err := unindexUnder(byType, b.BindingType, sid); err != nil {
		return err
	}
	if err := unindexUnder(byUser, b.UserSid, sid); err != nil {
		return err
	}
	return bindings.Delete([]byte(sid))
}

// indexUnder adds sid to the nested index bucket name of parent.
func indexUnder(parent *bbolt.Bucket, name, sid string) error {
	b, err := parent.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return err
	}
	return b.Put([]byte(sid), []byte{})
}

// unindexUnder removes sid from the nested index bucket name of parent.
func unindexUnder(parent *bbolt.Bucket, name, sid string) error {
	if b := parent.Bucket([]byte(name)); b != nil {
		return b.Delete([]byte(sid))
	}
	return nil
}
