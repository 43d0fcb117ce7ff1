package storetest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/chatd/chatd/model"
)

// newMutation builds the record of identity's mutation id in Service svc.
func newMutation(svc int, identity, id string) *model.Mutation {
	return &model.Mutation{ServiceSid: sid("IS", svc), Identity: identity, ID: id,
		Ref: model.Ref{Kind: model.RefMessage, Channel: sid("CH", 1), Sid: "IM/" + identity + "/" + id}.String(), DateCreated: testNow}
}

func insMutation(svc int, identity, id string, keep int) op {
	return func(tx model.Tx) error { return tx.InsertMutation(newMutation(svc, identity, id), keep) }
}

func readMutation(svc int, identity, id string) func(model.Tx) (*model.Mutation, error) {
	return func(tx model.Tx) (*model.Mutation, error) { return tx.Mutation(sid("IS", svc), identity, id) }
}

func mutationErr(st model.Store, svc int, identity, id string) error {
	return viewErr(st, func(tx model.Tx) error { _, err := readMutation(svc, identity, id)(tx); return err })
}

// testMutations checks the records of first-person mutation ids: a record
// reads back as written, is keyed by Service, identity and id (no pair of
// identity and id reads as another), is refused twice, keeps only the
// newest of its Service, and goes with its Service and with a Wipe.
func testMutations(t *testing.T, e Engine) {
	const keep = 100
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2),
			insMutation(1, "alice", "m1", keep), insMutation(1, "alice/x", "m2", keep), insMutation(2, "alice", "m1", keep))
		return st
	}

	t.Run("Mutation reads back every field", func(t *testing.T) {
		st := setup(t)
		for _, c := range []struct {
			svc          int
			identity, id string
		}{{1, "alice", "m1"}, {1, "alice/x", "m2"}, {2, "alice", "m1"}} {
			got := mustRead(t, st, readMutation(c.svc, c.identity, c.id))
			if want := newMutation(c.svc, c.identity, c.id); !reflect.DeepEqual(got, want) {
				t.Errorf("Mutation(IS %d, %s, %s) =\n %+v\nwant %+v", c.svc, c.identity, c.id, got, want)
			}
		}
	})
	t.Run("Mutation is keyed by Service, identity and id", func(t *testing.T) {
		st := setup(t)
		wantNotFound(t, "bob's m1", mutationErr(st, 1, "bob", "m1"))
		wantNotFound(t, "alice's m2", mutationErr(st, 1, "alice", "m2"))
		wantNotFound(t, "alice/x's m2 in IS 2", mutationErr(st, 2, "alice/x", "m2"))
		// Identity and id must not run together: "ali"+"cem1" is not "alice"+"m1".
		wantNotFound(t, "ali's cem1", mutationErr(st, 1, "ali", "cem1"))
		mustSeed(t, st, insMutation(1, "ali", "cem1", keep))
		if got := mustRead(t, st, readMutation(1, "alice", "m1")); got.Identity != "alice" || got.ID != "m1" {
			t.Errorf("alice's m1 after ali's cem1 = %+v", got)
		}
	})
	t.Run("InsertMutation of a recorded id is taken and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		err := tryOp(t, st, func(tx model.Tx) error {
			m := newMutation(1, "alice", "m1")
			m.Ref = "other"
			return tx.InsertMutation(m, keep)
		})
		wantTaken(t, "InsertMutation(alice, m1) again", err, "id")
		e.wantUnchanged(t, st, before)
		if got := mustRead(t, st, readMutation(1, "alice", "m1")); got.Ref != newMutation(1, "alice", "m1").Ref {
			t.Errorf("Ref after a refused insert = %q, want the first one's", got.Ref)
		}
	})
	t.Run("a missing Service is not found", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantNotFound(t, "InsertMutation in IS 3", tryOp(t, st, insMutation(3, "alice", "m1", keep)))
		e.wantUnchanged(t, st, before)
		wantNotFound(t, "Mutation in IS 3", mutationErr(st, 3, "alice", "m1"))
	})
	t.Run("InsertMutation keeps the newest keep records of the Service", func(t *testing.T) {
		st := setup(t)
		for i := range 6 {
			mustSeed(t, st, insMutation(1, "bob", fmt.Sprint("b", i), 3))
		}
		for i := range 3 {
			wantNotFound(t, fmt.Sprint("bob's b", i), mutationErr(st, 1, "bob", fmt.Sprint("b", i)))
		}
		for i := 3; i < 6; i++ {
			mustRead(t, st, readMutation(1, "bob", fmt.Sprint("b", i)))
		}
		// alice's, older than bob's, went first; the other Service's stay.
		wantNotFound(t, "alice's m1", mutationErr(st, 1, "alice", "m1"))
		mustRead(t, st, readMutation(2, "alice", "m1"))
	})
	t.Run("several inserts in one Update are trimmed as one by one", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insMutation(1, "bob", "b0", 2), insMutation(1, "bob", "b1", 2), insMutation(1, "bob", "b2", 2))
		wantNotFound(t, "bob's b0", mutationErr(st, 1, "bob", "b0"))
		mustRead(t, st, readMutation(1, "bob", "b1"))
		mustRead(t, st, readMutation(1, "bob", "b2"))
	})
	t.Run("records go with their Service", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delService(1), insService(1))
		wantNotFound(t, "alice's m1 in a re-created IS 1", mutationErr(st, 1, "alice", "m1"))
		mustSeed(t, st, insMutation(1, "alice", "m1", keep))
		mustRead(t, st, readMutation(2, "alice", "m1"))
	})
	t.Run("Wipe removes every record", func(t *testing.T) {
		st := setup(t)
		wipe(t, st)
		mustSeed(t, st, insService(1), insService(2))
		wantNotFound(t, "alice's m1 in IS 1", mutationErr(st, 1, "alice", "m1"))
		wantNotFound(t, "alice's m1 in IS 2", mutationErr(st, 2, "alice", "m1"))
	})
	t.Run("records survive a reopen", func(t *testing.T) {
		if e.Reopen == nil {
			t.Skip("Engine.Reopen is nil")
		}
		st := e.Open(t)
		t.Cleanup(func() { closeStore(t, st) })
		mustSeed(t, st, insService(1), insMutation(1, "alice", "m1", keep))
		st = e.Reopen(t, st)
		if got, want := mustRead(t, st, readMutation(1, "alice", "m1")), newMutation(1, "alice", "m1"); !reflect.DeepEqual(got, want) {
			t.Errorf("Mutation after reopen = %+v, want %+v", got, want)
		}
	})
}
