#!/bin/sh
# A private PostgreSQL server for the tests.
#
#   scripts/pg-test.sh start DIR   initdb (first time) and start a server in DIR
#   scripts/pg-test.sh stop DIR    stop it (fast shutdown); "stop DIR immediate"
#                                  crashes it (no shutdown checkpoint)
#   scripts/pg-test.sh url DIR     print the URL of its maintenance database
#
# The server listens on a Unix socket in DIR/sock only (listen_addresses
# is empty: no TCP port), trusts local connections as the superuser
# "postgres", and keeps fsync and synchronous_commit at their defaults, so
# a commit the tests see acknowledged is on disk as in production.
# PostgreSQL refuses to run as root: run as root, the server runs as the
# user $TAPIX_PG_USER (default nobody), and DIR is handed over to it.
# The binaries come from $TAPIX_PG_BINDIR, else pg_config --bindir, else
# the newest /usr/lib/postgresql/*/bin.
set -eu

usage() {
    echo "usage: $0 start|stop|url DIR [immediate]" >&2
    exit 2
}
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
mode=${3:-fast}

bindir() {
    if [ -n "${TAPIX_PG_BINDIR:-}" ]; then
        echo "$TAPIX_PG_BINDIR"
        return
    fi
    if command -v pg_config >/dev/null 2>&1; then
        b=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$b" ] && [ -x "$b/initdb" ]; then
            echo "$b"
            return
        fi
    fi
    for b in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$b/initdb" ]; then
            echo "$b"
            return
        fi
    done
    echo "pg-test: no PostgreSQL server binaries (initdb) found" >&2
    exit 1
}

# Run a command as the server's user (ourselves unless we are root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "${TAPIX_PG_USER:-nobody}" -- "$@"
    else
        "$@"
    fi
}

case $cmd in
start)
    B=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        chown "${TAPIX_PG_USER:-nobody}" "$dir"
    fi
    chmod 0700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner mkdir -p "$dir/sock"
        as_owner "$B/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
            >"$dir/initdb.log" 2>&1 || {
            cat "$dir/initdb.log" >&2
            exit 1
        }
    fi
    # Connecting processes (maybe of another user) need to reach the socket.
    # After a crash (stop DIR immediate) recovery first syncs the data
    # directory: one syncfs instead of an fsync per file of every database.
    chmod 0711 "$dir"
    as_owner chmod 0755 "$dir/sock"
    as_owner "$B/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 \
        -o "-c listen_addresses='' -k $dir/sock -c max_connections=200 -c recovery_init_sync_method=syncfs" \
        start >/dev/null || {
        tail -20 "$dir/server.log" >&2
        exit 1
    }
    ;;
stop)
    B=$(bindir)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$B/pg_ctl" -D "$dir/data" -m "$mode" -w -t 120 stop >/dev/null
    ;;
url)
    dir=$(cd "$dir" && pwd)
    echo "postgresql://postgres@/postgres?host=$dir/sock"
    ;;
*)
    usage
    ;;
esac
