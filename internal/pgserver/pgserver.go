// Package pgserver starts a throwaway PostgreSQL server for a test: its own data directory in a
// temporary directory, its own free port on 127.0.0.1, trust authentication, stopped and removed when
// the test ends. Tests that stop, restart or break the database use it, never the shared server on
// 5432 that other tests run against. A server can be given streaming replicas ([Server.StartReplica]),
// made as operators make them: pg_basebackup -R from the running primary.
//
// It needs the Debian packages' initdb and pg_ctl (/usr/lib/postgresql/<version>/bin, or PG_BIN).
// initdb refuses to run as root: as root the server runs as the "postgres" operating-system user,
// through runuser. When neither is possible, Start fails the test, so that a green run means the test
// ran, unless TASTYGO_SKIP_POSTGRES=1 is set: then it skips the test with a message.
package pgserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a PostgreSQL server started by Start.
type Server struct {
	bin  string // the directory of initdb, pg_ctl and postgres
	dir  string // the temporary directory holding data/ and the log
	port int
	// runAs is the operating-system user the server runs as ("" for the test's own user).
	runAs string
}

// Start creates a database cluster in a new temporary directory, starts a server on a free port of
// 127.0.0.1 and returns it once it accepts connections. The server is stopped (immediately) and its
// directory removed when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := start()
	if err != nil {
		if os.Getenv("TASTYGO_SKIP_POSTGRES") == "1" {
			tb.Skipf("pgserver: skipping this test (TASTYGO_SKIP_POSTGRES=1): cannot start a PostgreSQL server of its own: %v", err)
		}
		tb.Fatalf("pgserver: cannot start a PostgreSQL server of the test's own: %v (set TASTYGO_SKIP_POSTGRES=1 to skip the tests that need PostgreSQL)", err)
	}
	tb.Cleanup(func() { s.remove(tb) })
	return s
}

func start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	s, err := newServer(bin)
	if err != nil {
		return nil, err
	}
	// --no-sync: nothing of a throwaway cluster needs to survive a machine crash. initdb's pg_hba.conf
	// also trusts replication connections from 127.0.0.1, which replicas need.
	if err := s.command("initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if err := s.Start(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	return s, nil
}

// newServer makes the directory and chooses the port of a server not created yet.
func newServer(bin string) (*Server, error) {
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root, and initdb refuses root: no postgres user to run it as: %w", err)
		}
		s.runAs = "postgres"
	}
	// Not t.TempDir(): its parents are private to the test's user, and the server may run as another.
	var err error
	if s.dir, err = os.MkdirTemp("", "tastygo-pgserver-"); err != nil {
		return nil, err
	}
	if err := s.own(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if s.port, err = freePort(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	return s, nil
}

// own makes the server's directory its user's.
func (s *Server) own() error {
	if s.runAs == "" {
		return nil
	}
	u, err := user.Lookup(s.runAs)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(s.dir, uid, gid)
}

// StartReplica makes a streaming replica of s as operators do, with pg_basebackup -R (a base backup
// of the running server, WAL streamed during it, and the standby configuration written: standby.signal
// and primary_conninfo naming s), starts it on a free port of its own as a hot standby (it answers
// reads) and returns it once it accepts connections. Like s, it is stopped and removed when the test
// ends; [Server.Stop] and [Server.Start] stop and restart it, and it catches up with s by itself.
func (s *Server) StartReplica(tb testing.TB) *Server {
	tb.Helper()
	r, err := s.startReplica()
	if err != nil {
		tb.Fatalf("pgserver: cannot start a replica: %v", err)
	}
	tb.Cleanup(func() { r.remove(tb) })
	return r
}

func (s *Server) startReplica() (*Server, error) {
	r, err := newServer(s.bin)
	if err != nil {
		return nil, err
	}
	// -c fast: the backup starts with an immediate checkpoint rather than waiting for the next one.
	if err := r.command("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-U", "postgres",
		"-D", r.data(), "-R", "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		os.RemoveAll(r.dir)
		return nil, err
	}
	if err := r.Start(); err != nil {
		os.RemoveAll(r.dir)
		return nil, fmt.Errorf("%w\n%s", err, r.Log())
	}
	return r, nil
}

// remove stops the server at once and removes its directory.
func (s *Server) remove(tb testing.TB) {
	if err := s.command("pg_ctl", "stop", "-D", s.data(), "-m", "immediate", "-w"); err != nil && s.running() {
		tb.Logf("pgserver: stop: %v", err)
	}
	if err := os.RemoveAll(s.dir); err != nil {
		tb.Logf("pgserver: %v", err)
	}
}

// Start starts the server (again, after Stop) and waits until it accepts connections.
func (s *Server) Start() error {
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c max_connections=60", s.port, s.dir)
	return s.command("pg_ctl", "start", "-D", s.data(), "-l", filepath.Join(s.dir, "server.log"), "-o", opts, "-w", "-t", "60")
}

// Stop stops the server with a fast shutdown (sessions are ended, their transactions rolled back) and
// waits until it has exited.
func (s *Server) Stop() error {
	return s.command("pg_ctl", "stop", "-D", s.data(), "-m", "fast", "-w", "-t", "60")
}

// URL returns the address of a database of the server (postgres is always there), for dialect.Open.
func (s *Server) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, database)
}

// Log returns what the server has written to its log, for a failing test to show.
func (s *Server) Log() string {
	b, err := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// running reports whether the server's postmaster is alive.
func (s *Server) running() bool {
	return s.command("pg_ctl", "status", "-D", s.data()) == nil
}

// command runs one of the server's programs, as the server's user, and returns its output in the error.
func (s *Server) command(program string, args ...string) error {
	path := filepath.Join(s.bin, program)
	var cmd *exec.Cmd
	if s.runAs != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// pg_ctl start leaves the server running with our pipes open unless its output goes to the log;
	// -l does that, and WaitDelay bounds a server that keeps them anyway.
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", program, strings.Join(args, " "), err, out)
	}
	return nil
}

// binDir finds the directory of initdb and pg_ctl: PG_BIN, else the newest
// /usr/lib/postgresql/<version>/bin.
func binDir() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) < version(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("no initdb under /usr/lib/postgresql/*/bin (install Debian's postgresql package, or set PG_BIN)")
}

// version is the major version in /usr/lib/postgresql/<version>/bin.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// freePort asks the kernel for a free port of 127.0.0.1.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
