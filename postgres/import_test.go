package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
)

// importFixture is a small store's records, with the counts and counters
// a store would have after deletions: Messages 0, 1, 3, 4 and 6 of
// Channel 1 are gone, so its next index is 7 although it holds two.
type importFixture struct {
	service  *model.Service
	user     *model.User
	channel  *model.Channel
	member   *model.Member
	messages []*model.Message
	media    *model.Media
	content  []byte
	mutation *model.Mutation
	object   *model.SyncObjectLog
	event    *model.SyncEvent
	pending  *model.Delivery
	finished *model.Delivery
	key      *model.APIKey
}

func newImportFixture() *importFixture {
	const s, ch, us = "IS00000000000000000000000000000001", "CH00000000000000000000000000000001", "US00000000000000000000000000000001"
	at := testNow.Add(-time.Hour)
	f := &importFixture{
		service: &model.Service{Sid: s, FriendlyName: "imported", DateCreated: at, DateUpdated: at},
		user:    &model.User{Sid: us, ServiceSid: s, Identity: "alice", Attributes: "{}", JoinedChannelsCount: 1, DateCreated: at, DateUpdated: at},
		channel: &model.Channel{Sid: ch, ServiceSid: s, UniqueName: ptr("general"), Type: "public", Attributes: "{}",
			MembersCount: 1, MessagesCount: 2, LastMessageSid: "IM00000000000000000000000000000005", DateCreated: at, DateUpdated: at},
		member: &model.Member{Sid: "MB00000000000000000000000000000001", ServiceSid: s, ChannelSid: ch, UserSid: us, Identity: "alice",
			Attributes: "{}", LastConsumedMessageIndex: ptr(5), DateCreated: at, DateUpdated: at},
		content:  bytes.Repeat([]byte("0123456789abcdef"), model.MediaChunkSize/16+100),
		mutation: &model.Mutation{ServiceSid: s, Identity: "alice", ID: "m1", Ref: "message/" + ch + "/IM00000000000000000000000000000002", DateCreated: at},
		object:   &model.SyncObjectLog{ServiceSid: s, ObjectSid: "MA1", LastEventID: 17, Trimmed: 12, Events: 1, DateUpdated: at},
		event:    &model.SyncEvent{ServiceSid: s, ObjectSid: "MA1", ID: 17, Date: at, Payload: []byte(`{"x":1}`)},
		pending:  &model.Delivery{ID: 8, ServiceSid: s, Event: "onMessageSent", URL: "http://hooks.example.com", Method: "POST", Status: model.DeliveryPending, DateCreated: at, DateUpdated: at, NextAttempt: at},
		finished: &model.Delivery{ID: 9, ServiceSid: s, Event: "onMessageSent", URL: "http://hooks.example.com", Method: "POST", Status: model.DeliveryDelivered, Attempts: 1, ResponseCode: 200, DateCreated: at, DateUpdated: at},
		key:      &model.APIKey{Sid: "SK00000000000000000000000000000001", SealedSecret: []byte("sealed"), DateCreated: at, DateUpdated: at},
	}
	for _, i := range []int{2, 5} {
		f.messages = append(f.messages, &model.Message{Sid: "IM0000000000000000000000000000000" + string(rune('0'+i)), ServiceSid: s, ChannelSid: ch,
			Index: i, From: "alice", Body: "kept", Attributes: "{}", DateCreated: at, DateUpdated: at})
	}
	f.media = &model.Media{Sid: "ME00000000000000000000000000000001", ServiceSid: s, ChannelSid: ch, MessageSid: f.messages[1].Sid,
		Size: int64(len(f.content)), ContentType: "image/png", Author: "alice", DateCreated: at, DateUpdated: at}
	f.messages[1].Media = &model.MessageMedia{Sid: f.media.Sid, Size: f.media.Size, ContentType: "image/png"}
	return f
}

