package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// TestSyncLogStartWaits: a send on one node reads that the Service's Sync
// log is not started, and so appends no events; StartSyncLog on another
// node waits for the send to commit, and then finds its Message, which a
// client's first fetch after the start would find too.
func TestSyncLogStartWaits(t *testing.T) {
	dbs := openNodes(t, 2)
	ctx := context.Background()
	service := sid("IS", 1)
	seed(t, dbs[0], func(tx model.Tx) error {
		if err := tx.InsertService(newService(1)); err != nil {
			return err
		}
		return tx.InsertChannel(newChannel(1, ""))
	})
	read, release := make(chan struct{}), make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		sent <- dbs[0].Update(ctx, func(tx model.Tx) error {
			if err := tx.AppendMessage(&model.Message{ServiceSid: service, ChannelSid: sid("CH", 1), Body: "hi"}); err != nil {
				return err
			}
			if started, err := tx.SyncLogStarted(service); err != nil || started {
				t.Errorf("SyncLogStarted in the send = %v, %v; want false", started, err)
			}
			select {
			case <-read:
			default:
				close(read)
			}
			<-release
			return nil
		})
	}()
	<-read
	messages := -1
	started := make(chan error, 1)
	go func() {
		started <- dbs[1].Update(ctx, func(tx model.Tx) error {
			if err := tx.StartSyncLog(service); err != nil {
				return err
			}
			c, err := tx.Channel(service, sid("CH", 1))
			if err == nil {
				messages = c.MessagesCount
			}
			return err
		})
	}()
	// The start waits for the send's lock.
	waiting := false
	for deadline := time.Now().Add(10 * time.Second); !waiting && time.Now().Before(deadline); {
		if err := dbs[1].pool.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_locks WHERE NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if !waiting {
			select {
			case err := <-started:
				close(release)
				t.Fatalf("StartSyncLog returned (%v) while a send that found the log not started was in flight", err)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	close(release)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	if !waiting {
		t.Error("StartSyncLog never waited for the send's lock")
	}
	if messages != 1 {
		t.Errorf("after StartSyncLog, the Channel has %d Messages, want the send's 1", messages)
	}
	var head uint64
	err := dbs[1].View(ctx, func(tx model.Tx) (err error) {
		head, err = tx.SyncHead(service)
		return err
	})
	if err != nil || head != 0 {
		t.Errorf("SyncHead = %d, %v; want 0: nothing appended events", head, err)
	}
}
