package chat

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/chatd/chatd/model"
)

// changeLog collects what OnCommit is told, one slice per commit.
type changeLog struct {
	mu      sync.Mutex
	commits [][]model.Change
}

func (l *changeLog) add(cs []model.Change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.commits = append(l.commits, cs)
}

func (l *changeLog) take() [][]model.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.commits
	l.commits = nil
	return out
}

func TestOnCommit(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		log := &changeLog{}
		r.onCommit = log.add
		s := r.service(t)
		log.take()
		ch := r.channel(t, s.Sid)
		m := r.member(t, s.Sid, ch.Sid, "alice")
		msg := r.message(t, s.Sid, ch.Sid, "hi")
		want := [][]model.Change{
			{{Op: model.ChangeAdded, Kind: model.ChangeChannel, ServiceSid: s.Sid, ChannelSid: ch.Sid, Sid: ch.Sid}},
			{
				// A new Member of a new identity creates its User first.
				{Op: model.ChangeAdded, Kind: model.ChangeUser, ServiceSid: s.Sid, Sid: m.UserSid},
				{Op: model.ChangeAdded, Kind: model.ChangeMember, ServiceSid: s.Sid, ChannelSid: ch.Sid, Sid: m.Sid},
			},
			{{Op: model.ChangeAdded, Kind: model.ChangeMessage, ServiceSid: s.Sid, ChannelSid: ch.Sid, Sid: msg.Sid}},
		}
		if got := log.take(); !reflect.DeepEqual(got, want) {
			t.Errorf("OnCommit heard\n %+v\nwant\n %+v", got, want)
		}

		t.Run("a failed write tells nothing", func(t *testing.T) {
			_, err := r.CreateMessage(t.Context(), s.Sid, "CH"+"0123456789abcdef0123456789abcdef", model.MessageCreate{})
			if err == nil {
				t.Fatal("a message to an unknown Channel was created")
			}
			if got := log.take(); len(got) != 0 {
				t.Errorf("OnCommit heard %+v, want nothing", got)
			}
		})
		t.Run("a write that runs twice tells its last run", func(t *testing.T) {
			twice := New(retryingStore{r.store}, Options{AccountSid: testAccount, OnCommit: log.add})
			m, err := twice.CreateMessage(t.Context(), s.Sid, ch.Sid, model.MessageCreate{})
			noErr(t, err)
			want := [][]model.Change{{{Op: model.ChangeAdded, Kind: model.ChangeMessage, ServiceSid: s.Sid, ChannelSid: ch.Sid, Sid: m.Sid}}}
			if got := log.take(); !reflect.DeepEqual(got, want) {
				t.Errorf("OnCommit heard %+v, want %+v", got, want)
			}
		})
		t.Run("a reset is a wipe", func(t *testing.T) {
			noErr(t, r.Reset(t.Context(), ""))
			got := log.take()
			if len(got) != 1 || len(got[0]) == 0 || got[0][0] != (model.Change{Op: model.ChangeWiped}) {
				t.Errorf("OnCommit heard %+v, want a wipe first", got)
			}
		})
	})
}

// retryingStore runs every write twice, as a store retrying a
// transaction does: the first run is rolled back.
type retryingStore struct{ model.Store }

var errRolledBack = errors.New("rolled back")

func (s retryingStore) Update(ctx context.Context, fn func(model.Tx) error) error {
	err := s.Store.Update(ctx, func(tx model.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRolledBack
	})
	if !errors.Is(err, errRolledBack) {
		return err
	}
	return s.Store.Update(ctx, fn)
}
