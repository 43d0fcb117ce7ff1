package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
)

// Several chatd nodes on one database are several DBs (pools) on one
// schema. These tests race writers through nodes and check the rules that
// the database's constraints and row locks keep.

const (
	racers = 64
	nodes  = 4
)

// openNodes opens n stores on one fresh schema, closed when t ends.
func openNodes(t *testing.T, n int) []*DB {
	t.Helper()
	dsn := pgtest.New(t)
	var dbs []*DB
	for range n {
		d := openAt(t, dsn)
		t.Cleanup(func() { d.Close() })
		dbs = append(dbs, d)
	}
	return dbs
}

func sid(prefix string, n int) string { return prefix + fmt.Sprintf("%032x", n) }

func seed(t *testing.T, d *DB, fn func(model.Tx) error) {
	t.Helper()
	if err := d.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// race runs fn(i) for i in [0, racers) at once, each through node i%nodes,
// and returns their errors.
func race(dbs []*DB, fn func(i int, tx model.Tx) error) []error {
	return raceCtx(context.Background(), dbs, fn)
}

// raceCtx is race with the Updates' context.
func raceCtx(ctx context.Context, dbs []*DB, fn func(i int, tx model.Tx) error) []error {
	errs := make([]error, racers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range racers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = dbs[i%len(dbs)].Update(ctx, func(tx model.Tx) error { return fn(i, tx) })
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

func newService(n int) *model.Service {
	return &model.Service{Sid: sid("IS", n), FriendlyName: "s", DateCreated: testNow, DateUpdated: testNow}
}

func newChannel(n int, uniqueName string) *model.Channel {
	c := &model.Channel{Sid: sid("CH", n), ServiceSid: sid("IS", 1), Attributes: "{}", Type: model.ChannelPublic,
		CreatedBy: model.DefaultAuthor, DateCreated: testNow, DateUpdated: testNow}
	if uniqueName != "" {
		c.UniqueName = &uniqueName
	}
	return c
}

// TestUniqueRace: 64 writers on 4 nodes create a Channel with one unique
// name, and a User with one identity: exactly one of each wins, and every
// other gets the TakenError of that field.
func TestUniqueRace(t *testing.T) {
	for _, c := range []struct {
		field  string
		insert func(i int, tx model.Tx) error
		count  func(tx model.Tx) (int, error)
	}{
		{"unique_name", func(i int, tx model.Tx) error { return tx.InsertChannel(newChannel(i+1, "general")) },
			func(tx model.Tx) (int, error) {
				cs, err := tx.Channels(sid("IS", 1), nil, model.Window{})
				return len(cs), err
			}},
		{"identity", func(i int, tx model.Tx) error {
			return tx.InsertUser(&model.User{Sid: sid("US", i+1), ServiceSid: sid("IS", 1), Identity: "alice", Attributes: "{}",
				DateCreated: testNow, DateUpdated: testNow})
		}, func(tx model.Tx) (int, error) {
			us, err := tx.Users(sid("IS", 1), model.Window{})
			return len(us), err
		}},
	} {
		t.Run(c.field, func(t *testing.T) {
			dbs := openNodes(t, nodes)
			seed(t, dbs[0], func(tx model.Tx) error { return tx.InsertService(newService(1)) })
			won := 0
			for i, err := range race(dbs, c.insert) {
				var taken *model.TakenError
				switch {
				case err == nil:
					won++
				case errors.As(err, &taken) && taken.Field == c.field:
				default:
					t.Errorf("writer %d: %v, want success or *TakenError{%q}", i, err, c.field)
				}
			}
			if won != 1 {
				t.Errorf("%d writers won, want exactly 1", won)
			}
			var n int
			if err := dbs[1].View(context.Background(), func(tx model.Tx) (err error) { n, err = c.count(tx); return err }); err != nil || n != 1 {
				t.Errorf("stored %d records (%v), want 1", n, err)
			}
		})
	}
}

// TestAppendRace: 64 writers on 4 nodes append to one Channel, in rounds
// (every other one as waves, model.Interleaving), while a reader tails it. The indexes given are 0, 1, 2, … each once;
// every snapshot the reader took was a gap-free prefix, so no index became
// visible before a smaller one; and the Channel's counts agree.
func TestAppendRace(t *testing.T) {
	dbs := openNodes(t, nodes)
	seed(t, dbs[0], func(tx model.Tx) error {
		if err := tx.InsertService(newService(1)); err != nil {
			return err
		}
		return tx.InsertChannel(newChannel(1, ""))
	})
	ctx := context.Background()
	var (
		stop      atomic.Bool
		snapshots int
		readerErr error
		tail      sync.WaitGroup
	)
	tail.Add(1)
	go func() {
		defer tail.Done()
		for !stop.Load() {
			var ms []*model.Message
			err := dbs[nodes-1].View(ctx, func(tx model.Tx) (err error) {
				ms, err = tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{})
				return err
			})
			if err != nil {
				readerErr = err
				return
			}
			for i, m := range ms {
				if m.Index != i {
					readerErr = fmt.Errorf("a snapshot holds indexes %v: not a gap-free prefix", indexesOf(ms))
					return
				}
			}
			snapshots++
		}
	}()
	const rounds = 4
	const total = rounds * racers
	var indexes []int
	for round := range rounds {
		got := make([]int, racers)
		// Every other round, the appends of a node's group run as a wave.
		rctx := ctx
		if round%2 == 1 {
			rctx = model.Interleaving(ctx)
		}
		errs := raceCtx(rctx, dbs, func(i int, tx model.Tx) error {
			n := round*racers + i + 1
			m := &model.Message{Sid: sid("IM", n), ServiceSid: sid("IS", 1), ChannelSid: sid("CH", 1), From: "system",
				Body: fmt.Sprint("message ", n), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
			err := tx.AppendMessage(m)
			got[i] = m.Index
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		indexes = append(indexes, got...)
	}
	stop.Store(true)
	tail.Wait()
	if readerErr != nil {
		t.Error(readerErr)
	}
	t.Logf("the reader took %d snapshots", snapshots)
	slices.Sort(indexes)
	for i, index := range indexes {
		if index != i {
			t.Fatalf("indexes given %v, want 0 to %d each once", indexes, total-1)
		}
	}
	var c *model.Channel
	var ms []*model.Message
	err := dbs[0].View(ctx, func(tx model.Tx) (err error) {
		if c, err = tx.Channel(sid("IS", 1), sid("CH", 1)); err != nil {
			return err
		}
		ms, err = tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != total || c.MessagesCount != total || c.LastMessageSid != ms[len(ms)-1].Sid {
		t.Errorf("%d messages, channel counts %d messages, last %s; want %d, %d, %s",
			len(ms), c.MessagesCount, c.LastMessageSid, total, total, ms[len(ms)-1].Sid)
	}
}

func indexesOf(ms []*model.Message) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.Index
	}
	return out
}

// TestDeadlockIsRetried: two Updates lock two rows in opposite orders and
// deadlock; PostgreSQL aborts one, and its Update runs its fn again, so
// both succeed, one after the other.
func TestDeadlockIsRetried(t *testing.T) {
	dbs := openNodes(t, 2)
	seed(t, dbs[0], func(tx model.Tx) error {
		if err := tx.PutSetting("a", "0"); err != nil {
			return err
		}
		return tx.PutSetting("b", "0")
	})
	var runs atomic.Int32
	locked := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	update := func(node int, first, second string) error {
		attempt := 0
		return dbs[node].Update(context.Background(), func(tx model.Tx) error {
			runs.Add(1)
			attempt++
			if err := tx.PutSetting(first, fmt.Sprint(node)); err != nil {
				return err
			}
			if attempt == 1 {
				// Both hold their first row before either asks for its
				// second.
				close(locked[node])
				<-locked[1-node]
			}
			return tx.PutSetting(second, fmt.Sprint(node))
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for node, rows := range [][2]string{{"a", "b"}, {"b", "a"}} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[node] = update(node, rows[0], rows[1]) }()
	}
	wg.Wait()
	for node, err := range errs {
		if err != nil {
			t.Errorf("Update on node %d: %v", node, err)
		}
	}
	// A retry may deadlock again: the victim's second attempt can take its
	// first row back before the other Update, woken, takes it. Each such
	// round aborts one more attempt.
	if n := runs.Load(); n < 3 {
		t.Errorf("the fns ran %d times, want at least 3 (one of them again after the deadlock)", n)
	}
	// Each Update wrote both rows: whichever committed last wrote both.
	var a, b string
	err := dbs[1].View(context.Background(), func(tx model.Tx) (err error) {
		if a, err = tx.Setting("a"); err != nil {
			return err
		}
		b, err = tx.Setting("b")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if a != b || (a != "0" && a != "1") {
		t.Errorf("a = %q, b = %q; want both written by the Update that committed last", a, b)
	}
}

// TestReadThenWrite: the rules read a record and write it back, or read a
// setting and write it when unset, as if alone. Racing through nodes, no
// change is lost and every writer sees the same setting.
func TestReadThenWrite(t *testing.T) {
	ctx := context.Background()
	// Two Updates read a record before either writes it back, each
	// changing another field; the second to write runs again, and keeps the
	// first one's change.
	bothKept := func(t *testing.T, seedOps func(model.Tx) error, edit [2]func(tx model.Tx) error, check func(tx model.Tx) error) {
		dbs := openNodes(t, 2)
		seed(t, dbs[0], seedOps)
		read := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for node := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				attempt := 0
				errs[node] = dbs[node].Update(ctx, func(tx model.Tx) error {
					attempt++
					return edit[node](&barrierTx{Tx: tx, wait: func() {
						if attempt == 1 {
							close(read[node])
							<-read[1-node]
						}
					}})
				})
			}()
		}
		wg.Wait()
		for node, err := range errs {
			if err != nil {
				t.Errorf("Update on node %d: %v", node, err)
			}
		}
		if err := dbs[0].View(ctx, check); err != nil {
			t.Error(err)
		}
	}
	t.Run("concurrent changes of a Service are all kept", func(t *testing.T) {
		editService := func(edit func(*model.Service)) func(tx model.Tx) error {
			return func(tx model.Tx) error {
				s, err := tx.Service(sid("IS", 1))
				if err != nil {
					return err
				}
				tx.(*barrierTx).wait()
				edit(s)
				return tx.PutService(s)
			}
		}
		bothKept(t, func(tx model.Tx) error { return tx.InsertService(newService(1)) },
			[2]func(model.Tx) error{
				editService(func(s *model.Service) { s.FriendlyName = "renamed" }),
				editService(func(s *model.Service) { s.ReadStatusEnabled = true }),
			},
			func(tx model.Tx) error {
				s, err := tx.Service(sid("IS", 1))
				if err == nil && (s.FriendlyName != "renamed" || !s.ReadStatusEnabled) {
					err = fmt.Errorf("Service = %q, read status %v; want both changes kept", s.FriendlyName, s.ReadStatusEnabled)
				}
				return err
			})
	})
	t.Run("concurrent changes of a Channel are all kept", func(t *testing.T) {
		editChannel := func(edit func(*model.Channel)) func(tx model.Tx) error {
			return func(tx model.Tx) error {
				c, err := tx.Channel(sid("IS", 1), sid("CH", 1))
				if err != nil {
					return err
				}
				tx.(*barrierTx).wait()
				edit(c)
				return tx.PutChannel(c)
			}
		}
		bothKept(t, func(tx model.Tx) error {
			if err := tx.InsertService(newService(1)); err != nil {
				return err
			}
			return tx.InsertChannel(newChannel(1, "general"))
		}, [2]func(model.Tx) error{
			editChannel(func(c *model.Channel) { c.FriendlyName = ptr("General") }),
			editChannel(func(c *model.Channel) { c.Attributes = `{"topic":"news"}` }),
		}, func(tx model.Tx) error {
			c, err := tx.Channel(sid("IS", 1), "general")
			if err == nil && (model.Deref(c.FriendlyName) != "General" || c.Attributes != `{"topic":"news"}`) {
				err = fmt.Errorf("Channel = %q, %s; want both changes kept", model.Deref(c.FriendlyName), c.Attributes)
			}
			return err
		})
	})
	t.Run("concurrent first writes of a setting agree", func(t *testing.T) {
		dbs := openNodes(t, nodes)
		got := make([]string, racers)
		for i, err := range race(dbs, func(i int, tx model.Tx) error {
			v, err := tx.Setting("key")
			if err != nil {
				return err
			}
			if v == "" {
				v = fmt.Sprint("writer ", i)
				if err := tx.PutSetting("key", v); err != nil {
					return err
				}
			}
			got[i] = v
			return nil
		}) {
			if err != nil {
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		for i, v := range got {
			if v != got[0] {
				t.Fatalf("writer %d saw %q, writer 0 %q: two writers each thought the setting unset", i, v, got[0])
			}
		}
	})
	t.Run("a limit checked against a Channel's member count read in the Update holds", func(t *testing.T) {
		dbs := openNodes(t, nodes)
		seed(t, dbs[0], func(tx model.Tx) error {
			if err := tx.InsertService(newService(1)); err != nil {
				return err
			}
			return tx.InsertChannel(newChannel(1, ""))
		})
		// Each writer joins a Member only while the Channel has fewer than
		// 10: the rules' limit check, on the count read with the Channel.
		const max = 10
		joined := 0
		for i, err := range race(dbs, func(i int, tx model.Tx) error {
			c, err := tx.Channel(sid("IS", 1), sid("CH", 1))
			if err != nil || c.MembersCount >= max {
				return err
			}
			return tx.InsertMember(&model.Member{Sid: sid("MB", i+1), ServiceSid: sid("IS", 1), ChannelSid: sid("CH", 1),
				UserSid: sid("US", i+1), Identity: fmt.Sprint("user ", i), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow})
		}) {
			if err != nil {
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		err := dbs[0].View(ctx, func(tx model.Tx) error {
			ms, err := tx.Members(sid("IS", 1), sid("CH", 1), model.Window{})
			joined = len(ms)
			return err
		})
		if err != nil || joined != max {
			t.Errorf("%d Members joined (%v), want the limit, %d", joined, err, max)
		}
	})
}

// barrierTx is a Tx with a point where the test makes two Updates meet.
type barrierTx struct {
	model.Tx
	wait func()
}

func ptr[T any](v T) *T { return &v }
