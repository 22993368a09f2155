#!/bin/sh
# Run every test program in $1/tests and print cmocka's summaries, then one
# closing line "N passed, N failed" counting the suites.  Exit 1 if any failed.
#
# The suites of acdproxy's store run a second time on PostgreSQL (named
# e.g. test_acd_requests[pg]) against a private server this script starts
# (scripts/pg-test.sh) and stops at the end.  PostgreSQL is part of the
# test dependencies: when its server cannot start, that counts as a failed
# suite.  TAPIX_TEST_PG_SKIP=1 leaves the PostgreSQL runs out (and says so).
set -u
B=${1:-build}
# tapisrv logs at info by default; tests want only its warnings and errors.
export TAPIX_SRV_LOG_LEVEL=${TAPIX_SRV_LOG_LEVEL:-warn}
# The suites that take their store from TAPIX_TEST_STORE.
PG_SUITES="test_acd_store test_acd_requests test_acd_lifecycle test_acd_nodes"
# TAPIX_VALGRIND=1 (make test VALGRIND=1): every test program under valgrind
# memcheck too (the harness wraps the processes they start); exit code 99
# on any error or definite leak.
VG=""
if [ -n "${TAPIX_VALGRIND:-}" ] && [ "$TAPIX_VALGRIND" != 0 ]; then
    VG="valgrind --quiet --tool=memcheck --error-exitcode=99 --leak-check=full
        --show-leak-kinds=definite --errors-for-leak-kinds=definite
        --child-silent-after-fork=yes --vgdb=no --suppressions=${TAPIX_VALGRIND_SUPP:-tests/valgrind.supp}"
fi
pass=0; fail=0; failed=""
count() { # name rc
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $1"; fi
}
for t in "$B"/tests/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    # shellcheck disable=SC2086
    TAPIX_TEST_STORE=sqlite TAPIX_BUILD="$B" $VG "$t"; count "$name" $?
done
# Shell suites: the install check.
for t in tests/install/test_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    sh "$t" "$B"; count "$name" $?
done
# The same suites on PostgreSQL.
if [ "${TAPIX_TEST_PG_SKIP:-0}" = 1 ]; then
    echo "PostgreSQL runs skipped (TAPIX_TEST_PG_SKIP=1)"
else
    pgdir=$(mktemp -d /tmp/tapix-pg.XXXXXX)
    trap 'scripts/pg-test.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$pgdir"' EXIT INT TERM
    if scripts/pg-test.sh start "$pgdir"; then
        TAPIX_TEST_PG=$(scripts/pg-test.sh url "$pgdir")
        TAPIX_TEST_PG_DIR=$pgdir # test_acd_lifecycle[pg] crashes and restarts it
        export TAPIX_TEST_PG TAPIX_TEST_PG_DIR
        for name in $PG_SUITES; do
            t="$B/tests/$name"
            [ -x "$t" ] || continue
            TAPIX_TEST_STORE=pg TAPIX_BUILD="$B" $VG "$t"; count "$name[pg]" $?
        done
    else
        echo "cannot start a PostgreSQL server for the [pg] suites" >&2
        count "postgresql-server" 1
    fi
fi
[ -n "$failed" ] && echo "failed suites:$failed"
echo "suites: $pass passed, $fail failed"
[ $fail -eq 0 ]
