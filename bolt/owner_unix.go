//go:build unix

package bolt

import (
	"fmt"
	"os"
	"syscall"
)

// keepOwner gives the file at path the owner and group of the file info
// describes, so that a copy made by another user (root, say) replaces a
// file its chatd can still open.
func keepOwner(path string, info os.FileInfo) error {
	want, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	made, err := os.Stat(path)
	if err != nil {
		return err
	}
	if got, ok := made.Sys().(*syscall.Stat_t); ok && got.Uid == want.Uid && got.Gid == want.Gid {
		return nil
	}
	if err := os.Chown(path, int(want.Uid), int(want.Gid)); err != nil {
		return fmt.Errorf("keeping the file's owner %d and group %d: %w", want.Uid, want.Gid, err)
	}
	return nil
}
