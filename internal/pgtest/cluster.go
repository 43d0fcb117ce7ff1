package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Cluster is a PostgreSQL primary and its synchronous standby, on two
// ports of 127.0.0.1, for tests of what chatd does when the primary is
// lost: a commit returns only once the standby has the transaction too,
// so promoting the standby loses nothing that was acknowledged. Each node
// keeps its port whatever its role, so that one connection string lists
// both for good (DSN). The nodes run as New's server does (the postgres
// user as root, fsync on), each from a data directory of its own, and are
// stopped when the test ends.
type Cluster struct {
	bin     string
	cred    *syscall.Credential
	dir     string
	nodes   [2]*pgServer // by port, whatever their role
	primary int          // the index in nodes of the primary
	made    int          // data directories made, for their names
}

// NewCluster starts a primary with the database of New's server (empty),
// and a synchronous standby copied from it with pg_basebackup. Like New,
// it skips t without PostgreSQL, unless CI is set.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{bin: installed(t)}
	for _, program := range []string{"pg_basebackup", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(c.bin, program)); err != nil {
			missing(t, err)
		}
	}
	var err error
	if c.dir, err = os.MkdirTemp("", "chatd-pgcluster-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)
	if c.cred, err = serverUser(c.dir); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	primary, err := c.initdb()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	c.nodes[0] = primary
	if err := primary.exec(`CREATE DATABASE ` + database); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	var standbyPort int
	if standbyPort, err = freePort(); err != nil {
		t.Fatal(err)
	}
	if err := c.follow(1, standbyPort); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return c
}

// DSN is the connection string chatd is given: both nodes, and
// target_session_attrs=read-write, so that a connection goes to whichever
// is the primary.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/%s?sslmode=disable&target_session_attrs=read-write",
		c.nodes[0].port, c.nodes[1].port, database)
}

// PrimaryDSN is the connection string of the primary alone, for checks
// of what it holds.
func (c *Cluster) PrimaryDSN() string { return c.nodes[c.primary].url(database, "") }

// KillPrimary kills the primary's postmaster with SIGKILL, as a crash of
// its machine would end it, and waits for it to be gone. Its backends
// notice and end by themselves; its data directory is abandoned.
func (c *Cluster) KillPrimary(t testing.TB) {
	t.Helper()
	p := c.nodes[c.primary]
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("pgtest: killing the primary: %v", err)
	}
	<-p.exited
}

// Promote makes the standby the primary with pg_ctl promote, once the
// primary is gone, and waits until it takes writes.
func (c *Cluster) Promote(t testing.TB) {
	t.Helper()
	standby := c.nodes[1-c.primary]
	if err := c.run("pg_ctl", "promote", "--wait", "--timeout=60", "--silent", "-D", filepath.Join(standby.dir, "data")); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	c.primary = 1 - c.primary
}

// Rejoin makes the node that was killed a synchronous standby of the new
// primary again, on its old port, from a fresh copy of the primary: the
// cluster can then lose its primary once more.
func (c *Cluster) Rejoin(t testing.TB) {
	t.Helper()
	i := 1 - c.primary
	old := c.nodes[i]
	old.stop()
	if err := c.follow(i, old.port); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// initdb makes the first node's data directory and starts it as the
// primary, on a free port.
func (c *Cluster) initdb() (*pgServer, error) {
	dir, err := c.nodeDir()
	if err != nil {
		return nil, err
	}
	if err := c.run("initdb", "-D", filepath.Join(dir, "data"),
		"--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, err
	}
	// A free port can be taken between the check and the start: try again
	// on another one.
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		n := &pgServer{dir: dir, port: port, exited: make(chan struct{})}
		if err = n.launch(c.bin, c.cred); err == nil {
			return n, nil
		}
	}
	return nil, err
}

// follow makes node i, on port, a standby of the primary: a copy taken
// with pg_basebackup -R (which writes where to stream from), started, and
// then named synchronous on the primary, once it streams. The copy is not
// synced to disk (--no-sync), as initdb's is not: the tests kill
// processes, not the machine.
func (c *Cluster) follow(i, port int) error {
	primary := c.nodes[c.primary]
	dir, err := c.nodeDir()
	if err != nil {
		return err
	}
	if err := c.run("pg_basebackup", "-D", filepath.Join(dir, "data"), "-R", "--checkpoint=fast", "--wal-method=stream", "--no-sync",
		"-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres"); err != nil {
		return err
	}
	n := &pgServer{dir: dir, port: port, exited: make(chan struct{})}
	if err := n.launch(c.bin, c.cred); err != nil {
		return err
	}
	c.nodes[i] = n
	// Set after the copy, which would otherwise carry it to the standby:
	// promoted, it would wait for a standby of its own at every commit.
	if err := primary.exec(`ALTER SYSTEM SET synchronous_standby_names = '*'`); err != nil {
		return err
	}
	if err := primary.exec(`SELECT pg_reload_conf()`); err != nil {
		return err
	}
	return waitSync(primary)
}

// waitSync waits until a standby streams from primary synchronously.
func waitSync(primary *pgServer) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		var n int
		err := primary.admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'`).Scan(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no synchronous standby streams from the primary after a minute")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// nodeDir makes a new directory for a node's data and log, owned by the
// user the server runs as.
func (c *Cluster) nodeDir() (string, error) {
	c.made++
	dir := filepath.Join(c.dir, "node"+strconv.Itoa(c.made))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	if c.cred != nil {
		return dir, os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid))
	}
	return dir, nil
}

// run runs one of PostgreSQL's programs as the server's user.
func (c *Cluster) run(program string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, program), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", program, strings.Join(args, " "), err, out)
	}
	return nil
}

// stop stops the nodes still running and removes their directories.
func (c *Cluster) stop() {
	for _, n := range c.nodes {
		if n != nil {
			n.stop()
		}
	}
	os.RemoveAll(c.dir)
}
