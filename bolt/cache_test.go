package bolt

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// sharedMemory reports the first pointer, slice or map that a and b (two
// values of one type) share, so that changing it through one would change
// the other; "" when they share none.
func sharedMemory(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return sharedMemory(a.Elem(), b.Elem(), "*"+path)
	case reflect.Slice:
		if a.Len() > 0 && b.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range min(a.Len(), b.Len()) {
			if p := sharedMemory(a.Index(i), b.Index(i), path+"[i]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		if !a.IsNil() && !b.IsNil() && a.Pointer() == b.Pointer() {
			return path
		}
		for _, k := range a.MapKeys() {
			if bv := b.MapIndex(k); bv.IsValid() {
				if p := sharedMemory(a.MapIndex(k), bv, path+"[k]"); p != "" {
					return p
				}
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if p := sharedMemory(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
}

// randomFill sets v, and everything it points to, to random values: nil,
// empty or filled, so that over many values every field is exercised.
func randomFill(v reflect.Value, r *rand.Rand) {
	switch v.Kind() {
	case reflect.Pointer:
		if r.Intn(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			randomFill(v.Elem(), r)
		}
	case reflect.Slice:
		if n := r.Intn(4) - 1; n >= 0 {
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				randomFill(v.Index(i), r)
			}
		}
	case reflect.Map:
		if n := r.Intn(4) - 1; n >= 0 {
			v.Set(reflect.MakeMap(v.Type()))
			for range n {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				randomFill(k, r)
				randomFill(e, r)
				v.SetMapIndex(k, e)
			}
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(r.Int63n(1<<32), r.Int63n(1e9)).UTC()))
			return
		}
		for i := range v.NumField() {
			randomFill(v.Field(i), r)
		}
	case reflect.String:
		v.SetString(strconv.Itoa(r.Int()))
	case reflect.Bool:
		v.SetBool(r.Intn(2) == 1)
	case reflect.Int, reflect.Int64:
		v.SetInt(r.Int63n(1000) - 10)
	case reflect.Uint64:
		v.SetUint(uint64(r.Int63()))
	default:
		panic("randomFill: no values for " + v.Type().String())
	}
}

// TestClonesShareNothing checks, on random values, that the copies the
// cache hands out are equal to the cached value and share no memory with
// it that a caller could change.
func TestClonesShareNothing(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	check := func(name string, typ reflect.Type, clone func(any) any) {
		t.Run(name, func(t *testing.T) {
			for range 200 {
				v := reflect.New(typ)
				randomFill(v.Elem(), r)
				orig := v.Interface()
				c := clone(orig)
				if !reflect.DeepEqual(c, orig) {
					t.Fatalf("clone of %s is %s", show(orig), show(c))
				}
				if p := sharedMemory(reflect.ValueOf(orig), reflect.ValueOf(c), ""); p != "" {
					t.Fatalf("the clone shares %s", p)
				}
			}
		})
	}
	check("Service", reflect.TypeFor[model.Service](), func(v any) any { return cloneService(v.(*model.Service)) })
	check("Channel", reflect.TypeFor[model.Channel](), func(v any) any { return cloneChannel(v.(*model.Channel)) })
}

// TestTxCache checks that within one transaction reads see the writes
// before them, however the cache holds the records.
func TestTxCache(t *testing.T) {
	s1, ch1 := sid("IS", 1), sid("CH", 1)
	seed := func(t *testing.T) *DB {
		d := newDB(t)
		mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, "general"))
		return d
	}
	t.Run("a caller changing what it read changes nothing", func(t *testing.T) {
		d := seed(t)
		mustView(t, d, func(tx model.Tx) error {
			c, err := tx.Channel(s1, ch1)
			if err != nil {
				return err
			}
			*c.UniqueName = "changed"
			c.MessagesCount = 99
			s, err := tx.Service(s1)
			if err != nil {
				return err
			}
			s.Webhooks = map[string]model.EventWebhook{"onMessageSent": {}}
			s.FriendlyName = "changed"
			c, err = tx.Channel(s1, "general")
			if err != nil {
				return err
			}
			if *c.UniqueName != "general" || c.MessagesCount != 0 {
				t.Errorf("Channel read again = %q, %d messages; want general, 0", *c.UniqueName, c.MessagesCount)
			}
			s, err = tx.Service(s1)
			if err != nil {
				return err
			}
			if s.Webhooks != nil || s.FriendlyName != "" {
				t.Errorf("Service read again has %v, %q; want nil, \"\"", s.Webhooks, s.FriendlyName)
			}
			return nil
		})
	})
	t.Run("reads see earlier writes of the transaction", func(t *testing.T) {
		d := seed(t)
		mustUpdate(t, d, func(tx model.Tx) error {
			if _, err := tx.Channel(s1, ch1); err != nil {
				return err
			}
			for i := range 3 {
				if err := tx.AppendMessage(newMessage(1, 1, i)); err != nil {
					return err
				}
			}
			c, err := tx.Channel(s1, "general")
			if err != nil {
				return err
			}
			if c.MessagesCount != 3 || c.LastMessageSid != sid("IM", 2) {
				return fmt.Errorf("after 3 appends: %d messages, last %s; want 3, IM 2", c.MessagesCount, c.LastMessageSid)
			}
			c.UniqueName = ptr("renamed")
			if err := tx.PutChannel(c); err != nil {
				return err
			}
			if _, err := tx.Channel(s1, "general"); err != model.ErrNotFound {
				return fmt.Errorf("Channel by its old unique name: %v, want ErrNotFound", err)
			}
			if c, err := tx.Channel(s1, "renamed"); err != nil || c.MessagesCount != 3 {
				return fmt.Errorf("Channel by its new unique name: %v, %v; want 3 messages", c, err)
			}
			s, err := tx.Service(s1)
			if err != nil {
				return err
			}
			s.FriendlyName = "renamed"
			if err := tx.PutService(s); err != nil {
				return err
			}
			if s, err := tx.Service(s1); err != nil || s.FriendlyName != "renamed" {
				return fmt.Errorf("Service after PutService: %v, %v; want it renamed", s, err)
			}
			if err := tx.DeleteChannelTree(s1, ch1); err != nil {
				return err
			}
			if _, err := tx.Channel(s1, ch1); err != model.ErrNotFound {
				return fmt.Errorf("Channel after DeleteChannelTree: %v, want ErrNotFound", err)
			}
			return nil
		})
	})
	t.Run("deleting the Service forgets its Channels", func(t *testing.T) {
		d := seed(t)
		mustUpdate(t, d, func(tx model.Tx) error {
			if _, err := tx.Channel(s1, ch1); err != nil {
				return err
			}
			if _, err := tx.Service(s1); err != nil {
				return err
			}
			if err := tx.DeleteServiceTree(s1); err != nil {
				return err
			}
			if _, err := tx.Channel(s1, ch1); err != model.ErrNotFound {
				return fmt.Errorf("Channel after DeleteServiceTree: %v, want ErrNotFound", err)
			}
			if _, err := tx.Service(s1); err != model.ErrNotFound {
				return fmt.Errorf("Service after DeleteServiceTree: %v, want ErrNotFound", err)
			}
			return nil
		})
	})
	t.Run("Wipe forgets everything", func(t *testing.T) {
		d := seed(t)
		mustUpdate(t, d, func(tx model.Tx) error {
			if _, err := tx.Channel(s1, ch1); err != nil {
				return err
			}
			if err := tx.Wipe(); err != nil {
				return err
			}
			if _, err := tx.Channel(s1, ch1); err != model.ErrNotFound {
				return fmt.Errorf("Channel after Wipe: %v, want ErrNotFound", err)
			}
			return nil
		})
	})
}

