package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// newBinding is Binding n of service svc, for User user (US user) with the
// given identity: the device typ/endpoint.
func newBinding(svc, n, user int, identity, typ, endpoint string) *model.Binding {
	return &model.Binding{Sid: sid("BS", n), ServiceSid: sid("IS", svc), UserSid: sid("US", user), Identity: identity,
		Endpoint: endpoint, BindingType: typ, CredentialSid: sid("CR", 1),
		MessageTypes: slices.Clone(model.BindingMessageTypes), DateCreated: testNow, DateUpdated: testNow}
}

func insBinding(svc, n, user int, identity, typ, endpoint string) op {
	return func(tx model.Tx) error { return tx.InsertBinding(newBinding(svc, n, user, identity, typ, endpoint)) }
}

func delBinding(svc, n int) op {
	return func(tx model.Tx) error { return tx.DeleteBinding(sid("IS", svc), sid("BS", n)) }
}

// bss are the SIDs of Bindings n….
func bss(ns ...int) []string {
	var out []string
	for _, n := range ns {
		out = append(out, sid("BS", n))
	}
	return out
}

func bindingSids(bs []*model.Binding) []string {
	return sids(bs, func(b *model.Binding) string { return b.Sid })
}

func testBindings(t *testing.T, e Engine) {
	apn, fcm, gcm := model.PushAPN, model.PushFCM, model.PushGCM
	svc := sid("IS", 1)
	// setup holds alice (US 1) with BS 1, 3, 4 and 6, bob (US 2) with BS 2
	// and 5, and carol (US 3) with none; types apn, fcm, gcm, apn, fcm, apn.
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insUser(1, 1, "alice"), insUser(1, 2, "bob"), insUser(1, 3, "carol"),
			insBinding(1, 1, 1, "alice", apn, "device-1"),
			insBinding(1, 2, 2, "bob", fcm, "device-2"),
			insBinding(1, 3, 1, "alice", gcm, "device-3"),
			insBinding(1, 4, 1, "alice", apn, "device-4"),
			insBinding(1, 5, 2, "bob", fcm, "device-5"),
			insBinding(1, 6, 1, "alice", apn, "device-6"))
		return st
	}
	binding := func(t *testing.T, st model.Store, n int) *model.Binding {
		t.Helper()
		return mustRead(t, st, func(tx model.Tx) (*model.Binding, error) { return tx.Binding(svc, sid("BS", n)) })
	}
	bindingErr := func(st model.Store, n int) error {
		return viewErr(st, func(tx model.Tx) error { _, err := tx.Binding(svc, sid("BS", n)); return err })
	}
	bindingForErr := func(st model.Store, typ, endpoint string) error {
		return viewErr(st, func(tx model.Tx) error { _, err := tx.BindingFor(svc, typ, endpoint); return err })
	}
	list := func(t *testing.T, st model.Store, types []string, w model.Window) []string {
		t.Helper()
		return bindingSids(mustRead(t, st, func(tx model.Tx) ([]*model.Binding, error) { return tx.Bindings(svc, types, w) }))
	}
	// ofUser lists a User's Bindings in SID order: the contract does not
	// order UserBindings.
	ofUser := func(t *testing.T, st model.Store, user int) []string {
		t.Helper()
		got := bindingSids(mustRead(t, st, func(tx model.Tx) ([]*model.Binding, error) {
			return tx.UserBindings(svc, sid("US", user))
		}))
		slices.Sort(got)
		return got
	}

	t.Run("Binding and BindingFor read back what was inserted", func(t *testing.T) {
		st := setup(t)
		want := newBinding(1, 3, 1, "alice", gcm, "device-3")
		if got := binding(t, st, 3); !reflect.DeepEqual(got, want) {
			t.Errorf("Binding(BS 3) = %+v, want %+v", got, want)
		}
		got := mustRead(t, st, func(tx model.Tx) (*model.Binding, error) { return tx.BindingFor(svc, gcm, "device-3") })
		if !reflect.DeepEqual(got, want) {
			t.Errorf("BindingFor(gcm, device-3) = %+v, want %+v", got, want)
		}
		wantNotFound(t, "Binding(BS 9)", bindingErr(st, 9))
		wantNotFound(t, "BindingFor(apn, device-3): another type", bindingForErr(st, apn, "device-3"))
		wantNotFound(t, "BindingFor(gcm, device-9)", bindingForErr(st, gcm, "device-9"))
	})

	t.Run("Bindings windows with no, one and two types", func(t *testing.T) {
		st := setup(t)
		for _, tc := range []struct {
			name  string
			types []string
			w     model.Window
			want  []string
		}{
			{"no types lists every binding", nil, model.Window{}, bss(1, 2, 3, 4, 5, 6)},
			{"an empty type list lists every binding", []string{}, model.Window{}, bss(1, 2, 3, 4, 5, 6)},
			{"no types with a window", nil, model.Window{After: sid("BS", 2), Limit: 3}, bss(3, 4, 5)},
			{"no types in reverse", nil, model.Window{Reverse: true, Limit: 2}, bss(6, 5)},
			{"one type", []string{apn}, model.Window{}, bss(1, 4, 6)},
			{"another type", []string{fcm}, model.Window{}, bss(2, 5)},
			{"a repeated type is one type", []string{apn, apn}, model.Window{}, bss(1, 4, 6)},
			{"one type with a limit", []string{apn}, model.Window{Limit: 2}, bss(1, 4)},
			{"one type in reverse with a limit", []string{apn}, model.Window{Reverse: true, Limit: 1}, bss(6)},
			{"one type after a binding of another type", []string{apn}, model.Window{After: sid("BS", 2)}, bss(4, 6)},
			{"one type in reverse after a key", []string{apn}, model.Window{After: sid("BS", 4), Reverse: true}, bss(1)},
			{"two types", []string{apn, fcm}, model.Window{}, bss(1, 2, 4, 5, 6)},
			{"two types in any order", []string{fcm, apn}, model.Window{}, bss(1, 2, 4, 5, 6)},
			{"two types after a key with a limit", []string{apn, gcm}, model.Window{After: sid("BS", 1), Limit: 2}, bss(3, 4)},
			{"two types in reverse with a limit", []string{fcm, gcm}, model.Window{Reverse: true, Limit: 2}, bss(5, 3)},
			{"two types in reverse after a key", []string{apn, gcm}, model.Window{After: sid("BS", 5), Reverse: true}, bss(4, 3, 1)},
			{"two types after the last key", []string{apn, fcm}, model.Window{After: sid("BS", 6)}, nil},
			{"every type", []string{apn, fcm, gcm}, model.Window{}, bss(1, 2, 3, 4, 5, 6)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := list(t, st, tc.types, tc.w); !slices.Equal(got, tc.want) {
					t.Errorf("Bindings(%v, %+v) = %v, want %v", tc.types, tc.w, got, tc.want)
				}
			})
		}
		t.Run("a type without bindings lists none", func(t *testing.T) {
			st := e.open(t)
			mustSeed(t, st, insService(1), insUser(1, 1, "alice"), insBinding(1, 1, 1, "alice", apn, "device-1"))
			if got := list(t, st, []string{gcm}, model.Window{}); len(got) != 0 {
				t.Errorf("Bindings(gcm) = %v, want none", got)
			}
		})
	})

	t.Run("UserBindings lists every binding of one user", func(t *testing.T) {
		st := setup(t)
		for user, want := range map[int][]string{1: bss(1, 3, 4, 6), 2: bss(2, 5), 3: nil, 9: nil} {
			if got := ofUser(t, st, user); !slices.Equal(got, want) {
				t.Errorf("UserBindings(US %d) = %v, want %v", user, got, want)
			}
		}
	})

	t.Run("PutBinding keeps the type, endpoint and user", func(t *testing.T) {
		st := setup(t)
		later := testNow.Add(time.Minute)
		mustSeed(t, st, func(tx model.Tx) error {
			b := newBinding(1, 1, 2, "bob", fcm, "device-9")
			b.CredentialSid, b.MessageTypes, b.DateUpdated = sid("CR", 2), []string{"new_message"}, later
			return tx.PutBinding(b)
		})
		want := newBinding(1, 1, 1, "alice", apn, "device-1")
		want.CredentialSid, want.MessageTypes, want.DateUpdated = sid("CR", 2), []string{"new_message"}, later
		if got := binding(t, st, 1); !reflect.DeepEqual(got, want) {
			t.Errorf("Binding(BS 1) = %+v, want %+v", got, want)
		}
		if got := mustRead(t, st, func(tx model.Tx) (*model.Binding, error) { return tx.BindingFor(svc, apn, "device-1") }); got.Sid != sid("BS", 1) {
			t.Errorf("BindingFor(apn, device-1) = %s, want BS 1", got.Sid)
		}
		wantNotFound(t, "BindingFor(fcm, device-9)", bindingForErr(st, fcm, "device-9"))
		if got := list(t, st, []string{apn}, model.Window{}); !slices.Equal(got, bss(1, 4, 6)) {
			t.Errorf("Bindings(apn) = %v, want %v", got, bss(1, 4, 6))
		}
		if got := ofUser(t, st, 2); !slices.Equal(got, bss(2, 5)) {
			t.Errorf("UserBindings(bob) = %v, want %v", got, bss(2, 5))
		}
	})

	t.Run("DeleteBinding removes it from every read and frees the device", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delBinding(1, 4))
		wantNotFound(t, "Binding(BS 4)", bindingErr(st, 4))
		wantNotFound(t, "BindingFor(apn, device-4)", bindingForErr(st, apn, "device-4"))
		for _, types := range [][]string{nil, {apn}, {apn, gcm}} {
			if got := list(t, st, types, model.Window{}); slices.Contains(got, sid("BS", 4)) {
				t.Errorf("Bindings(%v) = %v, still holds BS 4", types, got)
			}
		}
		if got := ofUser(t, st, 1); !slices.Equal(got, bss(1, 3, 6)) {
			t.Errorf("UserBindings(alice) = %v, want %v", got, bss(1, 3, 6))
		}
		mustSeed(t, st, insBinding(1, 7, 3, "carol", apn, "device-4"))
		if got := mustRead(t, st, func(tx model.Tx) (*model.Binding, error) { return tx.BindingFor(svc, apn, "device-4") }); got.Sid != sid("BS", 7) {
			t.Errorf("BindingFor(apn, device-4) = %s, want BS 7", got.Sid)
		}
		wantNotFound(t, "DeleteBinding again", tryOp(t, st, delBinding(1, 4)))
	})

	t.Run("InsertBinding with a taken SID returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantTaken(t, "InsertBinding", tryOp(t, st, insBinding(1, 2, 3, "carol", gcm, "device-9")), "sid")
		e.wantUnchanged(t, st, before)
		wantNotFound(t, "BindingFor(gcm, device-9)", bindingForErr(st, gcm, "device-9"))
		if got := ofUser(t, st, 3); len(got) != 0 {
			t.Errorf("UserBindings(carol) = %v, want none", got)
		}
	})

	t.Run("InsertBinding of a known device returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantTaken(t, "InsertBinding", tryOp(t, st, insBinding(1, 7, 3, "carol", fcm, "device-2")), "endpoint")
		e.wantUnchanged(t, st, before)
		wantNotFound(t, "Binding(BS 7)", bindingErr(st, 7))
		if got := list(t, st, []string{fcm}, model.Window{}); !slices.Equal(got, bss(2, 5)) {
			t.Errorf("Bindings(fcm) = %v, want %v", got, bss(2, 5))
		}
		if got := ofUser(t, st, 3); len(got) != 0 {
			t.Errorf("UserBindings(carol) = %v, want none", got)
		}
	})

	t.Run("a device is its type and endpoint, per service", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insBinding(1, 7, 3, "carol", gcm, "device-2"),
			insService(2), insUser(2, 4, "alice"), insBinding(2, 8, 4, "alice", fcm, "device-2"))
		if got := mustRead(t, st, func(tx model.Tx) (*model.Binding, error) { return tx.BindingFor(svc, gcm, "device-2") }); got.Sid != sid("BS", 7) {
			t.Errorf("BindingFor(gcm, device-2) = %s, want BS 7", got.Sid)
		}
		if got := mustRead(t, st, func(tx model.Tx) (*model.Binding, error) { return tx.BindingFor(sid("IS", 2), fcm, "device-2") }); got.Sid != sid("BS", 8) {
			t.Errorf("BindingFor(fcm, device-2) in IS 2 = %s, want BS 8", got.Sid)
		}
	})

	t.Run("missing records and services are not found", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantNotFound(t, "PutBinding(BS 9)", tryOp(t, st, func(tx model.Tx) error {
			return tx.PutBinding(newBinding(1, 9, 1, "alice", apn, "device-9"))
		}))
		wantNotFound(t, "DeleteBinding(BS 9)", tryOp(t, st, delBinding(1, 9)))
		gone := sid("IS", 9)
		for name, read := range map[string]func(model.Tx) error{
			"Binding":      func(tx model.Tx) error { _, err := tx.Binding(gone, sid("BS", 1)); return err },
			"BindingFor":   func(tx model.Tx) error { _, err := tx.BindingFor(gone, apn, "device-1"); return err },
			"Bindings":     func(tx model.Tx) error { _, err := tx.Bindings(gone, nil, model.Window{}); return err },
			"Bindings(1)":  func(tx model.Tx) error { _, err := tx.Bindings(gone, []string{apn}, model.Window{}); return err },
			"UserBindings": func(tx model.Tx) error { _, err := tx.UserBindings(gone, sid("US", 1)); return err },
		} {
			wantNotFound(t, name+" under a missing service", viewErr(st, read))
		}
		for name, write := range map[string]op{
			"InsertBinding": insBinding(9, 7, 1, "alice", apn, "device-7"),
			"PutBinding":    func(tx model.Tx) error { return tx.PutBinding(newBinding(9, 1, 1, "alice", apn, "device-1")) },
			"DeleteBinding": delBinding(9, 1),
		} {
			wantNotFound(t, name+" under a missing service", tryOp(t, st, write))
		}
		e.wantUnchanged(t, st, before)
	})

	t.Run("DeleteUserTree removes the user's bindings", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delUser(1, 1))
		for _, n := range []int{1, 3, 4, 6} {
			wantNotFound(t, "Binding of alice", bindingErr(st, n))
		}
		wantNotFound(t, "BindingFor(apn, device-1)", bindingForErr(st, apn, "device-1"))
		if got := list(t, st, nil, model.Window{}); !slices.Equal(got, bss(2, 5)) {
			t.Errorf("Bindings = %v, want bob's %v", got, bss(2, 5))
		}
		if got := list(t, st, []string{apn}, model.Window{}); len(got) != 0 {
			t.Errorf("Bindings(apn) = %v, want none", got)
		}
		if got := ofUser(t, st, 1); len(got) != 0 {
			t.Errorf("UserBindings(alice) = %v, want none", got)
		}
		if got := ofUser(t, st, 2); !slices.Equal(got, bss(2, 5)) {
			t.Errorf("UserBindings(bob) = %v, want %v", got, bss(2, 5))
		}
		mustSeed(t, st, insUser(1, 4, "alice"), insBinding(1, 7, 4, "alice", apn, "device-1"))
		if got := ofUser(t, st, 4); !slices.Equal(got, bss(7)) {
			t.Errorf("UserBindings(new alice) = %v, want %v", got, bss(7))
		}
	})

	t.Run("DeleteServiceTree removes its bindings", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delService(1), insService(1))
		if got := list(t, st, nil, model.Window{}); len(got) != 0 {
			t.Errorf("Bindings of the re-inserted service = %v, want none", got)
		}
		wantNotFound(t, "BindingFor(apn, device-1)", bindingForErr(st, apn, "device-1"))
	})
}
