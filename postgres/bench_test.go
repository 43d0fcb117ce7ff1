package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
)

// BenchmarkSend measures what a REST send asks of the store: an Update that
// appends a Message to a Channel named by SID, reads the Channel and its
// author's Member and appends the send's Sync events as drafts (the
// Channel's document and the Message's item), from 16 clients on 2 cores
// over 16 Channels (-cpu sets the cores: 8 clients each); the sends of a
// group as a wave (model.Interleaving), as chatd's are, or one after
// another.
func BenchmarkSend(b *testing.B) {
	for _, mode := range []struct {
		name string
		ctx  func(context.Context) context.Context
	}{
		{"wave", model.Interleaving},
		{"one-after-another", func(ctx context.Context) context.Context { return ctx }},
	} {
		b.Run(mode.name, func(b *testing.B) { benchmarkSend(b, mode.ctx) })
	}
}

func benchmarkSend(b *testing.B, withCtx func(context.Context) context.Context) {
	d := openAt(b, pgtest.New(b))
	b.Cleanup(func() { d.Close() })
	const channels = 16
	seed := func(tx model.Tx) error {
		if err := tx.InsertService(newService(1)); err != nil {
			return err
		}
		for n := range channels {
			if err := tx.InsertChannel(newChannel(n+1, "")); err != nil {
				return err
			}
		}
		return nil
	}
	if err := d.Update(context.Background(), seed); err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("x", 100)
	render := func(id uint64) ([]byte, error) {
		return fmt.Appendf(nil, `{"id":%d,"type":"message","body":"%s"}`, id, body), nil
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		ctx := withCtx(b.Context())
		for pb.Next() {
			n := int(next.Add(1))
			err := d.Update(ctx, func(tx model.Tx) error {
				m := &model.Message{ServiceSid: sid("IS", 1), ChannelSid: sid("CH", n%channels+1),
					From: "bench", Body: body, Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
				if err := tx.AppendMessage(m); err != nil {
					return err
				}
				c, err := tx.Channel(m.ServiceSid, m.ChannelSid)
				if err != nil {
					return err
				}
				if _, err := tx.Member(c.ServiceSid, c.Sid, m.From); err != nil && !errors.Is(err, model.ErrNotFound) {
					return err
				}
				return tx.AppendSyncEvents([]*model.SyncEvent{
					{ServiceSid: c.ServiceSid, ObjectSid: "channel " + c.Sid, Date: testNow, Render: render},
					{ServiceSid: c.ServiceSid, ObjectSid: "messages " + c.Sid, Date: testNow, Render: render},
				}, 100)
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPage measures a page read: a View that reads the Channel and
// its newest 50 Messages.
func BenchmarkPage(b *testing.B) {
	d := openAt(b, pgtest.New(b))
	b.Cleanup(func() { d.Close() })
	err := d.Update(context.Background(), func(tx model.Tx) error {
		if err := tx.InsertService(newService(1)); err != nil {
			return err
		}
		if err := tx.InsertChannel(newChannel(1, "")); err != nil {
			return err
		}
		for n := range 60 {
			if err := tx.AppendMessage(&model.Message{Sid: sid("IM", n), ServiceSid: sid("IS", 1), ChannelSid: sid("CH", 1),
				From: "bench", Body: strings.Repeat("x", 100), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := d.View(context.Background(), func(tx model.Tx) error {
				if _, err := tx.Channel(sid("IS", 1), sid("CH", 1)); err != nil {
					return err
				}
				ms, err := tx.Messages(sid("IS", 1), sid("CH", 1), model.Window{Reverse: true, Limit: 50})
				if err == nil && len(ms) != 50 {
					err = fmt.Errorf("%d messages", len(ms))
				}
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRead measures what the REST reads of a Channel ask of the
// store, as chat's ListMessages (by ViewMessages) and FindChannel run them:
// a Read of the newest 50 Messages (51, for whether there is a next page),
// peeked, and a Read of the Channel.
func BenchmarkRead(b *testing.B) {
	d := openAt(b, pgtest.New(b))
	b.Cleanup(func() { d.Close() })
	err := d.Update(context.Background(), func(tx model.Tx) error {
		if err := tx.InsertService(newService(1)); err != nil {
			return err
		}
		if err := tx.InsertChannel(newChannel(1, "")); err != nil {
			return err
		}
		for n := range 60 {
			if err := tx.AppendMessage(&model.Message{Sid: sid("IM", n), ServiceSid: sid("IS", 1), ChannelSid: sid("CH", 1),
				From: "bench", Body: strings.Repeat("x", 100), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	service, channel := sid("IS", 1), sid("CH", 1)
	b.ReportAllocs()
	b.SetParallelism(8) // as many readers per core as a server at 16 clients on 2 cores
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := d.Read(b.Context(), func(tx model.Tx) error {
				ms, err := tx.PeekMessages(service, channel, model.Window{Reverse: true, Limit: 51})
				if err == nil && len(ms) != 51 {
					err = fmt.Errorf("%d messages", len(ms))
				}
				return err
			})
			if err == nil {
				err = d.Read(b.Context(), func(tx model.Tx) error {
					_, err := tx.Channel(service, channel)
					return err
				})
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// reportCPU starts counting the CPU time of the benchmark's process (the
// store's side: the database is another process) and returns what reports
// it per operation, as cpu-µs/op.
func reportCPU(b *testing.B) func() {
	b.Helper()
	start := processCPU(b)
	b.ResetTimer()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64((processCPU(b)-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// processCPU is the CPU time, user and system, the process has used.
func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
