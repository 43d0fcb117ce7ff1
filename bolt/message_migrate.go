package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.etcd.io/bbolt"
)

// Up to schema 7 a Channel's Messages lived in channel_data/<CH>/messages;
// schema 8 keeps them in channel_messages/<CH>, a bucket level nearer the
// Service, so that a send no longer rewrites a page of the Channel's
// channel_data subtree. The step to 8 adds channel_messages to every
// Service and marks the file (keyMovingMessages), in the transaction that
// sets its version, so that no chatd of schema 7 opens a file half moved.
// Open then copies the Messages over in transactions of at most
// moveTxBytes of records, so that memory stays bounded however large the
// file, and removes the mark in the last one. A Channel's old bucket goes
// once all of it is copied; until then the copy's last key says where to go
// on from, so an interrupted move goes on at the next Open.

// bucketMessagesV7 is the Messages bucket of a channel_data subtree up to
// schema 7.
var bucketMessagesV7 = []byte("messages")

// keyMovingMessages marks a file whose Messages are still moving.
var keyMovingMessages = []byte("moving_messages")

// moveTxBytes bounds the record bytes one transaction of the move copies.
const moveTxBytes = 16 << 20

// startMovingMessages is the step from schema 7 to 8.
func startMovingMessages(tx *bbolt.Tx) error {
	err := eachSubtree(tx.Bucket(bucketServicesV9), func(service *bbolt.Bucket) error {
		_, err := service.CreateBucketIfNotExists(bucketChannelMessages)
		return err
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keyMovingMessages, []byte{})
}

// moveMessages moves the Messages of every Channel when the file is
// marked, at most txBytes of records a transaction, and removes the mark
// in the last one.
func moveMessages(bdb *bbolt.DB, txBytes int, log *slog.Logger) error {
	var marked bool
	err := bdb.View(func(tx *bbolt.Tx) error {
		marked = tx.Bucket(bucketMeta).Get(keyMovingMessages) != nil
		return nil
	})
	if err != nil || !marked {
		return err
	}
	log.Info("migrating the chatd file to schema version 8: moving the Messages of every Channel", "path", bdb.Path())
	start, moved := time.Now(), 0
	for done := false; !done; {
		err := bdb.Update(func(tx *bbolt.Tx) error {
			n, full, err := moveSome(tx, txBytes)
			if err != nil {
				return err
			}
			moved += n
			if done = !full; done {
				return tx.Bucket(bucketMeta).Delete(keyMovingMessages)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("bolt: migrating %s to schema version 8: %w", bdb.Path(), err)
		}
	}
	log.Info("migrated the chatd file", "path", bdb.Path(), "messages", moved, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// moveSome copies Messages until txBytes of records are copied or none is
// left to move, and returns how many it copied and whether it stopped for
// the bound (full) rather than for lack of Messages.
func moveSome(tx *bbolt.Tx, txBytes int) (moved int, full bool, err error) {
	budget := txBytes
	err = eachService(tx, func(_ []byte, service *bbolt.Bucket) error {
		all, err := service.CreateBucketIfNotExists(bucketChannelMessages)
		if err != nil {
			return err
		}
		return eachSubtreeNamed(service.Bucket(bucketChannelData), func(sid []byte, data *bbolt.Bucket) error {
			if budget <= 0 {
				return errBatchFull
			}
			n, used, more, err := moveChannel(data, all, sid, budget)
			moved, budget = moved+n, budget-used
			if err == nil && more {
				err = errBatchFull
			}
			return err
		})
	})
	if errors.Is(err, errBatchFull) {
		return moved, true, nil
	}
	return moved, false, err
}

// moveChannel copies the Messages of the channel_data bucket data of
// Channel sid into all/<sid>, going on after the last one copied, until
// budget bytes of records are copied; once all are, it removes the old
// bucket. It returns the Messages and bytes it copied, and whether some
// are left.
func moveChannel(data, all *bbolt.Bucket, sid []byte, budget int) (moved, used int, more bool, err error) {
	old := data.Bucket(bucketMessagesV7)
	if old == nil {
		if all.Bucket(sid) == nil { // not moved earlier: none to move
			_, err = all.CreateBucket(sid)
		}
		return 0, 0, false, err
	}
	to, err := all.CreateBucketIfNotExists(sid)
	if err != nil {
		return 0, 0, false, err
	}
	appendOnly(to)
	if err := to.SetSequence(old.Sequence()); err != nil {
		return 0, 0, false, err
	}
	c := old.Cursor()
	k, v := c.First()
	if last, _ := to.Cursor().Last(); last != nil {
		if k, v = c.Seek(last); k != nil && bytes.Equal(k, last) {
			k, v = c.Next()
		}
	}
	for ; k != nil && used < budget; k, v = c.Next() {
		if err := to.Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
			return 0, 0, false, err
		}
		moved, used = moved+1, used+len(k)+len(v)
	}
	if k == nil {
		return moved, used, false, data.DeleteBucket(bucketMessagesV7)
	}
	return moved, used, true, nil
}

// eachSubtreeNamed calls fn with the key and bucket of every nested bucket
// of b.
func eachSubtreeNamed(b *bbolt.Bucket, fn func(name []byte, sub *bbolt.Bucket) error) error {
	var names [][]byte
	if err := b.ForEachBucket(func(k []byte) error {
		names = append(names, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, name := range names {
		if err := fn(name, b.Bucket(name)); err != nil {
			return err
		}
	}
	return nil
}
