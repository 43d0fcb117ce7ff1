package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// testNow is the date of every record the suite writes: whole seconds in
// UTC, so that any engine can store it exactly.
var testNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// sid makes a valid-looking SID whose hex part is n, so that the SIDs of one
// prefix sort by n.
func sid(prefix string, n int) string { return prefix + fmt.Sprintf("%032x", n) }

// op is one retry-safe write: it builds its records afresh on every run.
type op = func(model.Tx) error

// Record builders. Every record is named by small numbers: service n is
// sid("IS", n), channel n of it sid("CH", n), and so on.

func newService(n int) *model.Service {
	return &model.Service{Sid: sid("IS", n), FriendlyName: fmt.Sprint("service ", n), DateCreated: testNow, DateUpdated: testNow}
}

func newRole(svc, n int) *model.Role {
	return &model.Role{Sid: sid("RL", n), ServiceSid: sid("IS", svc), FriendlyName: fmt.Sprint("role ", n),
		Type: model.RoleTypeChannel, Permissions: []string{"sendMessage"}, DateCreated: testNow, DateUpdated: testNow}
}

func newUser(svc, n int, identity string) *model.User {
	return &model.User{Sid: sid("US", n), ServiceSid: sid("IS", svc), Identity: identity, Attributes: "{}",
		RoleSid: sid("RL", 1), DateCreated: testNow, DateUpdated: testNow}
}

func newChannel(svc, n int, typ, uniqueName string) *model.Channel {
	c := &model.Channel{Sid: sid("CH", n), ServiceSid: sid("IS", svc), Attributes: "{}", Type: typ,
		CreatedBy: model.DefaultAuthor, DateCreated: testNow, DateUpdated: testNow}
	if uniqueName != "" {
		c.UniqueName = &uniqueName
	}
	return c
}

func newMember(svc, ch, n, user int, identity string) *model.Member {
	return &model.Member{Sid: sid("MB", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch), UserSid: sid("US", user),
		Identity: identity, RoleSid: sid("RL", 1), Attributes: "{}", NotificationLevel: model.NotificationDefault,
		DateCreated: testNow, DateUpdated: testNow}
}

func newInvite(svc, ch, n, user int, identity string) *model.Invite {
	return &model.Invite{Sid: sid("IN", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch), UserSid: sid("US", user),
		Identity: identity, RoleSid: sid("RL", 1), DateCreated: testNow, DateUpdated: testNow}
}

func newMessage(svc, ch, n int) *model.Message {
	return &model.Message{Sid: sid("IM", n), ServiceSid: sid("IS", svc), ChannelSid: sid("CH", ch),
		From: model.DefaultAuthor, Body: fmt.Sprint("message ", n), Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
}

// Write ops over the builders.

func insService(n int) op   { return func(tx model.Tx) error { return tx.InsertService(newService(n)) } }
func insRole(svc, n int) op { return func(tx model.Tx) error { return tx.InsertRole(newRole(svc, n)) } }
func insUser(svc, n int, identity string) op {
	return func(tx model.Tx) error { return tx.InsertUser(newUser(svc, n, identity)) }
}
func insChannel(svc, n int, typ, uniqueName string) op {
	return func(tx model.Tx) error { return tx.InsertChannel(newChannel(svc, n, typ, uniqueName)) }
}
func insMember(svc, ch, n, user int, identity string) op {
	return func(tx model.Tx) error { return tx.InsertMember(newMember(svc, ch, n, user, identity)) }
}
func insInvite(svc, ch, n, user int, identity string) op {
	return func(tx model.Tx) error { return tx.InsertInvite(newInvite(svc, ch, n, user, identity)) }
}
func appendMsg(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.AppendMessage(newMessage(svc, ch, n)) }
}
func delService(n int) op {
	return func(tx model.Tx) error { return tx.DeleteServiceTree(sid("IS", n)) }
}
func delUser(svc, n int) op {
	return func(tx model.Tx) error { return tx.DeleteUserTree(sid("IS", svc), sid("US", n)) }
}
func delChannel(svc, n int) op {
	return func(tx model.Tx) error { return tx.DeleteChannelTree(sid("IS", svc), sid("CH", n)) }
}
func delMember(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.DeleteMember(sid("IS", svc), sid("CH", ch), sid("MB", n)) }
}
func delInvite(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.DeleteInvite(sid("IS", svc), sid("CH", ch), sid("IN", n)) }
}
func delMsg(svc, ch, n int) op {
	return func(tx model.Tx) error { return tx.DeleteMessage(sid("IS", svc), sid("CH", ch), sid("IM", n)) }
}

