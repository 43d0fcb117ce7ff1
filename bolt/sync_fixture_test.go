package bolt

import (
	"testing"

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

func takeSyncSnapshot(t *testing.T, tx model.Tx) syncSnapshot {
	t.Helper()
	s := syncSnapshot{Services: map[string]serviceSnapshot{}}
	for _, svc := range v4SyncServices {
		head, err := tx.SyncHead(svc)
		if err != nil {
			t.Fatal(err)
		}
		feed, err := tx.SyncFeed(svc, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		ss := serviceSnapshot{Head: head, Feed: feed, Objects: map[string]objectSnapshot{}}
		for _, object := range v4SyncObjects {
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
