package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// countMessages counts the rows of messages of Service 1 (of one Channel
// when channel is not "").
func countMessages(t *testing.T, d *DB, channel string) int {
	t.Helper()
	var n int
	err := d.pool.QueryRow(context.Background(), `SELECT count(*) FROM messages
		WHERE service_sid = $1 AND ($2 = '' OR channel_sid = $2)`, sid("IS", 1), channel).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func appendTo(channel, sidOf string) func(model.Tx) error {
	return func(tx model.Tx) error {
		return tx.AppendMessage(&model.Message{Sid: sidOf, ServiceSid: sid("IS", 1), ChannelSid: channel,
			From: "alice", Body: "hi", Attributes: "{}", DateCreated: testNow, DateUpdated: testNow})
	}
}

// TestDeletesTakeMessages: messages have no foreign key to cascade along;
// the deletes of a Channel, of a Service and of everything take their
// Messages rows with them.
func TestDeletesTakeMessages(t *testing.T) {
	d := openNodes(t, 1)[0]
	seed(t, d, func(tx model.Tx) error {
		for _, fn := range []func(model.Tx) error{
			func(tx model.Tx) error { return tx.InsertService(newService(1)) },
			func(tx model.Tx) error { return tx.InsertChannel(newChannel(1, "")) },
			func(tx model.Tx) error { return tx.InsertChannel(newChannel(2, "")) },
			appendTo(sid("CH", 1), sid("IM", 1)), appendTo(sid("CH", 1), sid("IM", 2)), appendTo(sid("CH", 2), sid("IM", 3)),
		} {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	seed(t, d, func(tx model.Tx) error { return tx.DeleteChannelTree(sid("IS", 1), sid("CH", 1)) })
	if n := countMessages(t, d, sid("CH", 1)); n != 0 {
		t.Errorf("%d rows of messages of the deleted Channel, want 0", n)
	}
	if n := countMessages(t, d, sid("CH", 2)); n != 1 {
		t.Errorf("%d rows of messages of the other Channel, want 1", n)
	}
	seed(t, d, func(tx model.Tx) error { return tx.DeleteServiceTree(sid("IS", 1)) })
	if n := countMessages(t, d, ""); n != 0 {
		t.Errorf("%d rows of messages of the deleted Service, want 0", n)
	}
	seed(t, d, func(tx model.Tx) error {
		if err := tx.InsertService(newService(1)); err != nil {
			return err
		}
		if err := tx.InsertChannel(newChannel(3, "")); err != nil {
			return err
		}
		return appendTo(sid("CH", 3), sid("IM", 4))(tx)
	})
	seed(t, d, func(tx model.Tx) error { return tx.Wipe() })
	if n := countMessages(t, d, ""); n != 0 {
		t.Errorf("%d rows of messages after Wipe, want 0", n)
	}
}

// TestDeleteChannelAfterAppend: a delete of a Channel that waits for the
// row an append holds takes the Message that append commits.
func TestDeleteChannelAfterAppend(t *testing.T) {
	dbs := openNodes(t, 2)
	seed(t, dbs[0], func(tx model.Tx) error {
		if err := tx.InsertService(newService(1)); err != nil {
			return err
		}
		return tx.InsertChannel(newChannel(1, ""))
	})
	appended, deleted := make(chan struct{}), make(chan error, 1)
	go func() {
		<-appended
		deleted <- dbs[1].Update(context.Background(), func(tx model.Tx) error {
			return tx.DeleteChannelTree(sid("IS", 1), sid("CH", 1))
		})
	}()
	var once sync.Once
	err := dbs[0].Update(context.Background(), func(tx model.Tx) error {
		if err := appendTo(sid("CH", 1), sid("IM", 1))(tx); err != nil {
			return err
		}
		once.Do(func() {
			close(appended)
			waitForLockWait(t, dbs[0]) // the delete, for the Channel's row
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("DeleteChannelTree: %v", err)
	}
	if n := countMessages(t, dbs[0], sid("CH", 1)); n != 0 {
		t.Errorf("%d rows of messages of the deleted Channel, want 0: the append's was left", n)
	}
}

// TestAppendReadsAuthorByIdentity: the append reads the Member whose
// identity is the author, which the Update's Member then gives without a
// statement; an author that may be a Member's SID is looked up as one.
func TestAppendReadsAuthorByIdentity(t *testing.T) {
	d := openNodes(t, 1)[0]
	svc, ch := sid("IS", 1), sid("CH", 1)
	member := func(n int, identity string) func(model.Tx) error {
		return func(tx model.Tx) error {
			u := &model.User{Sid: sid("US", n), ServiceSid: svc, Identity: identity, Attributes: "{}", RoleSid: sid("RL", 1),
				DateCreated: testNow, DateUpdated: testNow}
			if err := tx.InsertUser(u); err != nil {
				return err
			}
			return tx.InsertMember(&model.Member{Sid: sid("MB", n), ServiceSid: svc, ChannelSid: ch, UserSid: u.Sid,
				Identity: identity, RoleSid: sid("RL", 1), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow})
		}
	}
	seed(t, d, func(tx model.Tx) error {
		for _, fn := range []func(model.Tx) error{
			func(tx model.Tx) error { return tx.InsertService(newService(1)) },
			func(tx model.Tx) error { return tx.InsertChannel(newChannel(1, "")) },
			member(1, "alice"),
			member(2, sid("MB", 1)), // an identity that is the SID of alice's Member
		} {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	for _, c := range []struct{ author, want string }{
		{"alice", sid("MB", 1)},
		{sid("MB", 1), sid("MB", 1)}, // by SID first, as Member finds keys
		{"nobody", ""},
	} {
		var got *model.Member
		err := d.Update(context.Background(), func(tx model.Tx) (err error) {
			m := &model.Message{ServiceSid: svc, ChannelSid: ch, From: c.author, Body: "hi", Attributes: "{}",
				DateCreated: testNow, DateUpdated: testNow}
			if err := tx.AppendMessage(m); err != nil {
				return err
			}
			got, err = tx.Member(svc, ch, c.author)
			if errors.Is(err, model.ErrNotFound) {
				err = nil
			}
			return err
		})
		switch {
		case err != nil:
			t.Errorf("author %s: %v", c.author, err)
		case c.want == "" && got != nil:
			t.Errorf("Member(%s) after its append = %s, want none", c.author, got.Sid)
		case c.want != "" && (got == nil || got.Sid != c.want):
			t.Errorf("Member(%s) after its append = %+v, want %s", c.author, got, c.want)
		}
	}
}

// waitForLockWait waits until a session of the database waits for a lock.
func waitForLockWait(t *testing.T, d *DB) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var n int
		err := d.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		if err != nil {
			t.Error(err)
			return
		}
		if n > 0 {
			return
		}
	}
	t.Error("no session came to wait for a lock")
}
