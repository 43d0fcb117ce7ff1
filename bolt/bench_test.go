package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// BenchmarkCommit measures durable writes per second through the commit
// loop, one small record per Update, for 1 and 64 concurrent writers.
// BenchmarkBatchBaseline does the same with bbolt's own Batch (its default
// 10 ms delay) for comparison: the loop never waits on a timer, so a lone
// writer is not held back, and it groups whatever queued during the last
// fsync, so throughput still grows with writers.
func BenchmarkCommit(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var n atomic.Int64
			write := func() error {
				key := fmt.Sprintf("k%d", n.Add(1))
				return db.Update(context.Background(), func(tx model.Tx) error { return tx.PutSetting(key, "v") })
			}
			runWriters(b, writers, write)
		})
	}
}

func BenchmarkBatchBaseline(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db, err := bbolt.Open(filepath.Join(b.TempDir(), "bench.db"), 0o600, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(bucketSettings); return err })
			var n atomic.Int64
			write := func() error {
				key := []byte(fmt.Sprintf("k%d", n.Add(1)))
				return db.Batch(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSettings).Put(key, []byte("v")) })
			}
			runWriters(b, writers, write)
		})
	}
}

// runWriters performs b.N writes spread over the given number of
// goroutines and reports writes per second and the CPU time per write.
func runWriters(b *testing.B, writers int, write func() error) {
	b.ResetTimer()
	defer reportCPU(b)()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := write(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

// benchService is the Service the message benchmarks write to, with
// benchChannels Channels: sid("CH", 0) … sid("CH", benchChannels-1).
var benchService = sid("IS", 1)

const benchChannels = 16

// openBench opens a store on a fresh file holding benchService and its
// Channels.
func openBench(b *testing.B) *DB {
	b.Helper()
	d, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	err = d.Update(context.Background(), func(tx model.Tx) error {
		if err := tx.InsertService(&model.Service{Sid: benchService, FriendlyName: "bench", DateCreated: testNow, DateUpdated: testNow}); err != nil {
			return err
		}
		for i := range benchChannels {
			c := &model.Channel{Sid: sid("CH", i), ServiceSid: benchService, FriendlyName: ptr(fmt.Sprint("channel ", i)),
				Attributes: "{}", Type: model.ChannelPublic, CreatedBy: model.DefaultAuthor, DateCreated: testNow, DateUpdated: testNow}
			if err := tx.InsertChannel(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// benchMessage is Message n of Channel ch with a body of the given size.
func benchMessage(ch, n int, body string) *model.Message {
	return &model.Message{Sid: sid("IM", n), ServiceSid: benchService, ChannelSid: sid("CH", ch),
		From: "loadgen", Body: body, Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
}

// send is one write as chat makes it for a new Message: read the Channel,
// then append to it.
func send(tx model.Tx, m *model.Message) error {
	c, err := tx.Channel(m.ServiceSid, m.ChannelSid)
	if err != nil {
		return err
	}
	m.ChannelSid = c.Sid
	return tx.AppendMessage(m)
}

// BenchmarkAppendMessage measures durable sends through the commit loop:
// each Update reads a Channel and appends a Message with a 100-byte body,
// round robin over 16 Channels, for 1, 16 and 64 concurrent writers.
func BenchmarkAppendMessage(b *testing.B) {
	body := strings.Repeat("x", 100)
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			d := openBench(b)
			var n atomic.Int64
			write := func() error {
				i := int(n.Add(1))
				return d.Update(context.Background(), func(tx model.Tx) error {
					return send(tx, benchMessage(i%benchChannels, i, body))
				})
			}
			runWriters(b, writers, write)
		})
	}
}

// BenchmarkSendBatch measures the work of the single writer per send, with
// the fsync shared as in a full batch: each Update runs 256 sends (read the
// Channel, append a Message with a 100-byte body) round robin over 16
// Channels, as the commit loop runs a batch of queued writes.
func BenchmarkSendBatch(b *testing.B) {
	const batch = 256
	body := strings.Repeat("x", 100)
	d := openBench(b)
	b.ResetTimer()
	defer reportCPU(b)()
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		err := d.Update(context.Background(), func(tx model.Tx) error {
			for i := done; i < done+n; i++ {
				if err := send(tx, benchMessage(i%benchChannels, i, body)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += n
	}
}

// fillChannel appends n Messages with bodies of the given size to Channel
// 0, a thousand per transaction.
func fillChannel(b *testing.B, d *DB, n, bodySize int) {
	b.Helper()
	body := strings.Repeat("x", bodySize)
	for done := 0; done < n; {
		batch := min(1000, n-done)
		err := d.Update(context.Background(), func(tx model.Tx) error {
			for i := range batch {
				m := benchMessage(0, done+i, body)
				m.Sid = "" // minted by the store, as for a send
				if err := tx.AppendMessage(m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += batch
	}
}

// BenchmarkMessagesPage measures a page read as chat makes it: one read
// transaction that fetches the Channel and a 50-Message window of it, at
// varying positions in a Channel of 10 000 Messages; with Messages (the
// Messages copied out, as a Go caller keeps them) and with PeekMessages
// (as the REST list reads a page it renders in the transaction).
func BenchmarkMessagesPage(b *testing.B) {
	const messages, page = 10000, 50
	d := openBench(b)
	fillChannel(b, d, messages, 100)
	for _, read := range []struct {
		name string
		read func(tx model.Tx) func(service, channel string, w model.Window) ([]*model.Message, error)
	}{
		{"Messages", func(tx model.Tx) func(string, string, model.Window) ([]*model.Message, error) { return tx.Messages }},
		{"PeekMessages", func(tx model.Tx) func(string, string, model.Window) ([]*model.Message, error) { return tx.PeekMessages }},
	} {
		b.Run(read.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for i := 0; b.Loop(); i++ {
				after := strconv.Itoa(i * 7919 % (messages - page))
				err := d.View(context.Background(), func(tx model.Tx) error {
					c, err := tx.Channel(benchService, sid("CH", 0))
					if err != nil {
						return err
					}
					ms, err := read.read(tx)(benchService, c.Sid, model.Window{After: after, Limit: page})
					if err == nil && len(ms) != page {
						err = fmt.Errorf("page of %d messages, want %d", len(ms), page)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMessageBySid measures fetching one Message by its SID (the
// Message SID index, then the record) in a Channel of 10 000 Messages.
func BenchmarkMessageBySid(b *testing.B) {
	const messages = 10_000
	d := openBench(b)
	fillChannel(b, d, messages, 100)
	channel := sid("CH", 0)
	b.ReportAllocs()
	defer reportCPU(b)()
	for i := 0; b.Loop(); i++ {
		want := sid("IM", i*7919%messages)
		err := d.View(context.Background(), func(tx model.Tx) error {
			m, err := tx.Message(benchService, channel, want)
			if err == nil && m.Sid != want {
				err = fmt.Errorf("Message %s read %s", want, m.Sid)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileBytesPerMessage appends b.N Messages with 600-byte bodies to
// one Channel and reports the file size they take (bbolt's high-water mark)
// per Message. Run it with -benchtime=100000x for a steady figure.
func BenchmarkFileBytesPerMessage(b *testing.B) {
	d := openBench(b)
	var before int64
	d.bolt.View(func(tx *bbolt.Tx) error { before = tx.Size(); return nil })
	fillChannel(b, d, b.N, 600)
	var after int64
	d.bolt.View(func(tx *bbolt.Tx) error { after = tx.Size(); return nil })
	b.ReportMetric(float64(after-before)/float64(b.N), "file-B/msg")
}

// reportCPU starts measuring the CPU time of the process; the function it
// returns reports it per operation. On a shared machine it is steadier than
// ns/op.
func reportCPU(b *testing.B) (stop func()) {
	start := processCPU()
	return func() {
		if used := processCPU() - start; used > 0 {
			b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkCodec measures encoding and decoding a stored Message (with a
// 100-byte body) and a stored Channel, and reports their sizes.
func BenchmarkCodec(b *testing.B) {
	m := benchMessage(1, 1, strings.Repeat("x", 100))
	c := &model.Channel{Sid: sid("CH", 1), ServiceSid: benchService, FriendlyName: ptr("channel 1"),
		Attributes: "{}", Type: model.ChannelPublic, CreatedBy: model.DefaultAuthor, DateCreated: testNow, DateUpdated: testNow,
		MembersCount: 10, MessagesCount: 12345, LastMessageSid: sid("IM", 12344)}
	mv, err := record.EncodeMessage(m)
	if err != nil {
		b.Fatal(err)
	}
	cv, err := channelCodec.encode(c)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode/message", func(b *testing.B) {
		for b.Loop() {
			if _, err := record.EncodeMessage(m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(mv)), "stored-B")
	})
	b.Run("decode/message", func(b *testing.B) {
		var got model.Message
		for b.Loop() {
			if err := decodeMessage(mv, &got, m.ServiceSid, m.ChannelSid, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/channel", func(b *testing.B) {
		for b.Loop() {
			if _, err := channelCodec.encode(c); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(cv)), "stored-B")
	})
	b.Run("decode/channel", func(b *testing.B) {
		for b.Loop() {
			if _, err := channelCodec.decode(cv); err != nil {
				b.Fatal(err)
			}
		}
	})
}
