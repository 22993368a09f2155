#!/bin/sh
# tapibench's command line: --only takes a comma-separated list of known
# scenarios, anything else is refused with exit code 2 and says why.  And
# one short real run (floors + lineGetAgentSessionInfo, one run each): its
# JSON has every row, each measured figure with the floor of the same run
# and ratio = median / floor, the rows left out say why, the table ends
# with the targets, and nothing it started or created is left behind.
# (The figures themselves are `make bench`: nothing here asserts a time.)
set -eu
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
T="$B/tapibench"
fail() { echo "test_tapibench: $*"; exit 1; }
[ -x "$T" ] || fail "$T not built"
"$T" --help | grep -q -- "--only LIST" || fail "--help does not describe --only"
long=$(printf 'info,%.0s' $(seq 40))bogus
for bad in bogus "info,bogus" "" "," "$long"; do
    rc=0
    err=$("$T" --only "$bad" 2>&1 >/dev/null) || rc=$?
    [ "$rc" = 2 ] || fail "--only '$bad': exit $rc, not 2"
    echo "$err" | grep -q "not a list of create, info, fanout, scale, pg" ||
        fail "--only '$bad' does not say why: $err"
done
rc=0
"$T" --only >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--only without a list: exit $rc, not 2"

# A real run in a private TMPDIR, which must be empty afterwards.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp "$T" --quick --no-pg --only info --runs 1 --json >"$tmp/out.json" 2>"$tmp/err" ||
    fail "the run failed: $(tail -3 "$tmp/err")"
left=$(ls -A "$tmp" | grep -v -e '^out.json$' -e '^err$' || true)
[ -z "$left" ] || fail "left behind in TMPDIR: $left"
pgrep -f "$tmp/" >/dev/null 2>&1 && fail "a process of the run is still running"
awk '
    /"name": / {
        rows++
        match($0, /"name": "[^"]*"/); name = substr($0, RSTART + 9, RLENGTH - 10)
        if ($0 ~ /"unavailable": /) {
            if (name ~ /^lineGetAgentSessionInfo|^relay floor|^4 KiB write \+ fdatasync, p50$/) {
                print "no figure for " name; bad = 1
            } else if (name !~ /PG/ && $0 !~ /not selected \(--only\)/) {
                print "left out without saying so: " name; bad = 1
            }
            next
        }
        match($0, /"median": [0-9.]+/); med = substr($0, RSTART + 10, RLENGTH - 10) + 0
        match($0, /"floor": [0-9.]+/); flo = substr($0, RSTART + 9, RLENGTH - 9) + 0
        match($0, /"ratio": [0-9.]+/); rat = substr($0, RSTART + 9, RLENGTH - 9) + 0
        fig[name] = med
        if (med <= 0) { print "no positive median: " name; bad = 1 }
        if (name ~ /^lineGetAgentSessionInfo/) {
            want = name ~ /p50$/ ? "relay floor, 1 outstanding, p50" : \
                   name ~ /p99$/ ? "relay floor, 1 outstanding, p99" : "relay floor, 256 outstanding"
            if (flo != fig[want]) { print name ": floor " flo " is not " want " " fig[want]; bad = 1 }
            d = rat - med / flo; if (d < 0) d = -d
            if (d > 0.0001 + rat * 0.001) { print name ": ratio " rat " is not " med "/" flo; bad = 1 }
            info++
        }
    }
    END {
        if (rows < 30) { print "only " rows " rows"; bad = 1 }
        if (info != 3) { print info " lineGetAgentSessionInfo rows with figures, not 3"; bad = 1 }
        exit bad
    }' "$tmp/out.json" || fail "the JSON is not what it should be"
TMPDIR=$tmp "$T" --quick --no-pg --only info --runs 1 >"$tmp/out.txt" 2>/dev/null ||
    fail "the table run failed"
grep -q "median of 1 runs" "$tmp/out.txt" || fail "the table does not say how many runs"
grep -q "lineGetAgentSessionInfo p50 <= 1.5x relay floor .*ratio" "$tmp/out.txt" ||
    fail "the table does not report the info target"
echo "test_tapibench: 1 passed, 0 failed"