// editChannel reads channel n, applies edit and puts it back.
func editChannel(svc, n int, edit func(*model.Channel)) op {
	return func(tx model.Tx) error {
		c, err := tx.Channel(sid("IS", svc), sid("CH", n))
		if err != nil {
			return err
		}
		edit(c)
		return tx.PutChannel(c)
	}
}

func renameChannel(svc, n int, uniqueName *string) op {
	return editChannel(svc, n, func(c *model.Channel) { c.UniqueName = uniqueName })
}

func ptr[T any](v T) *T { return &v }

// putSetting is a retry-safe write of one setting.
func putSetting(key, value string) op {
	return func(tx model.Tx) error { return tx.PutSetting(key, value) }
}

// mustSeed runs ops in order in one Update.
func mustSeed(t *testing.T, st model.Store, ops ...op) {
	t.Helper()
	mustUpdate(t, st, func(tx model.Tx) error {
		for i, o := range ops {
			if err := o(tx); err != nil {
				return fmt.Errorf("seed op %d: %w", i, err)
			}
		}
		return nil
	})
}

// tryOp runs o in an Update of its own and returns o's error. Like the
// rules layer, the fn returns the error, so the Update must fail with it
// unchanged and write nothing.
func tryOp(t *testing.T, st model.Store, o op) error {
	t.Helper()
	var err error
	uerr := st.Update(context.Background(), func(tx model.Tx) error {
		err = o(tx)
		return err
	})
	if uerr != err {
		t.Fatalf("Update returned %v, want the fn's error %v", uerr, err)
	}
	return err
}

// mustRead returns what read reads in one View.
func mustRead[T any](t *testing.T, st model.Store, read func(model.Tx) (T, error)) T {
	t.Helper()
	var out T
	mustView(t, st, func(tx model.Tx) (err error) {
		out, err = read(tx)
		return err
	})
	return out
}

// viewErr returns the error of read in one View.
func viewErr(st model.Store, read func(model.Tx) error) error {
	return st.View(context.Background(), read)
}

func mustChannel(t *testing.T, st model.Store, svc int, key string) *model.Channel {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) (*model.Channel, error) { return tx.Channel(sid("IS", svc), key) })
}

func mustUser(t *testing.T, st model.Store, svc int, key string) *model.User {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) (*model.User, error) { return tx.User(sid("IS", svc), key) })
}

func mustLink(t *testing.T, st model.Store, svc, user, ch int) model.UserChannelLink {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) (model.UserChannelLink, error) {
		return tx.UserChannel(sid("IS", svc), sid("US", user), sid("CH", ch))
	})
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, model.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

func wantTaken(t *testing.T, what string, err error, field string) {
	t.Helper()
	var taken *model.TakenError
	if !errors.As(err, &taken) || taken.Field != field {
		t.Errorf("%s: err = %v, want *TakenError{Field: %q}", what, err, field)
	}
}

// sids maps records to their keys.
func sids[T any](recs []T, key func(T) string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = key(r)
	}
	return out
}

func indexes(ms []*model.Message) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.Index
	}
	return out
}

// mustSetting reads a setting.
func mustSetting(t *testing.T, st model.Store, key string) string {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) (string, error) { return tx.Setting(key) })
}
