#!/bin/sh
# make run, as a user runs it: scripts/run.sh from a scratch directory starts
# tapisrv and acdproxy, seeds the demo directory on the first start only,
# says how to connect, answers tapictl, and stops both on SIGTERM (what
# Ctrl-C gives it).  Every wait is on the script's own output, bounded.
set -eu
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
D=$(mktemp -d)
SPID=""
cleanup() {
    [ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null || true
    rm -rf "$D"
}
trap cleanup EXIT
fail() { echo "test_run: $*"; [ -f "$D/err" ] && tail -5 "$D/err"; exit 1; }

# Start run.sh; return once it printed its last line of instructions.
start() {
    rm -f "$D/o" "$D/rf" "$D/out"
    mkfifo "$D/o" "$D/rf"
    (cd "$D" && exec sh "$ROOT/scripts/run.sh" "$B" >"$D/o" 2>"$D/err") &
    SPID=$!
    ( tee "$D/out" | { grep -q 'Stop with Ctrl-C.' && echo up >"$D/rf"; cat >/dev/null; } ) <"$D/o" &
    timeout 60 sh -c 'read x <"$0"' "$D/rf" || fail "run.sh did not come up within 60 s"
}

stop() {
    kill -TERM "$SPID"
    wait "$SPID" || fail "run.sh exited $? on SIGTERM (want 0)"
    SPID=""
    ! pgrep -f "$D/var/" >/dev/null || fail "tapisrv or acdproxy still running after SIGTERM"
}

export TAPI_SERVER="$D/var/tapisrv.sock"
T="$B/tapictl --timeout 10"

start
grep -q "Seeding a demo directory" "$D/out" || fail "first start did not seed"
grep -q "export TAPI_SERVER=$D/var/tapisrv.sock" "$D/out" || fail "no connect instructions"
[ -f "$D/var/acd.db" ] || fail "no var/acd.db"
groups=$($T groups) || fail "tapictl groups failed"
echo "$groups" | grep -q " Sales$" && echo "$groups" | grep -q " Support$" || fail "groups: $groups"
[ "$(echo "$groups" | wc -l)" -eq 3 ] || fail "want a header and 2 groups: $groups"
for g in Sales Support; do
    [ "$($T queues --group $g | wc -l)" -eq 3 ] || fail "want 2 queues in $g"
done
h=$($T agent create) || fail "agent create for the bound user failed"
[ -n "$h" ] || fail "agent create printed no handle"
printf '1234\n' | $T agent create --id 1002 --pin-stdin >/dev/null || fail "agent 1002 with its PIN"
stop

start   # again: the store is reused, not seeded twice
! grep -q "Seeding" "$D/out" || fail "second start seeded again"
[ "$($T groups | wc -l)" -eq 3 ] || fail "groups doubled on the second start"
[ "$($T agent create)" = "$h" ] || fail "the bound agent's handle changed across restarts"
stop
echo "test_run: 1 passed, 0 failed"