// TestBatchCountsAfterRollback runs three sends to one Channel as one batch
// whose second fails after appending: the batch rolls back and runs again
// without it, and the counts must not remember the failed send.
func TestBatchCountsAfterRollback(t *testing.T) {
	d := newDB(t)
	mustSeed(t, d, insService(1), insChannel(1, 1, model.ChannelPublic, ""))
	start := pauseLoop(t, d, 3)
	errFailed := errors.New("failed after appending")
	errs := make(chan error, 3)
	for i := range 3 {
		go func() {
			errs <- d.Update(context.Background(), func(tx model.Tx) error {
				if err := send(tx, newMessage(1, 1, i)); err != nil {
					return err
				}
				if i == 1 {
					return errFailed
				}
				return nil
			})
		}()
		waitQueued(d, i+1)
	}
	start()
	var failed int
	for range 3 {
		if err := <-errs; errors.Is(err, errFailed) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if failed != 1 {
		t.Fatalf("%d sends failed, want 1", failed)
	}
	mustView(t, d, func(tx model.Tx) error {
		c, err := tx.Channel(sid("IS", 1), sid("CH", 1))
		if err != nil {
			return err
		}
		if c.MessagesCount != 2 || c.LastMessageSid != sid("IM", 2) {
			t.Errorf("Channel has %d messages, last %s; want 2, IM 2", c.MessagesCount, c.LastMessageSid)
		}
		ms, err := tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{})
		if err != nil {
			return err
		}
		if len(ms) != 2 || ms[0].Index != 0 || ms[1].Index != 1 {
			t.Errorf("stored Messages %v, want indexes 0 and 1", ms)
		}
		return nil
	})
}
