// Package pgtest gives chatd's tests PostgreSQL databases of their own: one
// PostgreSQL server per test binary, started on first use from the
// binaries of the machine's PostgreSQL (Debian's postgresql package) in a
// temporary directory, listening on 127.0.0.1 only, with fsync on, and
// stopped when the tests end; and one empty schema per call of New, which
// a connection string names (search_path), so that a test's data is its
// own and dropping it costs nothing.
//
// A package that uses it runs its tests through Main (or Run, for a
// TestMain that does more):
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without PostgreSQL, New skips the test, with a message, unless the
// environment variable CI is set: under CI a missing PostgreSQL fails the
// test, so that it cannot pass unnoticed.
//
// initdb and postgres refuse to run as root, so as root (as CI runs) the
// server runs as the postgres user the package made, owning its directory.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Main runs the tests of m and stops the PostgreSQL server New started, if
// it did, before the binary exits. Call it from TestMain.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit: it returns m.Run's code.
func Run(m *testing.M) int {
	mainRunning.Store(true)
	code := m.Run()
	the.mu.Lock()
	if the.srv != nil {
		the.srv.stop()
		the.srv = nil
	}
	the.mu.Unlock()
	return code
}

// New returns the connection string of a new, empty schema of the test
// server's database, dropped when t ends (after the cleanups registered
// after New, which close what uses it). It starts the server on first use.
func New(t testing.TB) string {
	t.Helper()
	srv := server(t)
	name := fmt.Sprintf("chatd_test_%d", srv.schemas.Add(1))
	if err := srv.exec(`CREATE SCHEMA ` + name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.exec(`DROP SCHEMA ` + name + ` CASCADE`); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return srv.dsn(name)
}

// mainRunning tells whether the binary runs its tests through Main, which
// stops the server: New refuses to start one that nothing would stop.
var mainRunning atomic.Bool

// the is the server of this test binary, started by the first New.
var the struct {
	mu  sync.Mutex
	srv *pgServer
	err error // why it could not start; every New fails with it
}

// server returns the running server, starting it when none is, or ends t:
// skipped without PostgreSQL (outside CI), failed when it cannot start.
func server(t testing.TB) *pgServer {
	t.Helper()
	if !mainRunning.Load() {
		t.Fatal("pgtest: the package's TestMain must call pgtest.Main (or Run), which stops the server at the end")
	}
	bin := installed(t)
	the.mu.Lock()
	defer the.mu.Unlock()
	if the.srv == nil && the.err == nil {
		the.srv, the.err = start(bin)
	}
	if the.err != nil {
		t.Fatalf("pgtest: %v", the.err)
	}
	return the.srv
}

// installed returns the directory of PostgreSQL's server binaries, or
// ends t: skipped without them (outside CI), failed under CI.
func installed(t testing.TB) string {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		missing(t, err)
	}
	return bin
}

// missing ends t for want of PostgreSQL's programs (err says which):
// skipped outside CI, failed under CI.
func missing(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "" {
		t.Skipf("pgtest: PostgreSQL is not installed (%v); skipping. Install Debian's postgresql package to run this test; under CI it fails instead", err)
	}
	t.Fatalf("pgtest: PostgreSQL is not installed (%v), and CI is set: install Debian's postgresql package", err)
}

// binDir finds the directory of initdb and postgres: $CHATD_PG_BIN, the
// newest /usr/lib/postgresql/*/bin (Debian keeps them off PATH), or PATH.
func binDir() (string, error) {
	if dir := os.Getenv("CHATD_PG_BIN"); dir != "" {
		return dir, checkBin(dir)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, dir := range dirs {
		if checkBin(dir) == nil {
			return dir, nil
		}
	}
	if path, err := exec.LookPath("postgres"); err == nil {
		dir := filepath.Dir(path)
		return dir, checkBin(dir)
	}
	return "", errors.New("no initdb and postgres in $CHATD_PG_BIN, /usr/lib/postgresql/*/bin or PATH")
}

// version is the major version in a /usr/lib/postgresql/<version>/bin path.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func checkBin(dir string) error {
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// pgServer is a running PostgreSQL server of this binary.
type pgServer struct {
	dir     string // the temporary directory: data/ and the log
	port    int
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the postmaster has exited
	admin   *pgx.Conn     // creates and drops schemas
	adminMu sync.Mutex
	schemas atomic.Int64
}

// database is the database every schema is made in.
const database = "chatd"

// start makes a data directory with initdb and starts postgres on it, on a
// free port of 127.0.0.1, waiting until it accepts connections.
func start(bin string) (*pgServer, error) {
	dir, err := os.MkdirTemp("", "chatd-pgtest-")
	if err != nil {
		return nil, err
	}
	cred, err := serverUser(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"),
		"--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// A free port can be taken between the check and the start: try again
	// on another one.
	for range 5 {
		srv := &pgServer{dir: dir, exited: make(chan struct{})}
		if err = srv.run(bin, cred); err == nil {
			return srv, nil
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

// serverUser is who runs the server: this process's user, or the postgres
// user (owning dir) when this process is root.
func serverUser(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// run starts postgres on a free port, waits for it to take connections
// and creates the database the schemas are made in.
func (s *pgServer) run(bin string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.port = port
	if err := s.launch(bin, cred); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.exec(`CREATE DATABASE ` + database); err != nil {
		s.stop()
		return err
	}
	conn, err := pgx.Connect(ctx, s.url(database, ""))
	if err != nil {
		s.stop()
		return err
	}
	s.admin.Close(ctx)
	s.admin = conn
	return nil
}

// launch starts postgres on s.dir/data, listening on s.port, and waits for
// it to take connections: s.admin is then connected to the postgres
// database.
func (s *pgServer) launch(bin string, cred *syscall.Credential) error {
	logFile, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	if cred != nil {
		os.Chown(logFile.Name(), int(cred.Uid), int(cred.Gid))
	}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(s.dir, "data"),
		"-p", strconv.Itoa(s.port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
		"-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=400", "-c", "shared_buffers=64MB")
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	// Should this process die without stopping it, the server does an
	// immediate shutdown instead of outliving it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, s.url("postgres", ""))
		if err == nil {
			s.admin = conn
			return nil
		}
		select {
		case <-s.exited:
			log, _ := os.ReadFile(logFile.Name())
			return fmt.Errorf("postgres exited at start:\n%s", log)
		case <-ctx.Done():
			s.stop()
			return fmt.Errorf("postgres did not take connections within a minute: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// freePort is a port of 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// url is the connection string of db with search_path schema ("" for the
// server's default).
func (s *pgServer) url(db, schema string) string {
	u := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
	if schema != "" {
		u += "&search_path=" + schema
	}
	return u
}

// dsn is the connection string of a schema made by New.
func (s *pgServer) dsn(schema string) string { return s.url(database, schema) }

// exec runs one statement on the administration connection.
func (s *pgServer) exec(sql string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := s.admin.Exec(ctx, sql)
	return err
}

// stop shuts the server down (fast: open sessions are ended) and removes
// its directory.
func (s *pgServer) stop() {
	if s.admin != nil {
		s.admin.Close(context.Background())
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	os.RemoveAll(s.dir)
}