// fill hands the fixture to l, as an export does.
func (f *importFixture) fill(l model.Loader) error {
	steps := []func() error{
		func() error { return l.Setting("dev_auth_token", "token") },
		func() error { return l.APIKey(f.key) },
		func() error { return l.Service(f.service) },
		func() error { return l.User(f.user) },
		func() error { return l.Channel(f.channel, 6) },
		func() error { return l.Member(f.member) },
		func() error { return l.Message(f.messages[0]) },
		func() error { return l.Message(f.messages[1]) },
		func() error { return l.Media(f.media) },
		func() error {
			return l.MediaChunk(f.media.ServiceSid, f.media.Sid, 0, f.content[:model.MediaChunkSize])
		},
		func() error {
			return l.MediaChunk(f.media.ServiceSid, f.media.Sid, 1, f.content[model.MediaChunkSize:])
		},
		func() error { return l.Mutation(f.mutation, 3) },
		func() error { return l.SyncObject(f.object) },
		func() error { return l.SyncEvent(f.event) },
		func() error { return l.Delivery(f.pending) },
		func() error { return l.Delivery(f.finished) },
		func() error { return l.Counters(10, 20) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// TestImport copies the fixture in transactions of one row each: every
// record reads back as it was given, and what the Tx then assigns (the
// next Message index, delivery ID and Sync event ID) continues from the
// copied counters.
func TestImport(t *testing.T) {
	d := openAt(t, pgtest.New(t))
	defer d.Close()
	f := newImportFixture()
	var reports []ImportProgress
	copied, err := d.Import(context.Background(), f.fill, ImportOptions{Source: "chatd.db", TxBytes: 1,
		Progress: func(p ImportProgress) { reports = append(reports, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if copied.Rows() != 16 || len(reports) != 16 || reports[0].Rows() != 1 || reports[15].Rows() != 16 {
		t.Errorf("copied %d rows in %d transactions (reports %v), want 16 in 16, one at a time", copied.Rows(), len(reports), reports)
	}
	if err := d.CheckImport(context.Background()); err != nil {
		t.Errorf("CheckImport after the copy: %v", err)
	}
	same := func(what string, got, want any) {
		t.Helper()
		if !equalJSON(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", what, mustJSON(got), mustJSON(want))
		}
	}
	ctx := context.Background()
	err = d.View(ctx, func(tx model.Tx) error {
		s := f.service.Sid
		if v, _ := tx.Setting("dev_auth_token"); v != "token" {
			t.Errorf("setting = %q", v)
		}
		key, _ := tx.APIKey(f.key.Sid)
		same("API key", key, f.key)
		u, _ := tx.User(s, "alice")
		same("User", u, f.user)
		c, _ := tx.Channel(s, "general")
		same("Channel", c, f.channel)
		m, _ := tx.Member(s, f.channel.Sid, "alice")
		same("Member", m, f.member)
		msgs, _ := tx.Messages(s, f.channel.Sid, model.Window{})
		same("Messages", msgs, f.messages)
		if n, _ := tx.CountMessagesAfter(s, f.channel.Sid, 2); n != 1 {
			t.Errorf("CountMessagesAfter(2) = %d, want 1", n)
		}
		me, _ := tx.Media(s, f.media.Sid)
		same("Media", me, f.media)
		content := make([]byte, len(f.content))
		if n, err := tx.ReadMedia(s, f.media.Sid, content, 0); n != len(content) || (err != nil && err != io.EOF) || !bytes.Equal(content, f.content) {
			t.Errorf("ReadMedia = %d, %v; the content differs: %v", n, err, !bytes.Equal(content, f.content))
		}
		mu, _ := tx.Mutation(s, "alice", "m1")
		same("Mutation", mu, f.mutation)
		o, _ := tx.SyncObjectLog(s, "MA1")
		same("Sync object", o, f.object)
		events, _ := tx.SyncFeed(s, 0, 0)
		same("Sync events", events, []*model.SyncEvent{f.event})
		pending, _ := tx.PendingDeliveries(0, 0)
		same("pending deliveries", pending, []*model.Delivery{f.pending})
		all, _ := tx.Deliveries("", model.Window{})
		same("deliveries", all, []*model.Delivery{f.pending, f.finished})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var lane []byte
	if err := d.pool.QueryRow(ctx, `SELECT lane FROM deliveries WHERE id = $1`, int64(f.pending.ID)).Scan(&lane); err != nil || !bytes.Equal(lane, laneKey(f.pending)) {
		t.Errorf("the pending delivery's lane = %x, %v; want %x, as its claims need", lane, err, laneKey(f.pending))
	}
	err = d.Update(ctx, func(tx model.Tx) error {
		m := &model.Message{ServiceSid: f.service.Sid, ChannelSid: f.channel.Sid, Sid: "IM00000000000000000000000000000009", Attributes: "{}"}
		if err := tx.AppendMessage(m); err != nil || m.Index != 7 {
			t.Errorf("the next Message: index %d, %v; want 7", m.Index, err)
		}
		dl := &model.Delivery{ServiceSid: f.service.Sid, Status: model.DeliveryPending}
		if err := tx.EnqueueDelivery(dl); err != nil || dl.ID != 11 {
			t.Errorf("the next delivery: ID %d, %v; want 11", dl.ID, err)
		}
		if id, err := tx.ReserveSyncEventIDs(f.service.Sid, 1); err != nil || id != 21 {
			t.Errorf("the next Sync event ID: %d, %v; want 21", id, err)
		}
		// The Service's mutation sequence goes on from 3: keeping the
		// newest one forgets m1.
		if err := tx.InsertMutation(&model.Mutation{ServiceSid: f.service.Sid, Identity: "alice", ID: "m2", DateCreated: testNow}, 1); err != nil {
			return err
		}
		if _, err := tx.Mutation(f.service.Sid, "alice", "m1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("m1 after a newer mutation with keep 1: %v, want it forgotten", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func equalJSON(a, b any) bool { return mustJSON(a) == mustJSON(b) }

// TestImportRefusesNotEmpty: a database that holds anything of a chatd is
// refused before anything is copied.
func TestImportRefusesNotEmpty(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]struct {
		put  func(model.Tx) error
		want string
	}{
		"a setting":  {func(tx model.Tx) error { return tx.PutSetting("dev_auth_token", "x") }, "settings"},
		"a Service":  {func(tx model.Tx) error { return tx.InsertService(newImportFixture().service) }, "Services"},
		"an API key": {func(tx model.Tx) error { return tx.InsertAPIKey(newImportFixture().key) }, "API keys"},
		"a delivery": {func(tx model.Tx) error { return tx.EnqueueDelivery(&model.Delivery{Status: model.DeliveryPending}) }, "webhook deliveries"},
	} {
		t.Run(name, func(t *testing.T) {
			d := openAt(t, pgtest.New(t))
			defer d.Close()
			if err := d.Update(ctx, c.put); err != nil {
				t.Fatal(err)
			}
			filled := false
			_, err := d.Import(ctx, func(model.Loader) error { filled = true; return nil }, ImportOptions{})
			if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), c.want) || filled {
				t.Errorf("Import: %v (filled: %v), want ErrNotEmpty naming %s", err, filled, c.want)
			}
		})
	}
}

// TestImportUnfinished: a copy that fails leaves the part it committed,
// marked, and CheckImport and a new Import refuse the database; a copy
// that fails before it commits anything leaves it empty.
func TestImportUnfinished(t *testing.T) {
	ctx := context.Background()
	d := openAt(t, pgtest.New(t))
	defer d.Close()
	broken := errors.New("the source is broken")
	_, err := d.Import(ctx, func(model.Loader) error { return broken }, ImportOptions{})
	if !errors.Is(err, broken) {
		t.Fatalf("Import: %v", err)
	}
	if err := d.CheckImport(ctx); err != nil {
		t.Errorf("CheckImport after a copy that wrote nothing: %v", err)
	}

	f := newImportFixture()
	copied, err := d.Import(ctx, func(l model.Loader) error {
		if err := f.fill(l); err != nil {
			return err
		}
		return broken
	}, ImportOptions{Source: "chatd.db", TxBytes: 1000})
	if !errors.Is(err, broken) || copied.Rows() == 0 {
		t.Fatalf("Import: %v, %d rows copied; want the fill's error after some rows", err, copied.Rows())
	}
	if err := d.CheckImport(ctx); err == nil || !strings.Contains(err.Error(), "unfinished copy (from chatd.db") {
		t.Errorf("CheckImport after a failed copy: %v, want an error naming the source", err)
	}
	_, err = d.Import(ctx, f.fill, ImportOptions{})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "unfinished copy") {
		t.Errorf("Import into a failed copy: %v, want ErrNotEmpty saying it is unfinished", err)
	}
}

// TestImportOneAtATime: an Import into a schema another Import is copying
// into is refused.
func TestImportOneAtATime(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.New(t)
	d := openAt(t, dsn)
	defer d.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1 || current_schema(), 0))`, importLock); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Import(ctx, newImportFixture().fill, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "another copy") {
		t.Errorf("Import while another holds the lock: %v", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))`, importLock); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Import(ctx, newImportFixture().fill, ImportOptions{}); err != nil {
		t.Errorf("Import once the other is done: %v", err)
	}
}
