package postgres

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
)

// TestReadsInEachExecMode checks the reads that decode the driver's bytes
// (rawRow) in every query execution mode a connection string may choose:
// with prepared statements the columns come in the binary format, with the
// simple protocol or exec mode in the text format. Each reads what the
// writes stored.
func TestReadsInEachExecMode(t *testing.T) {
	dsn := pgtest.New(t)
	d := openAt(t, dsn)
	name := "general"
	ch := newChannel(1, name)
	var sent []*model.Message
	seed(t, d, func(tx model.Tx) error {
		if err := tx.InsertService(newService(1)); err != nil {
			return err
		}
		if err := tx.InsertChannel(ch); err != nil {
			return err
		}
		if err := tx.InsertUser(&model.User{Sid: sid("US", 1), ServiceSid: ch.ServiceSid, Identity: "alice", Attributes: "{}",
			DateCreated: testNow, DateUpdated: testNow}); err != nil {
			return err
		}
		if err := tx.InsertMember(&model.Member{Sid: sid("MB", 1), ServiceSid: ch.ServiceSid, ChannelSid: ch.Sid, UserSid: sid("US", 1),
			Identity: "alice", Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}); err != nil {
			return err
		}
		for n := range 70 {
			m := &model.Message{Sid: sid("IM", n), ServiceSid: ch.ServiceSid, ChannelSid: ch.Sid, From: "alice",
				Body: strings.Repeat("é\"\\", n), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
			if n%3 == 0 {
				m.LastUpdatedBy, m.WasEdited = &name, true
			}
			if err := tx.AppendMessage(m); err != nil {
				return err
			}
			sent = append(sent, m)
		}
		return nil
	})
	ch.MembersCount, ch.MessagesCount, ch.LastMessageSid = 1, len(sent), sent[len(sent)-1].Sid
	// The lists as the binary format reads them, which the store's contract
	// checks: each mode reads the same.
	var lists listsRead
	if err := d.Read(context.Background(), func(tx model.Tx) (err error) {
		lists, err = readLists(tx, ch.ServiceSid, ch.Sid)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(lists.Channels) != 1 || len(lists.Users) != 1 || lists.Users[0].JoinedChannelsCount != 1 || len(lists.Members) != 1 {
		t.Fatalf("lists = %+v, want a Channel, a User in it and its Member", lists)
	}
	d.Close()

	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, mode := range []string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			d := openAt(t, dsn+sep+"default_query_exec_mode="+mode)
			defer d.Close()
			for _, key := range []string{ch.Sid, name} {
				for _, run := range []func(context.Context, func(model.Tx) error) error{d.Read, d.View, d.Update} {
					var got *model.Channel
					if err := run(context.Background(), func(tx model.Tx) (err error) {
						got, err = tx.Channel(ch.ServiceSid, key)
						return err
					}); err != nil {
						t.Fatalf("Channel(%s): %v", key, err)
					}
					if !reflect.DeepEqual(got, ch) {
						t.Errorf("Channel(%s) = %+v, want %+v", key, got, ch)
					}
				}
			}
			windows := []model.Window{{}, {Reverse: true, Limit: 51}, {After: "10", Limit: 5}}
			for _, w := range windows {
				want := sent
				switch {
				case w.Reverse:
					want = reversed(sent)[:51]
				case w.After != "":
					want = sent[11:16]
				}
				for _, run := range []func(context.Context, func(model.Tx) error) error{d.Read, d.View} {
					if err := run(context.Background(), func(tx model.Tx) error {
						for _, read := range []func(string, string, model.Window) ([]*model.Message, error){tx.Messages, tx.PeekMessages} {
							got, err := read(ch.ServiceSid, ch.Sid, w)
							if err != nil {
								return err
							}
							if !reflect.DeepEqual(got, want) {
								t.Errorf("window %+v: read %d Messages, want %d; first %+v, want %+v", w, len(got), len(want), first(got), first(want))
							}
						}
						return nil
					}); err != nil {
						t.Fatalf("window %+v: %v", w, err)
					}
				}
			}
			if err := d.Read(context.Background(), func(tx model.Tx) error {
				got, err := readLists(tx, ch.ServiceSid, ch.Sid)
				if err == nil && !reflect.DeepEqual(got, lists) {
					t.Errorf("lists = %+v, want %+v", got, lists)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			err := d.Read(context.Background(), func(tx model.Tx) error {
				_, err := tx.PeekMessages(ch.ServiceSid, sid("CH", 2), model.Window{})
				return err
			})
			if !errors.Is(err, model.ErrNotFound) {
				t.Errorf("PeekMessages of a missing Channel: %v, want ErrNotFound", err)
			}
		})
	}
}

func reversed(ms []*model.Message) []*model.Message {
	out := make([]*model.Message, len(ms))
	for i, m := range ms {
		out[len(ms)-1-i] = m
	}
	return out
}

func first(ms []*model.Message) *model.Message {
	if len(ms) == 0 {
		return nil
	}
	return ms[0]
}

// listsRead are the lists of a Service and Channel whose reads decode the
// driver's bytes.
type listsRead struct {
	Channels []*model.Channel
	Users    []*model.User
	Members  []*model.Member
}

func readLists(tx model.Tx, service, channel string) (l listsRead, err error) {
	if l.Channels, err = tx.Channels(service, nil, model.Window{}); err != nil {
		return l, err
	}
	if l.Users, err = tx.Users(service, model.Window{}); err != nil {
		return l, err
	}
	l.Members, err = tx.Members(service, channel, model.Window{})
	return l, err
}
