// Package storetest is the contract of model.Store written as tests: what
// every storage engine under chatd must do, stated once through model.Store
// and model.Tx, so that the bbolt store (package bolt) and any later engine
// (a PostgreSQL store) are held to the same behaviour instead of each keeping
// its own copy of the rules. It imports only the standard library and model.
//
// An engine runs the whole contract from one test in its own package:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, storetest.Engine{
//			Open: func(t *testing.T) model.Store {
//				s, err := postgres.Open(freshDatabase(t))
//				if err != nil {
//					t.Fatal(err)
//				}
//				return s
//			},
//		})
//	}
//
// Run starts one subtest per behaviour, named after it, each on stores of
// its own, so one behaviour runs alone with go test -run 'TestContract/Windows'.
// An engine that needs a server (PostgreSQL) skips its TestContract when none
// is configured; bolt runs it always.
//
// Beyond the doc comments of model.Tx, the suite expects of an engine:
//
//   - Records read back reflect.DeepEqual to what was written. The suite's
//     times are whole seconds in UTC.
//   - Keys order as byte strings: the suite's SIDs are a two-letter prefix and
//     32 hex digits, so they sort by their number. Messages order by Index.
//   - A primitive that fails returns ErrNotFound or *TakenError as such, and
//     an Update whose fn returns an error writes nothing and returns that
//     error unchanged. The rules layer never goes on after a failed
//     primitive, so an engine need not keep the transaction usable after one
//     (PostgreSQL needs no savepoints).
//
// What is true of one engine only (its file layout, its index buckets, its
// commit loop) is tested in that engine's package.
package storetest

import (
	"context"
	"maps"
	"testing"

	"github.com/chatd/chatd/model"
)

// Engine opens fresh stores for the contract tests.
type Engine struct {
	// Open returns a new, empty Store; the suite closes it. Every call must
	// return a store of its own: tests never share one.
	Open func(t *testing.T) model.Store
	// Reopen closes s and opens the same data again (for durability tests);
	// nil skips those.
	Reopen func(t *testing.T, s model.Store) model.Store
	// Dump, when set, returns the whole stored state in a comparable form,
	// so that the suite can prove a failed write changed nothing; nil makes
	// the suite compare through the Store's own reads instead (see
	// readable), which cannot see what no Tx method reads back.
	Dump func(t *testing.T, s model.Store) map[string]string
}

// contract is every test of the suite, in the order Run runs them.
var contract = []struct {
	name string
	test func(t *testing.T, e Engine)
}{
	{"Settings", testSettings},
	{"Transactions", testTransactions},
	{"Roles", testRoles},
	{"Windows", testWindows},
	{"ChannelsByType", testChannelsByType},
	{"ChannelUniqueName", testChannelUniqueName},
	{"UserIdentity", testUserIdentity},
	{"MemberIdentity", testMemberIdentity},
	{"InviteIdentity", testInviteIdentity},
	{"DuplicateSidIsTaken", testDuplicateSidIsTaken},
	{"MemberCounts", testMemberCounts},
	{"InviteLinks", testInviteLinks},
	{"StoredDerivedCountsWin", testStoredDerivedCountsWin},
	{"AppendMessage", testAppendMessage},
	{"MintedMessageSids", testMintedMessageSids},
	{"DeleteMessage", testDeleteMessage},
	{"PutMessage", testPutMessage},
	{"CountMessagesAfter", testCountMessagesAfter},
	{"PeekMessages", testPeekMessages},
	{"DeleteChannelTree", testDeleteChannelTree},
	{"DeleteUserTree", testDeleteUserTree},
	{"Bindings", testBindings},
	{"MissingParentIsNotFound", testMissingParentIsNotFound},
	{"DeleteServiceTree", testDeleteServiceTree},
	{"Media", testMedia},
	{"StagedMedia", testStagedMedia},
	{"ChannelWebhooks", testChannelWebhooks},
	{"Durability", testDurability},
	{"Credentials", testCredentials},
	{"APIKeys", testAPIKeys},
	{"Mutations", testMutations},
	{"Deliveries", testDeliveries},
	{"DeliveryClaims", testDeliveryClaims},
	{"SyncLog", testSyncLog},
	{"Wipe", testWipe},
}

// Run runs every contract test against e, each as a subtest named after the
// behaviour it checks.
func Run(t *testing.T, e Engine) {
	t.Helper()
	if e.Open == nil {
		t.Fatal("storetest: Engine.Open is nil")
	}
	for _, c := range contract {
		t.Run(c.name, func(t *testing.T) { c.test(t, e) })
	}
}

// open returns a new store of e that is closed when the test ends.
func (e Engine) open(t *testing.T) model.Store {
	t.Helper()
	st := e.Open(t)
	t.Cleanup(func() { closeStore(t, st) })
	return st
}

func closeStore(t *testing.T, st model.Store) {
	if err := st.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// state is everything st holds, in a form that compares: the engine's Dump,
// or else everything its Tx reads back.
func (e Engine) state(t *testing.T, st model.Store) map[string]string {
	t.Helper()
	if e.Dump != nil {
		return e.Dump(t, st)
	}
	return readable(t, st)
}

// wantUnchanged fails when st holds anything other than before, a state
// taken by e.state.
func (e Engine) wantUnchanged(t *testing.T, st model.Store, before map[string]string) {
	t.Helper()
	after := e.state(t, st)
	if maps.Equal(before, after) {
		return
	}
	for k, v := range after {
		if bv, ok := before[k]; !ok || bv != v {
			t.Errorf("written: %s = %q (was %q)", k, v, bv)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("deleted: %s", k)
		}
	}
}

// mustUpdate runs fn in one write transaction. fn may run more than once and
// on another goroutine, so it must report failures by its error, never
// through t.
func mustUpdate(t *testing.T, st model.Store, fn func(model.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// mustView runs fn in one read transaction.
func mustView(t *testing.T, st model.Store, fn func(model.Tx) error) {
	t.Helper()
	if err := st.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}
