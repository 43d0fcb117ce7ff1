package chat

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatd/chatd/model"
)

// TestOneWritePath keeps every write of chat on update, the path that wakes
// the webhook sender: no other function may call the store's Update.
func TestOneWritePath(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := false
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Update" {
					return true
				}
				if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "store" {
					if fn.Name.Name == "update" {
						found = true
					} else {
						t.Errorf("%s: %s calls the store's Update; write through c.update", fset.Position(sel.Pos()), fn.Name.Name)
					}
				}
				return true
			})
		}
	}
	if !found {
		t.Error("no call of the store's Update found in update: the check looks for the wrong name")
	}
}

// TestWritesWakeTheSender checks that a write that records webhook
// deliveries wakes their sender once it has committed, whatever the
// operation, and that a write that records none does not.
func TestWritesWakeTheSender(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		hook := "https://hooks.example.com/post"
		if _, err := r.UpdateService(t.Context(), s.Sid, model.ServiceUpdate{PostWebhookURL: &hook}); err != nil {
			t.Fatal(err)
		}
		hooks := model.WithWebhooks(t.Context(), true)
		ch := r.channel(t, s.Sid)
		m := r.member(t, s.Sid, ch.Sid, "alice")
		msg := r.message(t, s.Sid, ch.Sid, "hello")
		attrs := `{"a":1}`
		n := 0
		fresh := func(prefix string) string { n++; return fmt.Sprint(prefix, n) }

		ops := []struct {
			name  string
			write func(ctx context.Context) error
		}{
			{"CreateChannel", func(ctx context.Context) error {
				_, err := r.CreateChannel(ctx, s.Sid, model.ChannelCreate{})
				return err
			}},
			{"UpdateChannel", func(ctx context.Context) error {
				_, err := r.UpdateChannel(ctx, s.Sid, ch.Sid, model.ChannelUpdate{Attributes: &attrs})
				return err
			}},
			{"CreateUser", func(ctx context.Context) error {
				_, err := r.CreateUser(ctx, s.Sid, model.UserCreate{Identity: fresh("user-")})
				return err
			}},
			{"UpdateUser", func(ctx context.Context) error {
				_, err := r.UpdateUser(ctx, s.Sid, "alice", model.UserUpdate{Attributes: &attrs})
				return err
			}},
			{"CreateMember", func(ctx context.Context) error {
				_, err := r.CreateMember(ctx, s.Sid, ch.Sid, model.MemberCreate{Identity: fresh("member-")})
				return err
			}},
			{"UpdateMember", func(ctx context.Context) error {
				_, err := r.UpdateMember(ctx, s.Sid, ch.Sid, m.Sid, model.MemberUpdate{Attributes: &attrs})
				return err
			}},
			{"CreateMessage", func(ctx context.Context) error {
				_, err := r.CreateMessage(ctx, s.Sid, ch.Sid, model.MessageCreate{})
				return err
			}},
			{"UpdateMessage", func(ctx context.Context) error {
				_, err := r.UpdateMessage(ctx, s.Sid, ch.Sid, msg.Sid, model.MessageUpdate{Attributes: &attrs})
				return err
			}},
			{"DeleteMessage", func(ctx context.Context) error {
				m := r.message(t, s.Sid, ch.Sid, "bye")
				return r.DeleteMessage(ctx, s.Sid, ch.Sid, m.Sid)
			}},
			{"DeleteMember", func(ctx context.Context) error {
				m := r.member(t, s.Sid, ch.Sid, fresh("leaver-"))
				return r.DeleteMember(ctx, s.Sid, ch.Sid, m.Sid)
			}},
			{"DeleteUserChannel", func(ctx context.Context) error {
				m := r.member(t, s.Sid, ch.Sid, fresh("quitter-"))
				return r.DeleteUserChannel(ctx, s.Sid, m.Identity, ch.Sid)
			}},
			{"DeleteChannel", func(ctx context.Context) error {
				return r.DeleteChannel(ctx, s.Sid, r.channel(t, s.Sid).Sid)
			}},
		}
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				for _, enabled := range []bool{false, true} {
					ctx := model.WithWebhooks(t.Context(), enabled)
					before, wakes := deliveries(t, r), r.wakes.Load()
					if err := op.write(ctx); err != nil {
						t.Fatalf("webhooks %v: %v", enabled, err)
					}
					recorded, woken := deliveries(t, r)-before, r.wakes.Load()-wakes
					switch {
					case enabled && (recorded == 0 || woken != 1):
						t.Errorf("with webhooks: %d deliveries recorded, %d wakes; want some and 1 wake", recorded, woken)
					case !enabled && (recorded != 0 || woken != 0):
						t.Errorf("without webhooks: %d deliveries recorded, %d wakes; want none", recorded, woken)
					}
				}
			})
		}
		t.Run("a write without an event does not wake", func(t *testing.T) {
			wakes := r.wakes.Load()
			if _, err := r.CreateRole(hooks, s.Sid, model.RoleCreate{FriendlyName: "r", Type: model.RoleTypeChannel, Permissions: []string{"sendMessage"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := r.UpdateUserChannel(hooks, s.Sid, "alice", ch.Sid, model.UserChannelUpdate{LastConsumedMessageIndex: &msg.Index}); err != nil {
				t.Fatal(err)
			}
			if n := r.wakes.Load() - wakes; n != 0 {
				t.Errorf("%d wakes, want none", n)
			}
		})
		t.Run("a failed write does not wake", func(t *testing.T) {
			before, wakes := deliveries(t, r), r.wakes.Load()
			_, err := r.CreateMember(hooks, s.Sid, ch.Sid, model.MemberCreate{Identity: "alice"})
			wantCode(t, "CreateMember of a Member", err, 50404)
			if n, w := deliveries(t, r)-before, r.wakes.Load()-wakes; n != 0 || w != 0 {
				t.Errorf("%d deliveries recorded, %d wakes; want none", n, w)
			}
		})
		t.Run("a reset that wipes the outbox wakes", func(t *testing.T) {
			wakes := r.wakes.Load()
			if err := r.Reset(t.Context(), ""); err != nil {
				t.Fatal(err)
			}
			if n := r.wakes.Load() - wakes; n != 1 {
				t.Errorf("%d wakes, want 1", n)
			}
		})
	})
}

// deliveries counts the webhook deliveries recorded so far.
func deliveries(t *testing.T, r *rig) int {
	t.Helper()
	n := 0
	err := r.store.View(t.Context(), func(tx model.Tx) error {
		ds, err := tx.Deliveries("", model.Window{})
		n = len(ds)
		return err
	})
	noErr(t, err)
	return n
}
