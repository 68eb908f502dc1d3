#!/usr/bin/env bash
# Starts a throw-away Redis server for tests and benchmarks.
# Usage: scripts/start-redis.sh STATE_DIR
# A free port on 127.0.0.1, data (append-only file, so a restart keeps it) in STATE_DIR, the
# server's pid in STATE_DIR/redis.pid. Prints `export VAR=value` lines on stdout:
#   EVEFLOW_TEST_REDIS      HOST:PORT of the server
#   EVEFLOW_TEST_REDIS_CTL  a script taking stop|start|restart, to stop and start this server
#                           on the same port
# Stop it with scripts/stop-redis.sh STATE_DIR.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 STATE_DIR" >&2
    exit 2
fi
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
STATE=$(mkdir -p "$1" && cd "$1" && pwd)

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PORT=$(free_port)

cat >"$STATE/redis_ctl.sh" <<CTL
#!/usr/bin/env bash
# Controls the test server in $STATE: stop | start | restart.
set -eu
PORT=$PORT
PIDFILE="$STATE/redis.pid"
case "\$1" in
    stop)
        [ -s "\$PIDFILE" ] || exit 0
        PID=\$(cat "\$PIDFILE")
        kill -TERM "\$PID" 2>/dev/null || exit 0
        for _ in \$(seq 100); do kill -0 "\$PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "\$PID" 2>/dev/null || true
        rm -f "\$PIDFILE" ;;
    start)
        "$REDIS_SERVER" --port "\$PORT" --bind 127.0.0.1 --dir "$STATE" --daemonize yes \\
            --pidfile "\$PIDFILE" --logfile "$STATE/server.log" --save "" \\
            --appendonly yes --appendfsync everysec >>"$STATE/ctl.log" 2>&1
        # Up to 30 s: a restart first loads the append-only file.
        for _ in \$(seq 600); do
            redis-cli -h 127.0.0.1 -p "\$PORT" ping 2>/dev/null | grep -q PONG && exit 0
            sleep 0.05
        done
        exit 1 ;;
    restart) "\$0" stop && "\$0" start ;;
    *) echo "usage: \$0 stop|start|restart" >&2; exit 2 ;;
esac
CTL
chmod 755 "$STATE/redis_ctl.sh"
# A port taken between the probe and the start: try a few others.
for _ in 1 2 3 4 5; do
    if "$STATE/redis_ctl.sh" start; then
        break
    fi
    "$STATE/redis_ctl.sh" stop || true
    PORT=$(free_port)
    sed -i "s/^PORT=[0-9]*/PORT=$PORT/" "$STATE/redis_ctl.sh"
done
[ -s "$STATE/redis.pid" ] || { echo "start-redis: server did not start, see $STATE/server.log" >&2; exit 1; }
echo "$PORT" >"$STATE/port"

echo "export EVEFLOW_TEST_REDIS='127.0.0.1:$PORT'"
echo "export EVEFLOW_TEST_REDIS_CTL='$STATE/redis_ctl.sh'"
