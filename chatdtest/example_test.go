package chatdtest_test

// How an application's tests use chatdtest with the official twilio-go
// helper library. Only the test imports twilio-go; chatdtest does not.

import (
	"slices"
	"testing"

	"github.com/twilio/twilio-go/client"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/chatdtest"
)

// TestExampleTwilioGo creates a Service and a Channel, sends messages and
// lists them, all through twilio-go, against a fixture.
func TestExampleTwilioGo(t *testing.T) {
	t.Parallel()
	srv := chatdtest.New(t) // stopped, and its file removed, when the test ends
	c := &client.Client{
		Credentials: client.NewCredentials(srv.AccountSid, srv.AuthToken),
		HTTPClient:  srv.Client(), // sends chat.twilio.com to the fixture
	}
	c.SetAccountSid(srv.AccountSid)
	api := chatv2.NewApiServiceWithClient(c)

	svc, err := api.CreateService((&chatv2.CreateServiceParams{}).SetFriendlyName("demo"))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := api.CreateChannel(*svc.Sid, (&chatv2.CreateChannelParams{}).SetUniqueName("general"))
	if err != nil {
		t.Fatal(err)
	}
	sent := []string{"hello", "how are you?", "fine, thanks", "bye"}
	for _, body := range sent {
		if _, err := api.CreateMessage(*svc.Sid, *ch.Sid, (&chatv2.CreateMessageParams{}).SetBody(body).SetFrom("alice")); err != nil {
			t.Fatal(err)
		}
	}

	// Two to a page: the SDK follows next_page_url, which points at the
	// fixture, through the same client.
	msgs, err := api.ListMessage(*svc.Sid, "general", (&chatv2.ListMessageParams{}).SetPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, *m.Body)
	}
	if !slices.Equal(got, sent) {
		t.Errorf("messages = %q, want %q", got, sent)
	}
}

// TestExampleTwilioGoEdge shows that a helper library configured for a
// Twilio region and edge reaches the fixture too.
func TestExampleTwilioGoEdge(t *testing.T) {
	t.Parallel()
	srv := chatdtest.New(t, chatdtest.WithSeedFile("../testdata/seed.json"))
	c := &client.Client{
		Credentials: client.NewCredentials(srv.AccountSid, srv.AuthToken),
		HTTPClient:  srv.Client(),
	}
	c.SetAccountSid(srv.AccountSid)
	h := client.NewRequestHandler(c)
	h.Region, h.Edge = "au1", "sydney" // requests go to chat.sydney.au1.twilio.com
	api := chatv2.NewApiService(h)

	ch, err := api.FetchChannel(seedSupport, "general")
	if err != nil {
		t.Fatal(err)
	}
	if *ch.Sid != seedGeneral || ch.MessagesCount != 2 {
		t.Errorf("channel general = %s with %d messages, want %s with 2", *ch.Sid, ch.MessagesCount, seedGeneral)
	}
}
