package storetest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/chatd/chatd/model"
)

// newAPIKey builds API key n, sid("SK", n), with a friendly name and sealed
// secret bytes unique to n; the bytes include every value a byte can take,
// so that an engine that stores them as text is caught.
func newAPIKey(n int) *model.APIKey {
	sealed := make([]byte, 0, 256+8)
	for b := range 256 {
		sealed = append(sealed, byte(b))
	}
	sealed = fmt.Appendf(sealed, "key %d", n)
	return &model.APIKey{Sid: sid("SK", n), FriendlyName: ptr(fmt.Sprint("key ", n)), SealedSecret: sealed,
		DateCreated: testNow, DateUpdated: testNow}
}

func insAPIKey(n int) op {
	return func(tx model.Tx) error { return tx.InsertAPIKey(newAPIKey(n)) }
}

func delAPIKey(n int) op {
	return func(tx model.Tx) error { return tx.DeleteAPIKey(sid("SK", n)) }
}

// apiKeySids lists the SIDs of the stored API keys in w.
func apiKeySids(t *testing.T, st model.Store, w model.Window) []string {
	t.Helper()
	ks := mustRead(t, st, func(tx model.Tx) ([]*model.APIKey, error) { return tx.APIKeys(w) })
	return sids(ks, func(k *model.APIKey) string { return k.Sid })
}

func mustAPIKey(t *testing.T, st model.Store, n int) *model.APIKey {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) (*model.APIKey, error) { return tx.APIKey(sid("SK", n)) })
}

// allAPIKeys is every stored API key, read whole: the suite's readable
// state does not reach account-level records.
func allAPIKeys(t *testing.T, st model.Store) []*model.APIKey {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) ([]*model.APIKey, error) { return tx.APIKeys(model.Window{}) })
}

