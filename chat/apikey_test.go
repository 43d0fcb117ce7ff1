package chat

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/model"
)

const (
	configuredKey = "SK0000000000000000000000000000000c"
	configuredSec = "configuredsecret0123456789abcdef"
)

// openChat opens Chat on a new file at path with the configured API key.
func openChat(t *testing.T, path string) (*Chat, *bolt.DB) {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, Options{AccountSid: testAccount, APIKeySid: configuredKey, APIKeySecret: configuredSec}), st
}

func newChat(t *testing.T) *Chat {
	t.Helper()
	c, _ := openChat(t, filepath.Join(t.TempDir(), "chatd.db"))
	return c
}

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	c := newChat(t)
	k1, secret1, err := c.CreateAPIKey(ctx, model.APIKeyCreate{FriendlyName: ptrTo("ci")})
	if err != nil {
		t.Fatal(err)
	}
	k2, secret2, err := c.CreateAPIKey(ctx, model.APIKeyCreate{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CreateShapesKeyAndSecretLikeTwilio", func(t *testing.T) {
		if !model.IsSID(model.PrefixAPIKey, k1.Sid) || k1.FriendlyName == nil || *k1.FriendlyName != "ci" || k1.DateCreated.IsZero() {
			t.Errorf("key = %+v, want an SK SID, friendly name ci and a date", k1)
		}
		if k2.FriendlyName != nil {
			t.Errorf("key without a name has friendly name %q, want null", *k2.FriendlyName)
		}
		for _, s := range []string{secret1, secret2} {
			if len(s) != secretLength || strings.Trim(s, secretAlphabet) != "" {
				t.Errorf("secret %q: want %d letters and digits", s, secretLength)
			}
		}
		if secret1 == secret2 {
			t.Error("two keys got the same secret")
		}
	})
	t.Run("SecretIsReadBackForVerificationOnly", func(t *testing.T) {
		for sid, want := range map[string]string{k1.Sid: secret1, k2.Sid: secret2, configuredKey: configuredSec} {
			if got, err := c.APIKeySecret(ctx, sid); err != nil || got != want {
				t.Errorf("APIKeySecret(%s) = %q, %v; want %q", sid, got, err, want)
			}
		}
		k, err := c.FindAPIKey(ctx, k1.Sid)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(k.SealedSecret, []byte(secret1)) {
			t.Error("the stored record holds the secret in clear")
		}
	})
	t.Run("ListHoldsStoredKeysOnly", func(t *testing.T) {
		keys, _, err := c.ListAPIKeys(ctx, model.Page{Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		if got := sidsOf(keys, func(k *model.APIKey) string { return k.Sid }); !reflect.DeepEqual(got, []string{k1.Sid, k2.Sid}) {
			t.Errorf("ListAPIKeys = %v, want %v", got, []string{k1.Sid, k2.Sid})
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, sid := range []string{"SK00000000000000000000000000000099", configuredKey, "CR00000000000000000000000000000001", "nope"} {
			_, err := c.FindAPIKey(ctx, sid)
			wantCode(t, "FindAPIKey("+sid+")", err, 20404)
			wantCode(t, "DeleteAPIKey("+sid+")", c.DeleteAPIKey(ctx, sid), 20404)
		}
		if _, err := c.APIKeySecret(ctx, "SK00000000000000000000000000000099"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("APIKeySecret of an unknown key = %v, want ErrNotFound", err)
		}
	})
	t.Run("ErrNameTooLong", func(t *testing.T) {
		_, _, err := c.CreateAPIKey(ctx, model.APIKeyCreate{FriendlyName: ptrTo(strings.Repeat("k", 65))})
		wantCode(t, "CreateAPIKey", err, 50003)
	})
	t.Run("ResetKeepsKeys", func(t *testing.T) {
		if err := c.Reset(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if got, err := c.APIKeySecret(ctx, k1.Sid); err != nil || got != secret1 {
			t.Errorf("APIKeySecret after Reset = %q, %v; want the secret", got, err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if err := c.DeleteAPIKey(ctx, k2.Sid); err != nil {
			t.Fatal(err)
		}
		if _, err := c.APIKeySecret(ctx, k2.Sid); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("APIKeySecret of a deleted key = %v, want ErrNotFound", err)
		}
		if got, err := c.APIKeySecret(ctx, k1.Sid); err != nil || got != secret1 {
			t.Errorf("the other key: %q, %v", got, err)
		}
	})
}

// TestAPIKeySecretAtRest checks that no secret is anywhere in the file, and
// that keys still open after a reopen.
func TestAPIKeySecretAtRest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chatd.db")
	c, st := openChat(t, path)
	k, secret, err := c.CreateAPIKey(ctx, model.APIKeyCreate{FriendlyName: ptrTo("at rest")})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(file, []byte(k.Sid)) {
		t.Fatal("the key SID is not in the file: the check below would prove nothing")
	}
	if bytes.Contains(file, []byte(secret)) {
		t.Error("the secret is in the file in clear")
	}
	c, _ = openChat(t, path)
	if got, err := c.APIKeySecret(ctx, k.Sid); err != nil || got != secret {
		t.Errorf("APIKeySecret after reopening = %q, %v; want the secret", got, err)
	}
}

// TestAPIKeySealedToItsSid checks that a sealed secret opens only for the
// key it was sealed for.
func TestAPIKeySealedToItsSid(t *testing.T) {
	ctx := context.Background()
	c := newChat(t)
	k, _, err := c.CreateAPIKey(ctx, model.APIKeyCreate{})
	if err != nil {
		t.Fatal(err)
	}
	moved := &model.APIKey{Sid: "SK00000000000000000000000000000042", SealedSecret: k.SealedSecret, DateCreated: time.Now()}
	if err := c.store.Update(ctx, func(tx model.Tx) error { return tx.InsertAPIKey(moved) }); err != nil {
		t.Fatal(err)
	}
	if got, err := c.APIKeySecret(ctx, moved.Sid); err == nil || errors.Is(err, model.ErrNotFound) {
		t.Errorf("APIKeySecret of a key holding another's sealed secret = %q, %v; want a failure", got, err)
	}
}
