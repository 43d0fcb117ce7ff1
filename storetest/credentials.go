package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// newCredential builds Credential n, sid("CR", n), of the given push type
// with every field set: a friendly name, Sandbox on, and each secret of its
// type holding a value unique to n.
func newCredential(n int, typ string) *model.Credential {
	c := &model.Credential{Sid: sid("CR", n), FriendlyName: ptr(fmt.Sprint("credential ", n)), Type: typ,
		DateCreated: testNow, DateUpdated: testNow}
	switch typ {
	case model.PushAPN:
		c.Sandbox = true
		c.Certificate = fmt.Sprintf("-----BEGIN CERTIFICATE-----\ncert %d\n-----END CERTIFICATE-----", n)
		c.PrivateKey = fmt.Sprintf("-----BEGIN RSA PRIVATE KEY-----\nkey %d\n-----END RSA PRIVATE KEY-----", n)
	case model.PushGCM:
		c.ApiKey = fmt.Sprint("gcm api key ", n)
	case model.PushFCM:
		c.Secret = fmt.Sprint("fcm server key ", n)
	}
	return c
}

func insCredential(n int, typ string) op {
	return func(tx model.Tx) error { return tx.InsertCredential(newCredential(n, typ)) }
}

func delCredential(n int) op {
	return func(tx model.Tx) error { return tx.DeleteCredential(sid("CR", n)) }
}

// credentialSids lists the SIDs of the stored Credentials in w.
func credentialSids(t *testing.T, st model.Store, w model.Window) []string {
	t.Helper()
	crs := mustRead(t, st, func(tx model.Tx) ([]*model.Credential, error) { return tx.Credentials(w) })
	return sids(crs, func(c *model.Credential) string { return c.Sid })
}

func mustCredential(t *testing.T, st model.Store, n int) *model.Credential {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) (*model.Credential, error) { return tx.Credential(sid("CR", n)) })
}

// allCredentials is every stored Credential, read whole, so that a failed
// write can be shown to have changed none: the suite's readable state does
// not reach account-level records.
func allCredentials(t *testing.T, st model.Store) []*model.Credential {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) ([]*model.Credential, error) { return tx.Credentials(model.Window{}) })
}

