package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/model"
)

// commitCounter is a CommitObserver that counts commits.
type commitCounter struct{ commits, writes atomic.Int64 }

func (c *commitCounter) ObserveCommit(writes int, _ time.Duration, err error) {
	if err == nil {
		c.commits.Add(1)
		c.writes.Add(int64(writes))
	}
}

// BenchmarkChatSend measures sends as the REST API makes them: chat's
// CreateMessage over the store, with its Sync projection, round robin over
// 16 Channels with a 100-byte body, for 1, 16 and 64 concurrent writers.
// Each Channel first holds more Messages than its Sync objects keep
// events, so that every send also trims the log, as on a busy chatd.
// Besides the rate and the CPU per send it reports the pages each commit
// writes and the sends each commit carries. "log=started" is a Service a
// client signed in to, whose sends append Sync events; "log=none" one no
// client signed in to yet.
func BenchmarkChatSend(b *testing.B) {
	body := strings.Repeat("x", 100)
	for _, started := range []bool{true, false} {
		log := map[bool]string{true: "started", false: "none"}[started]
		for _, writers := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("log=%s/writers=%d", log, writers), func(b *testing.B) {
				benchChatSend(b, writers, started, body)
			})
		}
	}
}

func benchChatSend(b *testing.B, writers int, started bool, body string) {
	counter := &commitCounter{}
	d, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Observer: counter})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	pages := &pageCounter{DB: d}
	api := chat.New(pages, chat.Options{AccountSid: "AC" + strings.Repeat("0", 32)})
	sv, err := api.CreateService(ctx, model.ServiceCreate{FriendlyName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	var channels []string
	for i := range benchChannels {
		ch, err := api.CreateChannel(ctx, sv.Sid, model.ChannelCreate{FriendlyName: ptr(fmt.Sprint("channel ", i))})
		if err != nil {
			b.Fatal(err)
		}
		channels = append(channels, ch.Sid)
	}
	prefill(b, d, sv.Sid, channels, chat.DefaultSyncRetention+100, started)
	from := "loadgen"
	var n atomic.Int64
	write := func() error {
		i := int(n.Add(1))
		_, err := api.CreateMessage(ctx, sv.Sid, channels[i%len(channels)], model.MessageCreate{From: &from, Body: &body})
		return err
	}
	pages0, commits0, writes0 := pages.written.Load(), counter.commits.Load(), counter.writes.Load()
	b.ReportAllocs()
	runWriters(b, writers, write)
	commits := float64(counter.commits.Load() - commits0)
	b.ReportMetric(float64(pages.written.Load()-pages0)/commits, "pages/commit")
	b.ReportMetric(float64(counter.writes.Load()-writes0)/commits, "sends/commit")
}

// pageCounter is a store that counts the pages its commits write (meta
// pages included). The file keeps no statistics, but each transaction
// counts its own writes: the first write of each commit hears of them.
type pageCounter struct {
	*DB
	written atomic.Int64
	last    *bbolt.Tx // read and written on the commit loop's goroutine only
}

func (p *pageCounter) Update(ctx context.Context, fn func(model.Tx) error) error {
	return p.DB.Update(ctx, func(t model.Tx) error {
		if btx := t.(*tx).btx; btx != p.last {
			p.last = btx
			btx.OnCommit(func() { s := btx.Stats(); p.written.Add(s.GetWrite()) })
		}
		return fn(t)
	})
}

// prefill gives each Channel n Messages and, when log is set, its
// messages list and document as many Sync events, of the sizes a send
// makes, a thousand sends per transaction.
func prefill(b *testing.B, d *DB, service string, channels []string, n int, log bool) {
	b.Helper()
	list := []byte(`{"event_type":"list_item_added","event":{` + strings.Repeat("x", 560) + `}}`)
	doc := []byte(`{"event_type":"document_updated","event":{` + strings.Repeat("x", 500) + `}}`)
	body := strings.Repeat("x", 100)
	total := n * len(channels)
	for done := 0; done < total; {
		batch := min(1000, total-done)
		err := d.Update(context.Background(), func(tx model.Tx) error {
			var first uint64
			if log {
				var err error
				if first, err = tx.ReserveSyncEventIDs(service, 2*batch); err != nil {
					return err
				}
			}
			var events []*model.SyncEvent
			for i := range batch {
				ch := channels[(done+i)%len(channels)]
				m := &model.Message{Sid: fmt.Sprintf("IM%032x", done+i), ServiceSid: service, ChannelSid: ch,
					From: "loadgen", Body: body, Attributes: "{}", DateCreated: tx.Now(), DateUpdated: tx.Now()}
				if err := tx.AppendMessage(m); err != nil {
					return err
				}
				id := first + uint64(2*i)
				events = append(events,
					&model.SyncEvent{ServiceSid: service, ObjectSid: "ES" + ch[2:], ID: id, Date: tx.Now(), Payload: list},
					&model.SyncEvent{ServiceSid: service, ObjectSid: "ET" + ch[2:], ID: id + 1, Date: tx.Now(), Payload: doc})
			}
			if !log {
				return nil
			}
			return tx.AppendSyncEvents(events, chat.DefaultSyncRetention)
		})
		if err != nil {
			b.Fatal(err)
		}
		done += batch
	}
}