// testAPIKeys checks the account-level API key primitives: records (sealed
// secret included) read back as written, the list is in SID order whatever
// the insertion order and honours windows, every failing primitive reports
// its sentinel and writes nothing, and keys outlive Services and a Wipe.
func testAPIKeys(t *testing.T, e Engine) {
	// setup stores keys 5, 1, 4 and 2, in that order; 2 has no friendly name.
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insAPIKey(5), insAPIKey(1), insAPIKey(4), func(tx model.Tx) error {
			k := newAPIKey(2)
			k.FriendlyName = nil
			return tx.InsertAPIKey(k)
		})
		return st
	}
	wantUnchanged := func(t *testing.T, st model.Store, before map[string]string, keys []*model.APIKey) {
		t.Helper()
		e.wantUnchanged(t, st, before)
		if after := allAPIKeys(t, st); !reflect.DeepEqual(after, keys) {
			t.Errorf("API keys changed:\n got %+v\nwant %+v", after, keys)
		}
	}

	t.Run("APIKey reads back every field, sealed secret included", func(t *testing.T) {
		st := setup(t)
		for _, n := range []int{1, 4, 5} {
			if got, want := mustAPIKey(t, st, n), newAPIKey(n); !reflect.DeepEqual(got, want) {
				t.Errorf("APIKey(SK %d) =\n %+v\nwant %+v", n, got, want)
			}
		}
		if got := mustAPIKey(t, st, 2); got.FriendlyName != nil || !reflect.DeepEqual(got.SealedSecret, newAPIKey(2).SealedSecret) {
			t.Errorf("APIKey(SK 2) = %+v; want no friendly name and its sealed secret", got)
		}
	})
	t.Run("APIKey of an unknown SID is ErrNotFound", func(t *testing.T) {
		st := setup(t)
		for _, key := range []string{sid("SK", 3), sid("SK", 99), sid("CR", 1), "", "not a sid"} {
			wantNotFound(t, "APIKey("+key+")",
				viewErr(st, func(tx model.Tx) error { _, err := tx.APIKey(key); return err }))
		}
	})
	t.Run("APIKeys lists in SID order and honours windows", func(t *testing.T) {
		st := setup(t)
		for _, c := range []struct {
			name string
			w    model.Window
			want []int
		}{
			{"all", model.Window{}, []int{1, 2, 4, 5}},
			{"reverse", model.Window{Reverse: true}, []int{5, 4, 2, 1}},
			{"limit", model.Window{Limit: 3}, []int{1, 2, 4}},
			{"after a key", model.Window{After: sid("SK", 2)}, []int{4, 5}},
			{"after a missing key", model.Window{After: sid("SK", 3), Limit: 1}, []int{4}},
			{"reverse after a key", model.Window{After: sid("SK", 4), Reverse: true}, []int{2, 1}},
			{"after the last key", model.Window{After: sid("SK", 5)}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				want := make([]string, len(c.want))
				for i, n := range c.want {
					want[i] = sid("SK", n)
				}
				if got := apiKeySids(t, st, c.w); !reflect.DeepEqual(got, want) {
					t.Errorf("APIKeys(%+v) = %v, want %v", c.w, got, want)
				}
			})
		}
	})
	t.Run("APIKeys of an empty store is empty", func(t *testing.T) {
		st := e.open(t)
		if got := apiKeySids(t, st, model.Window{}); len(got) != 0 {
			t.Errorf("APIKeys = %v, want none", got)
		}
	})
	t.Run("InsertAPIKey with a taken SID is TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before, keys := e.state(t, st), allAPIKeys(t, st)
		wantTaken(t, "InsertAPIKey(SK 4)", tryOp(t, st, insAPIKey(4)), "sid")
		wantUnchanged(t, st, before, keys)
	})
	t.Run("DeleteAPIKey removes only that key", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delAPIKey(4))
		wantNotFound(t, "APIKey(SK 4)", viewErr(st, func(tx model.Tx) error { _, err := tx.APIKey(sid("SK", 4)); return err }))
		if got, want := apiKeySids(t, st, model.Window{}), []string{sid("SK", 1), sid("SK", 2), sid("SK", 5)}; !reflect.DeepEqual(got, want) {
			t.Errorf("APIKeys = %v, want %v", got, want)
		}
	})
	t.Run("DeleteAPIKey of an unknown SID is ErrNotFound and writes nothing", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delAPIKey(4))
		before, keys := e.state(t, st), allAPIKeys(t, st)
		for _, n := range []int{4, 3} {
			wantNotFound(t, fmt.Sprint("DeleteAPIKey(SK ", n, ")"), tryOp(t, st, delAPIKey(n)))
		}
		wantUnchanged(t, st, before, keys)
	})
	t.Run("API keys are kept apart from Credentials and Services", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insCredential(1, model.PushFCM), insService(1), insChannel(1, 1, model.ChannelPublic, ""))
		keys := allAPIKeys(t, st)
		mustSeed(t, st, delService(1), delCredential(1))
		if after := allAPIKeys(t, st); !reflect.DeepEqual(after, keys) {
			t.Errorf("deleting a Service and a Credential changed the API keys: %+v", after)
		}
	})
	t.Run("API keys survive a Wipe", func(t *testing.T) {
		st := setup(t)
		wipeFull(t, st)
		keys := allAPIKeys(t, st)
		wipe(t, st)
		wantWiped(t, st)
		if after := allAPIKeys(t, st); !reflect.DeepEqual(after, keys) {
			t.Errorf("after Wipe:\n got %+v\nwant %+v", after, keys)
		}
	})
	t.Run("API keys survive a reopen", func(t *testing.T) {
		if e.Reopen == nil {
			t.Skip("Engine.Reopen is nil")
		}
		st := e.Open(t)
		t.Cleanup(func() { closeStore(t, st) }) // the store open at the end
		mustSeed(t, st, insAPIKey(1), insAPIKey(2))
		want := allAPIKeys(t, st)
		st = e.Reopen(t, st)
		if got := allAPIKeys(t, st); !reflect.DeepEqual(got, want) {
			t.Errorf("after reopening:\n got %+v\nwant %+v", got, want)
		}
	})
}