// testCredentials checks the account-level Credential primitives: records
// (secrets included) read back as written, the list is in SID order whatever
// the insertion order and honours windows, and every failing primitive
// reports its sentinel and writes nothing.
func testCredentials(t *testing.T, e Engine) {
	// setup stores Credentials 5, 1, 4 and 2, in that order, one per type
	// and an apn one whose friendly name is unset.
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insCredential(5, model.PushFCM), insCredential(1, model.PushAPN), insCredential(4, model.PushGCM),
			func(tx model.Tx) error {
				c := newCredential(2, model.PushAPN)
				c.FriendlyName, c.Sandbox = nil, false
				return tx.InsertCredential(c)
			})
		return st
	}
	// wantUnchanged checks both the engine's state and the Credentials.
	wantUnchanged := func(t *testing.T, st model.Store, before map[string]string, creds []*model.Credential) {
		t.Helper()
		e.wantUnchanged(t, st, before)
		if after := allCredentials(t, st); !reflect.DeepEqual(after, creds) {
			t.Errorf("Credentials changed:\n got %+v\nwant %+v", after, creds)
		}
	}

	t.Run("Credential reads back every field, secrets included", func(t *testing.T) {
		st := setup(t)
		for n, typ := range map[int]string{1: model.PushAPN, 4: model.PushGCM, 5: model.PushFCM} {
			if got, want := mustCredential(t, st, n), newCredential(n, typ); !reflect.DeepEqual(got, want) {
				t.Errorf("Credential(CR %d) =\n %+v\nwant %+v", n, got, want)
			}
		}
		got := mustCredential(t, st, 2)
		if got.FriendlyName != nil || got.Sandbox || got.Certificate == "" || got.PrivateKey == "" {
			t.Errorf("Credential(CR 2) = %+v; want no friendly name, no sandbox, both apn secrets", got)
		}
	})
	t.Run("Credential of an unknown SID is ErrNotFound", func(t *testing.T) {
		st := setup(t)
		for _, key := range []string{sid("CR", 3), sid("CR", 99), "", "not a sid"} {
			wantNotFound(t, "Credential("+key+")",
				viewErr(st, func(tx model.Tx) error { _, err := tx.Credential(key); return err }))
		}
	})
	t.Run("Credentials lists in SID order and honours windows", func(t *testing.T) {
		st := setup(t)
		for _, c := range []struct {
			name string
			w    model.Window
			want []int
		}{
			{"all", model.Window{}, []int{1, 2, 4, 5}},
			{"reverse", model.Window{Reverse: true}, []int{5, 4, 2, 1}},
			{"limit", model.Window{Limit: 2}, []int{1, 2}},
			{"after a key", model.Window{After: sid("CR", 2)}, []int{4, 5}},
			{"after a missing key", model.Window{After: sid("CR", 3), Limit: 1}, []int{4}},
			{"reverse after a key", model.Window{After: sid("CR", 4), Reverse: true}, []int{2, 1}},
			{"after the last key", model.Window{After: sid("CR", 5)}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				want := make([]string, len(c.want))
				for i, n := range c.want {
					want[i] = sid("CR", n)
				}
				if got := credentialSids(t, st, c.w); !reflect.DeepEqual(got, want) {
					t.Errorf("Credentials(%+v) = %v, want %v", c.w, got, want)
				}
			})
		}
	})
	t.Run("Credentials of an empty store is empty", func(t *testing.T) {
		st := e.open(t)
		if got := credentialSids(t, st, model.Window{}); len(got) != 0 {
			t.Errorf("Credentials = %v, want none", got)
		}
	})
	t.Run("PutCredential replaces the record, secrets included", func(t *testing.T) {
		st := setup(t)
		want := newCredential(1, model.PushAPN)
		want.FriendlyName, want.Sandbox = nil, false
		want.Certificate, want.PrivateKey = "new certificate", ""
		want.DateUpdated = testNow.Add(90 * time.Minute)
		mustSeed(t, st, func(tx model.Tx) error {
			c := *want
			return tx.PutCredential(&c)
		})
		if got := mustCredential(t, st, 1); !reflect.DeepEqual(got, want) {
			t.Errorf("after PutCredential:\n got %+v\nwant %+v", got, want)
		}
		if got := mustCredential(t, st, 4); !reflect.DeepEqual(got, newCredential(4, model.PushGCM)) {
			t.Errorf("CR 4 changed: %+v", got)
		}
	})
	t.Run("PutCredential of an unknown SID is ErrNotFound and writes nothing", func(t *testing.T) {
		st := setup(t)
		before, creds := e.state(t, st), allCredentials(t, st)
		wantNotFound(t, "PutCredential(CR 3)", tryOp(t, st, func(tx model.Tx) error {
			return tx.PutCredential(newCredential(3, model.PushGCM))
		}))
		wantUnchanged(t, st, before, creds)
	})
	t.Run("InsertCredential with a taken SID is TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before, creds := e.state(t, st), allCredentials(t, st)
		wantTaken(t, "InsertCredential(CR 4)", tryOp(t, st, insCredential(4, model.PushFCM)), "sid")
		wantUnchanged(t, st, before, creds)
	})
	t.Run("DeleteCredential removes only that Credential", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delCredential(4))
		wantNotFound(t, "Credential(CR 4)", viewErr(st, func(tx model.Tx) error { _, err := tx.Credential(sid("CR", 4)); return err }))
		if got, want := credentialSids(t, st, model.Window{}), []string{sid("CR", 1), sid("CR", 2), sid("CR", 5)}; !reflect.DeepEqual(got, want) {
			t.Errorf("Credentials = %v, want %v", got, want)
		}
	})
	t.Run("DeleteCredential of an unknown SID is ErrNotFound and writes nothing", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delCredential(4))
		before, creds := e.state(t, st), allCredentials(t, st)
		for _, n := range []int{4, 3} {
			wantNotFound(t, fmt.Sprint("DeleteCredential(CR ", n, ")"), tryOp(t, st, delCredential(n)))
		}
		wantUnchanged(t, st, before, creds)
	})
	t.Run("a deleted SID can be inserted again", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delCredential(4), insCredential(4, model.PushFCM))
		if got, want := mustCredential(t, st, 4), newCredential(4, model.PushFCM); !reflect.DeepEqual(got, want) {
			t.Errorf("re-inserted CR 4 = %+v, want %+v", got, want)
		}
	})
	t.Run("Credentials are outside every Service", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""))
		creds := allCredentials(t, st)
		mustSeed(t, st, delService(1))
		if after := allCredentials(t, st); !reflect.DeepEqual(after, creds) {
			t.Errorf("DeleteServiceTree changed the Credentials: %+v", after)
		}
	})
	t.Run("Credentials survive a reopen", func(t *testing.T) {
		if e.Reopen == nil {
			t.Skip("Engine.Reopen is nil")
		}
		st := e.Open(t)
		t.Cleanup(func() { closeStore(t, st) }) // the store open at the end
		mustSeed(t, st, insCredential(1, model.PushAPN), insCredential(2, model.PushFCM))
		want := allCredentials(t, st)
		st = e.Reopen(t, st)
		if got := allCredentials(t, st); !reflect.DeepEqual(got, want) {
			t.Errorf("after reopening:\n got %+v\nwant %+v", got, want)
		}
	})
}
