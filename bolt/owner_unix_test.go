//go:build unix

package bolt

import (
	"context"
	"os"
	"syscall"
	"testing"
)

func TestCompactKeepsTheOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("only root can give a file to another user")
	}
	cf := newCompactFixture(t)
	const uid, gid = 4321, 4322
	if err := os.Chown(cf.path, uid, gid); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Compact(context.Background(), cf.path, "", CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(cf.path)
	if err != nil {
		t.Fatal(err)
	}
	if st := info.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid {
		t.Errorf("the compacted file belongs to %d:%d, want %d:%d", st.Uid, st.Gid, uid, gid)
	}
}
