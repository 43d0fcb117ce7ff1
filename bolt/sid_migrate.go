package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.etcd.io/bbolt"
)

// Schema 5 kept each Channel's SID index as message_sids/<IM sid>, keyed
// by the SID's 34 characters; schema 6 keys it by the 16 bytes they spell
// (messageSidKey), in messages_by_sid. The step to 6 only marks the file
// (keyRekeyingMessageSids), in the transaction that sets its version, so
// that no schema-5 chatd opens a file half moved; Open then moves the
// indexes over in transactions of at most rekeyBatch entries, so that
// memory stays bounded however many Messages a Channel has, and removes
// the mark in the last one. An interrupted move goes on at the next Open.

// bucketMessageSidsV5 is the SID index of schema 5.
var bucketMessageSidsV5 = []byte("message_sids")

// keyRekeyingMessageSids marks a file whose SID indexes are still moving.
var keyRekeyingMessageSids = []byte("rekeying_message_sids")

// rekeyBatch bounds the index entries one transaction of the move writes.
const rekeyBatch = 100_000

// startRekeyingMessageSids is the step from schema 5 to 6.
func startRekeyingMessageSids(tx *bbolt.Tx) error {
	return tx.Bucket(bucketMeta).Put(keyRekeyingMessageSids, []byte{})
}

// rekeyMessageSids moves the SID index of every Channel when the file is
// marked, batch entries a transaction, and removes the mark in the last
// one.
func rekeyMessageSids(bdb *bbolt.DB, batch int, log *slog.Logger) error {
	var marked bool
	err := bdb.View(func(tx *bbolt.Tx) error {
		marked = tx.Bucket(bucketMeta).Get(keyRekeyingMessageSids) != nil
		return nil
	})
	if err != nil || !marked {
		return err
	}
	log.Info("migrating the chatd file to schema version 6: re-keying the Message SID index of every Channel", "path", bdb.Path())
	start, moved := time.Now(), 0
	for done := false; !done; {
		err := bdb.Update(func(tx *bbolt.Tx) error {
			left, err := rekeySome(tx, batch)
			if err != nil {
				return err
			}
			moved += batch - left
			if done = left > 0; done {
				return tx.Bucket(bucketMeta).Delete(keyRekeyingMessageSids)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("bolt: migrating %s to schema version 6: %w", bdb.Path(), err)
		}
	}
	log.Info("migrated the chatd file", "path", bdb.Path(), "entries", moved, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// errBatchFull stops the walk of rekeySome when its batch is full.
var errBatchFull = errors.New("batch full")

// rekeySome moves up to batch entries of the Channels' schema-5 SID
// indexes and returns how many of batch it left unused: more than none
// only when no schema-5 index is left.
func rekeySome(tx *bbolt.Tx, batch int) (left int, err error) {
	left = batch
	err = eachService(tx, func(_ []byte, service *bbolt.Bucket) error {
		return eachSubtree(service.Bucket(bucketChannelData), func(channel *bbolt.Bucket) error {
			if left == 0 {
				return errBatchFull
			}
			n, err := rekeyChannel(channel, left)
			left -= n
			return err
		})
	})
	if errors.Is(err, errBatchFull) {
		err = nil
	}
	return left, err
}

// rekeyChannel moves up to limit entries of the schema-5 SID index of the
// channel_data bucket b into its schema-6 one, oldest first, removes the
// old index once it is empty, and returns how many it moved.
func rekeyChannel(b *bbolt.Bucket, limit int) (int, error) {
	old := b.Bucket(bucketMessageSidsV5)
	if old == nil {
		return 0, nil
	}
	index, err := b.CreateBucketIfNotExists(bucketMessagesBySid)
	if err != nil {
		return 0, err
	}
	appendOnly(index)
	var moved [][]byte
	c := old.Cursor()
	k, v := c.First()
	for ; k != nil && len(moved) < limit; k, v = c.Next() {
		if err := index.Put(messageSidKey(string(k)), bytes.Clone(v)); err != nil {
			return 0, err
		}
		moved = append(moved, bytes.Clone(k))
	}
	if k == nil {
		return len(moved), b.DeleteBucket(bucketMessageSidsV5)
	}
	for _, k := range moved {
		if err := old.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(moved), nil
}
