package bolt

import (
	"bytes"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// The subtree of a Service is a bucket of the file's root named by its SID
// (schema 10): a commit writes its path from the root, and a level less is
// a page less per commit. The root's other buckets have lowercase names,
// which no SID has, so the Services are the root's keys that start with
// the Service SID prefix.

// servicePrefix begins the name of every Service's bucket.
var servicePrefix = []byte(model.PrefixService)

// serviceName is the name of the root bucket of the Service sid; false for
// a string that is no Service SID, which no Service has.
func serviceName(sid string) ([]byte, bool) {
	return []byte(sid), strings.HasPrefix(sid, model.PrefixService)
}

// serviceNames lists the names of the Services' buckets, in SID order.
func serviceNames(btx *bbolt.Tx) [][]byte {
	var names [][]byte
	c := btx.Cursor()
	for k, _ := c.Seek(servicePrefix); k != nil && bytes.HasPrefix(k, servicePrefix); k, _ = c.Next() {
		names = append(names, bytes.Clone(k))
	}
	return names
}

// eachService calls fn with the subtree of every Service, in SID order.
func eachService(btx *bbolt.Tx, fn func(sid []byte, dir *bbolt.Bucket) error) error {
	for _, name := range serviceNames(btx) {
		if err := fn(name, btx.Bucket(name)); err != nil {
			return err
		}
	}
	return nil
}

// prefixEnd is the first key above every key that starts with prefix,
// whose last byte is not 0xff.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	end[len(end)-1]++
	return end
}
