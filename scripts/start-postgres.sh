#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 server for tests and benchmarks.
# Usage: scripts/start-postgres.sh STATE_DIR
# initdb in STATE_DIR/data, a free port on 127.0.0.1, fsync off; the server's pid goes to
# STATE_DIR/postgres.pid. Prints `export VAR=value` lines on stdout:
#   EVEFLOW_TEST_PG_DSN   conninfo of database eveflow_test, role eveflow (password eveflow)
#   EVEFLOW_TEST_PG_DATA  the data directory
#   EVEFLOW_TEST_PG_CTL   a script taking stop|start|restart, to stop and start this server
# Stop it with scripts/stop-postgres.sh STATE_DIR.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 STATE_DIR" >&2
    exit 2
fi
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
STATE=$(mkdir -p "$1" && cd "$1" && pwd)
DATA="$STATE/data"

# initdb and postgres refuse to run as root: run them as the postgres user then.
if [ "$(id -u)" = 0 ]; then
    AS_PG=(runuser -u postgres --)
    chown postgres:postgres "$STATE"
else
    AS_PG=()
fi
chmod 700 "$STATE"

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PORT=$(free_port)

"${AS_PG[@]}" "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$STATE/initdb.log" 2>&1

# A small control script so tests can stop and restart this very server.
cat >"$STATE/pg_ctl.sh" <<CTL
#!/usr/bin/env bash
# Controls the test server in $STATE: stop | start | restart.
set -eu
OPTS="-p $PORT -k $STATE -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
case "\$1" in
    stop) ${AS_PG[*]} "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >>"$STATE/ctl.log" 2>&1 ;;
    start) ${AS_PG[*]} "$PGBIN/pg_ctl" -D "$DATA" -l "$STATE/server.log" -w -t 30 -o "\$OPTS" start >>"$STATE/ctl.log" 2>&1
           head -1 "$DATA/postmaster.pid" >"$STATE/postgres.pid" ;;
    restart) "\$0" stop && "\$0" start ;;
    *) echo "usage: \$0 stop|start|restart" >&2; exit 2 ;;
esac
CTL
chmod 755 "$STATE/pg_ctl.sh"
# A port taken between the probe and the start: try a few others.
for _ in 1 2 3 4 5; do
    if "$STATE/pg_ctl.sh" start; then
        break
    fi
    PORT=$(free_port)
    sed -i "s/^OPTS=\"-p [0-9]*/OPTS=\"-p $PORT/" "$STATE/pg_ctl.sh"
done
[ -s "$STATE/postgres.pid" ] || { echo "start-postgres: server did not start, see $STATE/server.log" >&2; exit 1; }
echo "$PORT" >"$STATE/port"

psql -q -h "$STATE" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE eveflow LOGIN PASSWORD 'eveflow'" \
    -c "CREATE DATABASE eveflow_test OWNER eveflow" >/dev/null

echo "export EVEFLOW_TEST_PG_DSN='host=127.0.0.1 port=$PORT dbname=eveflow_test user=eveflow password=eveflow'"
echo "export EVEFLOW_TEST_PG_DATA='$DATA'"
echo "export EVEFLOW_TEST_PG_CTL='$STATE/pg_ctl.sh'"
