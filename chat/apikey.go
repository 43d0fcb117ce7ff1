package chat

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/chatd/chatd/model"
)

// API keys sign access tokens with HMAC, so verifying a token needs the
// secret itself and a hash of it would not do. A stored key's secret is
// therefore kept encrypted at rest: AES-256-GCM under a key-encryption key
// generated once per file (the setting below), with the key's SID as
// associated data so that a sealed secret cannot be moved to another key.
// The plaintext is in no record, so nothing that renders, logs, dumps or
// exports records can show it; it is returned once, by CreateAPIKey.
const settingKeyEncryptionKey = "api_key_encryption_key"

// secretLength and secretAlphabet shape a new secret like Twilio's: 32
// letters and digits.
const (
	secretLength   = 32
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// CreateAPIKey stores a new API key and returns it with its secret, the one
// time the secret is shown. FriendlyName is null unless given non-empty.
func (c *Chat) CreateAPIKey(ctx context.Context, in model.APIKeyCreate) (*model.APIKey, string, error) {
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	secret := newSecret()
	var k *model.APIKey
	err := c.update(ctx, func(tx model.Tx) (err error) {
		k, err = c.insertAPIKey(tx, nilIfEmpty(in.FriendlyName), secret)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// insertAPIKey stores a key with secret sealed under the file's
// key-encryption key, creating that on the first key.
func (c *Chat) insertAPIKey(tx model.Tx, name *string, secret string) (*model.APIKey, error) {
	kek, err := keyEncryptionKey(tx, true)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	k := &model.APIKey{
		Sid:          c.sids.new(model.PrefixAPIKey, now),
		FriendlyName: name,
		DateCreated:  now,
		DateUpdated:  now,
	}
	if k.SealedSecret, err = seal(kek, k.Sid, secret); err != nil {
		return nil, err
	}
	return k, tx.InsertAPIKey(k)
}

// FindAPIKey fetches one stored API key (never its secret); anything that
// is not the SID of a stored key is the path's 20404.
func (c *Chat) FindAPIKey(ctx context.Context, sid string) (*model.APIKey, error) {
	if !model.IsSID(model.PrefixAPIKey, sid) {
		return nil, model.NotFound()
	}
	var k *model.APIKey
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		k, err = tx.APIKey(sid)
		return inPath(err)
	})
	return k, err
}

// ListAPIKeys pages through the stored API keys in creation order; page
// tokens carry an SK SID. The configured --api-key-sid key is not stored
// and is not listed.
func (c *Chat) ListAPIKeys(ctx context.Context, p model.Page) (out []*model.APIKey, cur model.Cursor, err error) {
	err = c.store.View(ctx, func(tx model.Tx) (err error) {
		out, cur, err = list[*model.APIKey]{
			read:     tx.APIKeys,
			key:      func(k *model.APIKey) string { return k.Sid },
			validKey: func(k string) bool { return model.IsSID(model.PrefixAPIKey, k) },
		}.page(p)
		return err
	})
	return out, cur, err
}

// DeleteAPIKey removes a stored API key; the tokens it signed are refused
// from then on (20103).
func (c *Chat) DeleteAPIKey(ctx context.Context, sid string) error {
	if !model.IsSID(model.PrefixAPIKey, sid) {
		return model.NotFound()
	}
	return c.update(ctx, func(tx model.Tx) error {
		return inPath(tx.DeleteAPIKey(sid))
	})
}

// APIKeySecret returns the secret of the API key sid: the configured pair
// (Options.APIKeySid) or a stored key. An unknown key is an error wrapping
// model.ErrNotFound. Token verification uses it, and HTTP Basic
// authentication with a stored key can too.
func (c *Chat) APIKeySecret(ctx context.Context, sid string) (string, error) {
	if c.apiKey.sid != "" && sid == c.apiKey.sid {
		return c.apiKey.secret, nil
	}
	var secret string
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		secret, err = storedSecret(tx, sid)
		return err
	})
	return secret, err
}

// VerifyAPIKey reports whether secret is the secret of the API key sid:
// the configured pair or a stored key. The secrets are compared in
// constant time; an unknown key is false.
func (c *Chat) VerifyAPIKey(ctx context.Context, sid, secret string) (bool, error) {
	want, err := c.APIKeySecret(ctx, sid)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(secret), []byte(want)) == 1, nil
}

// storedSecret opens the sealed secret of the stored key sid.
func storedSecret(tx model.Tx, sid string) (string, error) {
	k, err := tx.APIKey(sid)
	if err != nil {
		return "", err
	}
	kek, err := keyEncryptionKey(tx, false)
	if err != nil {
		return "", err
	}
	return open(kek, k.Sid, k.SealedSecret)
}

// keyEncryptionKey reads the file's key-encryption key; when there is none
// yet, create makes one (a write), and otherwise it is an error: a stored
// key without one means the settings were tampered with.
func keyEncryptionKey(tx model.Tx, create bool) ([]byte, error) {
	v, err := tx.Setting(settingKeyEncryptionKey)
	if err != nil {
		return nil, err
	}
	if v != "" {
		kek, err := hex.DecodeString(v)
		if err != nil || len(kek) != 32 {
			return nil, errors.New("chat: the API key encryption key setting is malformed")
		}
		return kek, nil
	}
	if !create {
		return nil, errors.New("chat: an API key is stored but the file has no API key encryption key")
	}
	kek := make([]byte, 32)
	crand.Read(kek)
	return kek, tx.PutSetting(settingKeyEncryptionKey, hex.EncodeToString(kek))
}

// seal encrypts secret for the key sid: a random nonce, then the
// AES-256-GCM ciphertext with sid as associated data.
func seal(kek []byte, sid, secret string) ([]byte, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	crand.Read(nonce)
	return aead.Seal(nonce, nonce, []byte(secret), []byte(sid)), nil
}

// open is the inverse of seal; it fails on any sealed secret that seal did
// not make for sid under kek.
func open(kek []byte, sid string, sealed []byte) (string, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return "", err
	}
	n := aead.NonceSize()
	if len(sealed) < n {
		return "", fmt.Errorf("chat: the sealed secret of API key %s is truncated", sid)
	}
	secret, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(sid))
	if err != nil {
		return "", fmt.Errorf("chat: the sealed secret of API key %s does not open: %w", sid, err)
	}
	return string(secret), nil
}

func newAEAD(kek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// newSecret returns secretLength characters drawn uniformly from
// secretAlphabet.
func newSecret() string {
	b := make([]byte, secretLength)
	size := big.NewInt(int64(len(secretAlphabet)))
	for i := range b {
		n, err := crand.Int(crand.Reader, size)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b[i] = secretAlphabet[n.Int64()]
	}
	return string(b)
}
