package chat

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/chatd/chatd/model"
)

// principal logs identity into s as Authenticate would, creating its User.
func principal(t *testing.T, c *Chat, s *model.Service, identity string) *model.Principal {
	t.Helper()
	u, err := c.CreateUser(context.Background(), s.Sid, model.UserCreate{Identity: identity})
	if err != nil {
		t.Fatal(err)
	}
	return &model.Principal{Identity: identity, ServiceSid: s.Sid, User: u}
}

// TestRepeatedMutationIsMadeOnce sends one message many times at once under
// one mutation id: one send is made, every other answers with it.
func TestRepeatedMutationIsMadeOnce(t *testing.T) {
	c := newChat(t)
	s := mustService(t, c)
	alice := principal(t, c, s, "alice")
	ch, err := c.CreateChannelAs(context.Background(), alice, model.ChannelCreate{UniqueName: ptrTo("general")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := model.WithMutationID(context.Background(), "m-1")
	const n = 8
	var wg sync.WaitGroup
	results := make([]error, n)
	sent := make([]*model.Message, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent[i], results[i] = c.SendMessageAs(ctx, alice, "general", model.MessageCreate{Body: ptrTo("once")})
		}()
	}
	wg.Wait()
	var made *model.Message
	for i, err := range results {
		if err == nil {
			if made != nil {
				t.Fatalf("two sends were made: %s and %s", made.Sid, sent[i].Sid)
			}
			made = sent[i]
		}
	}
	if made == nil {
		t.Fatalf("no send was made: %v", results)
	}
	want := model.Ref{Kind: model.RefMessage, Channel: ch.Channel.Sid, Sid: made.Sid}
	for _, err := range results {
		var repeat *model.RepeatedMutation
		if err != nil && (!errors.As(err, &repeat) || repeat.Ref != want) {
			t.Errorf("a repeat answered %v, want the made message %+v", err, want)
		}
	}
	msgs, _, err := c.ListMessages(context.Background(), s.Sid, "general", model.MessageFilter{}, model.Page{Size: 50})
	if err != nil || len(msgs) != 1 {
		t.Errorf("messages = %d, %v; want 1", len(msgs), err)
	}
}

// TestRolesAreReadAtEachAction changes a role over REST after the client
// logged in: the next action is held to the role as it is now.
func TestRolesAreReadAtEachAction(t *testing.T) {
	ctx := context.Background()
	c := newChat(t)
	s := mustService(t, c)
	alice, bob := principal(t, c, s, "alice"), principal(t, c, s, "bob")
	if _, err := c.CreateChannelAs(ctx, alice, model.ChannelCreate{UniqueName: ptrTo("general")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddMemberAs(ctx, bob, "general", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendMessageAs(ctx, bob, "general", model.MessageCreate{Body: ptrTo("hi")}); err != nil {
		t.Fatalf("bob's first send: %v", err)
	}
	if _, err := c.UpdateRole(ctx, s.Sid, s.DefaultChannelRoleSid, model.RoleUpdate{Permissions: []string{"leaveChannel"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.SendMessageAs(ctx, bob, "general", model.MessageCreate{Body: ptrTo("hi again")})
	wantCode(t, "bob's send after sendMessage was taken from his role", err, 50107)
	ch, err := c.FindChannel(ctx, s.Sid, "general")
	if err != nil || ch.MessagesCount != 1 {
		t.Errorf("general = %+v, %v; want the one message", ch, err)
	}
}
