package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// CompactOptions configure Compact.
type CompactOptions struct {
	// LockTimeout is how long Compact waits for another process to release
	// the file; one second when zero.
	LockTimeout time.Duration
	// Progress, when set, hears how many bytes of keys and values have been
	// copied so far, after each transaction of the copy (every 16 MB or so).
	Progress func(copied int64)
}

// Compact rewrites the chatd file at path without the free pages that
// deletions left in it: bbolt reuses free pages but never gives them back
// to the file system. It copies every bucket, key, value and bucket
// sequence, in key order and with every page filled (as the migration to
// schema 4 does), into a new file, and renames that over path; or to out,
// when out is not "", leaving path as it was. It returns the sizes of the
// file before and of the copy.
//
// No chatd may be serving the file: one holds it locked, and Compact
// refuses it. Compact holds it locked in its turn (read-only) until the
// copy has replaced it, so no chatd starts on it meanwhile. The copy is
// written next to where it goes and synced before the rename, so a crash,
// a failure or ctx's end leaves the file as it was; it needs free disk
// space for the copy. The copy keeps the file's permissions and owner, and
// when path is a symbolic link the file it points to is replaced and the
// link kept. An out that exists already is refused, unless it is path.
func Compact(ctx context.Context, path, out string, opts CompactOptions) (before, after int64, err error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	return compact(ctx, path, out, opts, copyTxBytes)
}

// compact is Compact in transactions of about txBytes.
func compact(ctx context.Context, path, out string, opts CompactOptions, txBytes int) (before, after int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	file, err := filepath.EvalSymlinks(path)
	if err != nil {
		return 0, 0, fmt.Errorf("bolt: %w", err)
	}
	src, err := bbolt.Open(file, 0o600, &bbolt.Options{ReadOnly: true, Timeout: opts.LockTimeout})
	if err != nil {
		return 0, 0, openError(path, err)
	}
	defer src.Close()
	err = src.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return fmt.Errorf("bolt: %s is not a chatd file", path)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	info, err := os.Stat(file)
	if err != nil {
		return 0, 0, err
	}
	target, err := compactTarget(file, info, out)
	if err != nil {
		return 0, 0, err
	}

	tmp, err := os.CreateTemp(filepath.Dir(target), filepath.Base(target)+".compacting-*")
	if err != nil {
		return 0, 0, fmt.Errorf("bolt: %w", err)
	}
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	mode := info.Mode().Perm()
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return 0, 0, err
	}
	if err := keepOwner(tmp.Name(), info); err != nil {
		return 0, 0, fmt.Errorf("bolt: %s: %w", path, err)
	}
	c := &copier{ctx: ctx, txBytes: txBytes, progress: opts.Progress}
	if err := copyInto(src, tmp.Name(), mode, c); err != nil {
		return 0, 0, fmt.Errorf("bolt: compacting %s: %w", path, err)
	}
	copied, err := os.Stat(tmp.Name())
	if err != nil {
		return 0, 0, err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return 0, 0, err
	}
	if err := syncDir(filepath.Dir(target)); err != nil {
		return 0, 0, err
	}
	return info.Size(), copied.Size(), nil
}

// compactTarget is where the compacted copy of file (described by info)
// goes: out, which must not exist, or file itself when out is "" or names
// it.
func compactTarget(file string, info os.FileInfo, out string) (string, error) {
	if out == "" {
		return file, nil
	}
	existing, err := os.Stat(out)
	switch {
	case err == nil && os.SameFile(info, existing):
		return file, nil
	case err == nil:
		return "", fmt.Errorf("bolt: %s exists already; give a new path, or remove it first", out)
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("bolt: %w", err)
	}
	if _, err := os.Lstat(out); err == nil {
		// A symbolic link to nothing: do not replace what the user made.
		return "", fmt.Errorf("bolt: %s exists already (a symbolic link); give a new path, or remove it first", out)
	}
	return out, nil
}
