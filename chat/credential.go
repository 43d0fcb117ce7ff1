package chat

import (
	"context"

	"github.com/chatd/chatd/model"
)

// CreateCredential stores a new push Credential. Type is required and fixed
// for the Credential's life; FriendlyName is null unless given non-empty;
// Sandbox defaults to false. The secrets are kept as sent and are never
// rendered by any operation.
func (c *Chat) CreateCredential(ctx context.Context, in model.CredentialCreate) (*model.Credential, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var cr *model.Credential
	err := c.update(ctx, func(tx model.Tx) error {
		now := tx.Now()
		cr = &model.Credential{
			Sid:          c.sids.new(model.PrefixCredential, now),
			FriendlyName: nilIfEmpty(in.FriendlyName),
			Type:         in.Type,
			Sandbox:      orDefault(in.Sandbox, false),
			DateCreated:  now,
			DateUpdated:  now,
		}
		setSecrets(cr, in.CredentialUpdate)
		return tx.InsertCredential(cr)
	})
	return cr, err
}

// FindCredential fetches one Credential; anything that is not the SID of a
// stored Credential is the path's 20404.
func (c *Chat) FindCredential(ctx context.Context, sid string) (*model.Credential, error) {
	if !model.IsSID(model.PrefixCredential, sid) {
		return nil, model.NotFound()
	}
	var cr *model.Credential
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		cr, err = tx.Credential(sid)
		return inPath(err)
	})
	return cr, err
}

// ListCredentials pages through every Credential in creation order; page
// tokens carry a CR SID.
func (c *Chat) ListCredentials(ctx context.Context, p model.Page) (out []*model.Credential, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) (err error) {
		out, cur, err = list[*model.Credential]{
			read:     tx.Credentials,
			key:      func(cr *model.Credential) string { return cr.Sid },
			validKey: func(k string) bool { return model.IsSID(model.PrefixCredential, k) },
		}.page(p)
		return err
	})
	return out, cur, err
}

// UpdateCredential changes only the fields given. An empty FriendlyName
// clears it to null; an update without any field returns the Credential
// unchanged, date_updated included.
func (c *Chat) UpdateCredential(ctx context.Context, sid string, in model.CredentialUpdate) (*model.Credential, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if !model.IsSID(model.PrefixCredential, sid) {
		return nil, model.NotFound()
	}
	var cr *model.Credential
	err := c.update(ctx, func(tx model.Tx) (err error) {
		if cr, err = tx.Credential(sid); err != nil {
			return inPath(err)
		}
		if in == (model.CredentialUpdate{}) {
			return nil
		}
		if in.FriendlyName != nil {
			cr.FriendlyName = nilIfEmpty(in.FriendlyName)
		}
		set(&cr.Sandbox, in.Sandbox)
		setSecrets(cr, in)
		cr.DateUpdated = tx.Now()
		return inPath(tx.PutCredential(cr))
	})
	return cr, err
}

// DeleteCredential removes a Credential. Nothing cascades: a Binding's
// credential_sid is a plain reference, left as it was.
func (c *Chat) DeleteCredential(ctx context.Context, sid string) error {
	if !model.IsSID(model.PrefixCredential, sid) {
		return model.NotFound()
	}
	return c.update(ctx, func(tx model.Tx) error {
		return inPath(tx.DeleteCredential(sid))
	})
}

// setSecrets copies the secrets given in in onto cr. Twilio documents each
// secret for one push service and publishes no error for the others, so
// every secret sent is kept whatever the Type.
func setSecrets(cr *model.Credential, in model.CredentialUpdate) {
	set(&cr.Certificate, in.Certificate)
	set(&cr.PrivateKey, in.PrivateKey)
	set(&cr.ApiKey, in.ApiKey)
	set(&cr.Secret, in.Secret)
}
