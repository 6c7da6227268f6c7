# Shared by .ci/run and scripts that need the backend services: make sure
# PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer, starting
# them when they are down.

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

wait_for() { # wait_for CHECK SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do "$1" && return 0; sleep 0.1; done
	return 1
}

ensure_postgres() {
	if ! command -v pg_isready >/dev/null; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
	fi
	pg_up && { echo "postgres: up"; return 0; }
	echo "postgres: starting"
	pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
	wait_for pg_up 30 || { echo "postgres: not answering on 127.0.0.1:5432"; return 1; }
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 ||
		psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null
}

ensure_redis() {
	if ! command -v redis-server >/dev/null; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
	fi
	redis_up && { echo "redis: up"; return 0; }
	echo "redis: starting"
	mkdir -p /var/lib/redis /var/log/redis
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log
	wait_for redis_up 30 || { echo "redis: not answering on 127.0.0.1:6379"; return 1; }
}
