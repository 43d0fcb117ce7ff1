package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// syncSnapshot is everything the Sync log of a file answers about some
// Services and objects: what a migration must carry over.
type syncSnapshot struct {
	Services map[string]serviceSnapshot
}

type serviceSnapshot struct {
	Head    uint64
	Feed    []*model.SyncEvent
	Objects map[string]objectSnapshot
}

type objectSnapshot struct {
	Log    *model.SyncObjectLog
	Events []*model.SyncEvent
}

// v4SyncServices and v4SyncObjects are the Services and objects of the
// schema-4 fixture with a Sync log.
var (
	v4SyncServices = []string{sid("IS", 1), sid("IS", 2)}
	v4SyncObjects  = []string{"ES" + sid("", 1), "ET" + sid("", 1), "MP" + sid("", 1), "MP" + sid("", 2), "ES" + sid("", 9)}
)

// takeSyncSnapshot is what the logs of services answer about objects.
func takeSyncSnapshot(t *testing.T, tx model.Tx, services, objects []string) syncSnapshot {
	t.Helper()
	s := syncSnapshot{Services: map[string]serviceSnapshot{}}
	for _, svc := range services {
		head, err := tx.SyncHead(svc)
		if err != nil {
			t.Fatal(err)
		}
		feed, err := tx.SyncFeed(svc, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		ss := serviceSnapshot{Head: head, Feed: feed, Objects: map[string]objectSnapshot{}}
		for _, object := range objects {
			o, err := tx.SyncObjectLog(svc, object)
			if err == model.ErrNotFound {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			es, err := tx.SyncEvents(svc, object, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			ss.Objects[object] = objectSnapshot{o, es}
		}
		s.Services[svc] = ss
	}
	return s
}

// The Sync logs of the fixture file from schema 6 on: Services 1 and 2 of
// the fixture have logs, with objects whose events a shrunk retention and
// the sweep dropped; Service 3 had one and is removed by hand
// (finishSyncFixture), which in the file of schema 6 leaves its log
// behind, for the migration to 7 to drop. The IDs reserved last were
// never used, so the next ID is above every head. The file's golden JSON
// (syncGolden) holds what the logs answered.
var (
	syncFixtureServices = []string{sid("IS", 1), sid("IS", 2)}
	syncFixtureGone     = sid("IS", 3)
)

// syncGolden is what the Sync logs of a fixture file answer, and the last
// event ID the file gave.
type syncGolden struct {
	LastID uint64
	syncSnapshot
}

// writeSyncFixture appends the fixture's Sync events to d, which holds
// the fixture's Services, and adds Service 3 for them. Payloads are not
// all UTF-8 and end in a zero byte.
func writeSyncFixture(d *DB) error {
	s1, s2 := syncFixtureServices[0], syncFixtureServices[1]
	es1, et1, mp1, mp2, es9 := v4SyncObjects[0], v4SyncObjects[1], v4SyncObjects[2], v4SyncObjects[3], v4SyncObjects[4]
	// appendTo appends one event to each object of service, keeping keep
	// events per object; unused IDs are reserved beyond them.
	appendTo := func(service string, keep, unused int, objects ...string) func(model.Tx) error {
		return func(tx model.Tx) error {
			first, err := tx.ReserveSyncEventIDs(service, len(objects)+unused)
			if err != nil {
				return err
			}
			events := make([]*model.SyncEvent, len(objects))
			for i, object := range objects {
				id := first + uint64(i)
				events[i] = &model.SyncEvent{ServiceSid: service, ObjectSid: object, ID: id,
					Date:    fixtureDate.Add(time.Duration(id) * time.Second),
					Payload: fmt.Appendf(nil, "{\"event_type\":\"x\",\"event\":{\"id\":%d,\"n\":\"h\xe9 %d\"}}\x00", id, id)}
			}
			return tx.AppendSyncEvents(events, keep)
		}
	}
	writes := []func(model.Tx) error{
		func(tx model.Tx) error {
			return tx.InsertService(&model.Service{Sid: syncFixtureGone, DateCreated: fixtureDate, DateUpdated: fixtureDate,
				WebhookFilters: []string{}, Webhooks: map[string]model.EventWebhook{}})
		},
	}
	for i := range 25 {
		round := []func(model.Tx) error{appendTo(s1, 3, 0, es1, et1)}
		if i%4 == 0 {
			round = append(round, appendTo(s1, 0, 0, mp1))
		}
		if i%5 == 0 {
			round = append(round, appendTo(s2, 2, 0, es9, mp1))
		}
		if i < 5 {
			round = append(round, appendTo(s1, 0, 0, mp2))
		}
		writes = append(writes, func(tx model.Tx) error {
			for _, w := range round {
				if err := w(tx); err != nil {
					return err
				}
			}
			return nil
		})
	}
	writes = append(writes,
		appendTo(s1, 1, 0, mp2), // a retention that shrinks: dropped at once
		appendTo(syncFixtureGone, 0, 0, es1, es1, es1),
		appendTo(s2, 2, 3, es9),
	)
	for _, w := range writes {
		if err := d.Update(context.Background(), w); err != nil {
			return err
		}
	}
	return nil
}

// syncFixtureGolden is where the golden JSON of the fixture file at path
// is.
func syncFixtureGolden(path string) string { return strings.TrimSuffix(path, ".db") + "-sync.json" }

// finishSyncFixture completes the fixture file at path, which d holds
// open and closes: it takes the golden JSON of the Sync logs, then removes
// Service 3 by hand, as the store would not (it takes the log along).
func finishSyncFixture(t *testing.T, d *DB, path string) {
	t.Helper()
	var g syncGolden
	mustView(t, d, func(tx model.Tx) error {
		g.syncSnapshot = takeSyncSnapshot(t, tx, syncFixtureServices, v4SyncObjects)
		return nil
	})
	if err := d.bolt.View(func(btx *bbolt.Tx) error { g.LastID = btx.Bucket(bucketSync).Sequence(); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(btx *bbolt.Tx) error { return btx.DeleteBucket([]byte(syncFixtureGone)) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.MarshalIndent(g, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(syncFixtureGolden(path), append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
