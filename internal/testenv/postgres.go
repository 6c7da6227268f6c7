package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresServer is a PostgreSQL server of a test's own, in a temporary
// directory on a spare port, that the test can stop and start again.
type PostgresServer struct {
	tb   testing.TB
	Port int
	dir  string
	bin  string
}

// URL is the server's postgres:// URL (trust authentication).
func (p *PostgresServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
}

// StartPostgres creates and starts a throw-away PostgreSQL server, stopped
// and removed when tb ends. It skips tb like PostgresURL when PostgreSQL
// tests are not configured, and fails it when the server binaries are
// missing. As root, the server runs as the postgres user.
func StartPostgres(tb testing.TB) *PostgresServer {
	tb.Helper()
	PostgresURL(tb)
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		tb.Fatal("initdb not found under /usr/lib/postgresql")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "svsbot-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	p := &PostgresServer{tb: tb, Port: port, dir: dir, bin: filepath.Dir(matches[0])}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
			tb.Fatalf("chown: %v: %s", err, out)
		}
	}
	p.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")
	p.Start()
	tb.Cleanup(func() {
		p.Stop()
		os.RemoveAll(dir)
	})
	return p
}

// run runs one of the server's programs, as the postgres user when root.
func (p *PostgresServer) run(prog string, args ...string) {
	p.tb.Helper()
	name, argv := filepath.Join(p.bin, prog), args
	if os.Geteuid() == 0 {
		name, argv = "runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, prog)}, args...)
	}
	if out, err := exec.Command(name, argv...).CombinedOutput(); err != nil {
		p.tb.Fatalf("%s: %v: %s", prog, err, out)
	}
}

// Start starts the server (again) and waits until it accepts connections.
func (p *PostgresServer) Start() {
	p.tb.Helper()
	p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "log"), "-w", "start",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.Port, p.dir))
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, p.URL())
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return
		}
		if time.Now().After(deadline) {
			p.tb.Fatalf("postgres on port %d does not answer: %v", p.Port, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a starting process, not waiting for a clock
	}
}

// Stop stops the server at once (fast shutdown: sessions are ended).
func (p *PostgresServer) Stop() {
	p.tb.Helper()
	name, argv := filepath.Join(p.bin, "pg_ctl"), []string{"-D", filepath.Join(p.dir, "data"), "-m", "fast", "-w", "stop"}
	if os.Geteuid() == 0 {
		name, argv = "runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, "pg_ctl")}, argv...)
	}
	exec.Command(name, argv...).Run() // stopping a stopped server is fine
}
