package app

import (
	"context"
	"fmt"
	"os"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/model"
)

// File is chatd's data in a file no chatd is serving, or in a database
// (which chatd nodes may be serving), for the commands that work on one
// directly (chatd keys --db, chatd token --db).
type File struct {
	*chat.Chat
	// AccountSid is the account the file's access tokens are minted for.
	AccountSid string
	db         model.Store
}

// OpenFile opens the existing chatd file at path, or the database of a URL
// that openURL opens (nil: files only); a file fails while a chatd serves
// it. Tokens are minted for accountSid, or, when it is "", for the data's
// development Account SID, which is generated as a first start of chatd
// would.
func OpenFile(ctx context.Context, path, accountSid string, openURL OpenURL) (*File, error) {
	if accountSid != "" && !model.IsSID(model.PrefixAccount, accountSid) {
		return nil, fmt.Errorf("--account-sid %q is not an Account SID (AC and 32 hex digits)", accountSid)
	}
	var db model.Store
	var err error
	switch {
	case IsURL(path) && openURL == nil:
		return nil, fmt.Errorf("--db %s is a database URL, and this chatd opens bbolt files only", Redacted(path))
	case IsURL(path):
		db, err = openURL(ctx, path, nil)
	default:
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		db, err = bolt.Open(path, bolt.Options{})
	}
	if err != nil {
		return nil, err
	}
	if accountSid == "" {
		if accountSid, _, err = devCredentials(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	return &File{Chat: chat.New(db, chat.Options{AccountSid: accountSid}), AccountSid: accountSid, db: db}, nil
}

// Close closes the file or the database.
func (f *File) Close() error { return f.db.Close() }
