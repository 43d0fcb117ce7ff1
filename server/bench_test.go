package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
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
