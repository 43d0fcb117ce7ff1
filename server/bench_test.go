package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
)

// BenchmarkMessageSend measures POST …/Messages through HTTP, each one
// acknowledged only once it is on disk: one client sending in sequence,
// and 64 clients at once.
func BenchmarkMessageSend(b *testing.B) {
	for _, clients := range []int{1, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			h := newHarness(b)
			svc := h.newService()
			h.create(svc+"/Channels", form("UniqueName", "bench"))
			path := h.URL() + svc + "/Channels/bench/Messages"
			body := form("Body", "hello, world", "From", "alice").Encode()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
			send := func() error {
				req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(testAccount, testToken)
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				// Read to the end, or the connection is not reused.
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			}
			b.ResetTimer()
			var next atomic.Int64
			done := make(chan struct{})
			for range clients {
				go func() {
					defer func() { done <- struct{}{} }()
					for next.Add(1) <= int64(b.N) {
						if err := send(); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			for range clients {
				<-done
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkMessagePage measures GET of a 50-message page through HTTP in
// the middle of a channel's history, reached with a page token, for a
// short and a long history: the cost must not grow with the history.
func BenchmarkMessagePage(b *testing.B) {
	for _, history := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			h := newHarness(b)
			svc := h.newService()
			ch := h.create(svc+"/Channels", form("UniqueName", "bench"))
			appendMessages(b, h, strings.TrimPrefix(svc, "/v2/Services/"), str(ch["sid"]), history)
			query := url.Values{"PageSize": {"50"}, "Page": {"1"}, "PageToken": {fmt.Sprintf("PT%d", history/2)}}
			path := h.URL() + svc + "/Channels/bench/Messages?" + query.Encode()
			client := &http.Client{}
			b.ResetTimer()
			for range b.N {
				req, _ := http.NewRequest(http.MethodGet, path, nil)
				req.SetBasicAuth(testAccount, testToken)
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatal(resp, err)
				}
				resp.Body.Close()
			}
		})
	}
}

// appendMessages appends n messages straight through the store, many per
// transaction, so that long histories are quick to build.
func appendMessages(b *testing.B, h *harness, service, channel string, n int) {
	b.Helper()
	for done := 0; done < n; {
		chunk := min(n-done, 10_000)
		err := h.db.Update(context.Background(), func(tx model.Tx) error {
			for i := range chunk {
				m := &model.Message{
					Sid: fmt.Sprintf("IM%032x", done+i), ServiceSid: service, ChannelSid: channel,
					From: "seed", Body: "seeded message", Attributes: "{}",
					DateCreated: tx.Now(), DateUpdated: tx.Now(),
				}
				if err := tx.AppendMessage(m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += chunk
	}
}

// BenchmarkMessageSendWebhooks measures message sends that each record a
// webhook delivery, against a receiver that answers at once and one that
// never answers, next to sends without webhooks: the API's cost is the
// outbox record in the same transaction, whatever the receiver does.
func BenchmarkMessageSendWebhooks(b *testing.B) {
	fast := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer fast.Close()
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer hanging.Close()
	defer close(release)
	for _, c := range []struct {
		name     string
		receiver string
		header   string
	}{
		{"none", "", ""},
		{"fast-receiver", fast.URL, "true"},
		{"hanging-receiver", hanging.URL, "true"},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := newHarnessWith(b, func(h *harness) { h.hookOptions.Timeout = time.Second })
			svc := h.newService()
			if c.receiver != "" {
				h.update(svc, form("PostWebhookUrl", c.receiver))
			}
			h.create(svc+"/Channels", form("UniqueName", "bench"))
			path := h.URL() + svc + "/Channels/bench/Messages"
			body := form("Body", "hello", "From", "alice").Encode()
			client := &http.Client{}
			b.ResetTimer()
			for range b.N {
				req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if c.header != "" {
					req.Header.Set("X-Twilio-Webhook-Enabled", c.header)
				}
				req.SetBasicAuth(testAccount, testToken)
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusCreated {
					b.Fatal(resp, err)
				}
				resp.Body.Close()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// pageBackend serves one page of 50 messages from memory, as a store would
// return them: a fixed page to render, with no storage cost.
type pageBackend struct {
	fixedBackend
	page []*model.Message
}

func (b pageBackend) ListMessages(context.Context, string, string, model.MessageFilter, model.Page) ([]*model.Message, model.Cursor, error) {
	return b.page, model.Cursor{Next: "PT49"}, nil
}

func (b pageBackend) ViewMessages(_ context.Context, _, _ string, _ model.MessageFilter, _ model.Page, view func([]*model.Message, model.Cursor)) error {
	view(b.page, model.Cursor{Next: "PT49"})
	return nil
}

// benchBody is a message body of the size the load generator sends.
var benchBody = strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 2)[:100]

// discardWriter is a ResponseWriter that keeps nothing but the status, so
// that a benchmark measures the handler and not a recorder.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// serveBench serves the GET of path through h b.N times, one after the
// other, and reports the response size.
func serveBench(b *testing.B, h http.Handler, path string) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.SetBasicAuth(testAccount, testToken)
	w := &discardWriter{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.status != http.StatusOK {
		b.Fatalf("GET %s: status %d", path, w.status)
	}
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		w.status, w.n = 0, 0
		h.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("GET %s: status %d", path, w.status)
		}
	}
}

// BenchmarkRenderMessagePage measures a v2 page of 50 messages through the
// handler over messages held in memory: routing, authentication, the query
// and the rendering of the body, without storage.
func BenchmarkRenderMessagePage(b *testing.B) {
	page := make([]*model.Message, 50)
	for i := range page {
		page[i] = &model.Message{
			Sid: sid("IM", i), ServiceSid: fixedSvc, ChannelSid: fixedChan, Index: i, From: "loadgen", Body: benchBody,
			Attributes: model.DefaultAttributes, DateCreated: fixedT0, DateUpdated: fixedT0,
		}
	}
	h := server.New(pageBackend{page: page}, server.Config{
		AccountSid: testAccount, AuthToken: testToken, Logger: slog.New(slog.DiscardHandler),
	}).Handler()
	serveBench(b, h, "/v2/Services/"+fixedSvc+"/Channels/"+fixedChan+"/Messages?PageSize=50")
}

// benchStore is chatd's rules over a real bbolt file holding one Channel
// with 60 messages, served by handler.
func benchStore(b *testing.B) (handler http.Handler, service, channel string) {
	return benchStoreWith(b, 60)
}

// benchStoreWith is benchStore with a Channel of the given number of
// messages: the first 60 sent through chat, the rest appended straight
// through the store, many per transaction.
func benchStoreWith(b *testing.B, messages int) (handler http.Handler, service, channel string) {
	b.Helper()
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	api := chat.New(db, chat.Options{AccountSid: testAccount})
	ctx := context.Background()
	sv, err := api.CreateService(ctx, model.ServiceCreate{FriendlyName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ch, err := api.CreateChannel(ctx, sv.Sid, model.ChannelCreate{UniqueName: ptr("bench")})
	if err != nil {
		b.Fatal(err)
	}
	for range min(messages, 60) {
		if _, err := api.CreateMessage(ctx, sv.Sid, ch.Sid, model.MessageCreate{From: ptr("loadgen"), Body: &benchBody}); err != nil {
			b.Fatal(err)
		}
	}
	for done := 60; done < messages; {
		chunk := min(messages-done, 10_000)
		err := db.Update(ctx, func(tx model.Tx) error {
			for i := range chunk {
				m := &model.Message{
					Sid: fmt.Sprintf("IM%032x", done+i), ServiceSid: sv.Sid, ChannelSid: ch.Sid,
					From: "loadgen", Body: benchBody, Attributes: model.DefaultAttributes,
					DateCreated: tx.Now(), DateUpdated: tx.Now(),
				}
				if err := tx.AppendMessage(m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += chunk
	}
	handler = server.New(api, server.Config{
		AccountSid: testAccount, AuthToken: testToken, Logger: slog.New(slog.DiscardHandler),
	}).Handler()
	return handler, sv.Sid, ch.Sid
}

// BenchmarkMessagePageHTTP measures what the read load of the load
// generator asks most: a v2 page of 50 messages, through the handler, over
// a real bbolt file.
func BenchmarkMessagePageHTTP(b *testing.B) {
	h, svc, ch := benchStore(b)
	serveBench(b, h, "/v2/Services/"+svc+"/Channels/"+ch+"/Messages?PageSize=50")
}

// BenchmarkChannelFetchHTTP measures the other half of that load: the
// fetch of a Channel, through the handler, over a real bbolt file.
func BenchmarkChannelFetchHTTP(b *testing.B) {
	h, svc, ch := benchStore(b)
	serveBench(b, h, "/v2/Services/"+svc+"/Channels/"+ch)
}

// BenchmarkDeepPageHTTP measures the deep-page load of the load generator:
// a v2 page of 50 messages in the middle of a Channel of 100 000, reached
// by its page token, through the handler, over a real bbolt file.
func BenchmarkDeepPageHTTP(b *testing.B) {
	h, svc, ch := benchStoreWith(b, 100_000)
	serveBench(b, h, "/v2/Services/"+svc+"/Channels/"+ch+"/Messages?PageSize=50&Page=1000&PageToken=PT50049")
}

// BenchmarkMessageSendHTTP measures POST …/Messages through the handler,
// over a real bbolt file, from 64 senders at once (so that the store
// commits them in groups, as under load): the server's own cost of a
// durable send, with no HTTP client or connection in it.
func BenchmarkMessageSendHTTP(b *testing.B) {
	h, svc, ch := benchStore(b)
	path := "/v2/Services/" + svc + "/Channels/" + ch + "/Messages"
	body := url.Values{"Body": {benchBody}, "From": {"loadgen"}}.Encode()
	b.ReportAllocs()
	b.SetParallelism(32) // 64 senders on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{header: http.Header{}}
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(testAccount, testToken)
			clear(w.header)
			w.status = 0
			h.ServeHTTP(w, req)
			if w.status != http.StatusCreated {
				b.Errorf("POST %s: status %d", path, w.status)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
