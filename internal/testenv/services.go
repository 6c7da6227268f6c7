package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// UniqueName returns prefix followed by random hex, for schemas and key
// prefixes that keep concurrent tests apart.
func UniqueName(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// PostgresSchema names a fresh PostgreSQL schema that is dropped when tb ends.
func PostgresSchema(tb testing.TB, url string) string {
	tb.Helper()
	schema := UniqueName("svsbot_test_")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// RedisPrefix names a fresh Redis key prefix whose keys are deleted when tb ends.
func RedisPrefix(tb testing.TB, url string) string {
	tb.Helper()
	prefix := UniqueName("svsbot-test-") + ":"
	tb.Cleanup(func() {
		opts, err := redis.ParseURL(url)
		if err != nil {
			tb.Errorf("redis URL: %v", err)
			return
		}
		rdb := redis.NewClient(opts)
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// RedisServer is a redis-server process of a test's own, on a spare port,
// that the test can stop and start again.
type RedisServer struct {
	tb   testing.TB
	Port int
	cmd  *exec.Cmd
}

// URL is the server's redis:// URL.
func (r *RedisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port) }

// StartRedis starts a redis-server without persistence on a spare port and
// stops it when tb ends. It skips tb like RedisURL when Redis tests are not
// configured, and fails it when redis-server is missing.
func StartRedis(tb testing.TB) *RedisServer {
	tb.Helper()
	RedisURL(tb) // the same switch as every Redis test
	if _, err := exec.LookPath("redis-server"); err != nil {
		tb.Fatalf("redis-server not found in PATH: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r := &RedisServer{tb: tb, Port: port}
	r.Start()
	tb.Cleanup(r.Stop)
	return r
}

// Start starts the server (again) and waits until it answers.
func (r *RedisServer) Start() {
	r.tb.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	if err := r.cmd.Start(); err != nil {
		r.tb.Fatalf("start redis-server: %v", err)
	}
	opts, _ := redis.ParseURL(r.URL())
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.tb.Fatalf("redis-server on port %d does not answer: %v", r.Port, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a starting process, not waiting for a clock
	}
}

// Stop kills the server and waits for it to exit.
func (r *RedisServer) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}
