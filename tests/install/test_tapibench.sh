#!/bin/sh
# tapibench's command line: --only takes a comma-separated list of known
# scenarios, anything else is refused with exit code 2 and says why.  (The
# measurements themselves are `make bench`, not a test: nothing here times.)
set -eu
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
T="$B/tapibench"
fail() { echo "test_tapibench: $*"; exit 1; }
[ -x "$T" ] || fail "$T not built"
"$T" --help | grep -q -- "--only LIST" || fail "--help does not describe --only"
for bad in bogus "info,bogus" "" ","; do
    rc=0
    err=$("$T" --only "$bad" 2>&1 >/dev/null) || rc=$?
    [ "$rc" = 2 ] || fail "--only '$bad': exit $rc, not 2"
    echo "$err" | grep -q "not a list of create, info, fanout, scale, pg" ||
        fail "--only '$bad' does not say why: $err"
done
rc=0
"$T" --only >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--only without a list: exit $rc, not 2"
echo "test_tapibench: 1 passed, 0 failed"
