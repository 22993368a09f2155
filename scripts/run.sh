#!/bin/sh
# make run: start tapisrv (socket under var/) and acdproxy (store var/acd.db)
# in the foreground, seeding a demo directory on the first start, and say how
# to try it.  Ctrl-C stops both.  TAPISRV_CONFIG=FILE gives tapisrv a config.
set -eu
B=${1:-build}
mkdir -p var
VAR="$(pwd)/var"
SOCK="$VAR/tapisrv.sock"
DB="$VAR/acd.db"
SEEDED="$VAR/.acd-seeded"
CONF=""
[ -n "${TAPISRV_CONFIG:-}" ] && CONF="--config $TAPISRV_CONFIG"
export TAPI_SERVER="$SOCK"
ME=$(id -un)

admin() { "$B/acdproxy" admin --db "$DB" "$@"; }

# --- the demo directory, once (a half-seeded store from an interrupted run is redone)
if [ ! -e "$SEEDED" ]; then
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal"
    echo "Seeding a demo directory into $DB ..."
    admin group add Sales >/dev/null
    admin group add Support >/dev/null
    admin queue add 101 "Sales EU" --group Sales >/dev/null
    admin queue add 102 "Sales US" --group Sales >/dev/null
    admin queue add 201 "Support L1" --group Support >/dev/null
    admin queue add 202 "Support L2" --group Support >/dev/null
    admin activity add 1 "Inbound calls" >/dev/null
    admin activity add 2 "Email" >/dev/null
    admin activity add 3 "Break" >/dev/null
    admin agent add 1001 --name "Ada Lovelace" --user "$ME" >/dev/null
    printf '1234\n' | admin agent add 1002 --name "Grace Hopper" --pin-stdin >/dev/null
    printf '1234\n' | admin agent add 1003 --name "Alan Turing" --pin-stdin >/dev/null
    printf '1234\n' | admin agent add 1004 --name "Katherine Johnson" --pin-stdin >/dev/null
    touch "$SEEDED"
fi

# --- start both, each announcing READY on a FIFO
TAPISRV_PID=""
ACD_PID=""
stop() {
    trap - INT TERM EXIT
    [ -n "$ACD_PID" ] && kill -TERM "$ACD_PID" 2>/dev/null && wait "$ACD_PID" 2>/dev/null || true
    [ -n "$TAPISRV_PID" ] && kill -TERM "$TAPISRV_PID" 2>/dev/null && wait "$TAPISRV_PID" 2>/dev/null || true
    rm -f "$VAR/.ready-tapisrv" "$VAR/.ready-acdproxy"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

await() { # $1 = FIFO; the first line must be READY
    line=""
    read -r line <"$1" || true
    [ "$line" = "READY" ]
}

rm -f "$VAR/.ready-tapisrv" "$VAR/.ready-acdproxy"
mkfifo "$VAR/.ready-tapisrv" "$VAR/.ready-acdproxy"
# shellcheck disable=SC2086
"$B/tapisrv" --socket "$SOCK" $CONF --ready-fd 3 3>"$VAR/.ready-tapisrv" &
TAPISRV_PID=$!
if ! await "$VAR/.ready-tapisrv"; then
    echo "tapisrv did not start" >&2
    exit 1
fi
"$B/acdproxy" --db "$DB" --ready-fd 3 3>"$VAR/.ready-acdproxy" &
ACD_PID=$!
if ! await "$VAR/.ready-acdproxy"; then
    echo "acdproxy did not start" >&2
    exit 1
fi

cat <<MSG

tapisrv is running on $SOCK, acdproxy serves every line from $DB.
Demo directory: groups Sales and Support (2 queues each), activities 1-3,
agents 1001 (bound to you, $ME), 1002..1004 (PIN 1234).

Try it from another shell:
    export TAPI_SERVER=$SOCK
    $B/tapictl groups
    $B/tapictl agent create --id 1001
    $B/tapictl session create --agent H --group Sales --address 0
    echo 1234 | $B/tapictl agent create --id 1002 --pin-stdin
    $B/tapictl monitor
Change the directory while it runs (apps see LINE_GROUPSTATUS etc.):
    $B/acdproxy admin --db $DB group add Billing
Build your own program with:
    cc -Iinclude prog.c -L$B -ltapi32 -Wl,-rpath,$(pwd)/$B
Stop with Ctrl-C.
MSG
wait "$ACD_PID" || true
ACD_PID=""
