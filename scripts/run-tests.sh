#!/bin/sh
# Run every test program in $1/tests and print cmocka's summaries, then one
# closing line "N passed, N failed" counting the suites.  Exit 1 if any failed.
set -u
B=${1:-build}
# tapisrv logs at info by default; tests want only its warnings and errors.
export TAPIX_SRV_LOG_LEVEL=${TAPIX_SRV_LOG_LEVEL:-warn}
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
for t in "$B"/tests/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    # shellcheck disable=SC2086
    TAPIX_BUILD="$B" $VG "$t"; rc=$?
    if [ $rc -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
# Shell suites: the install check.
for t in tests/install/test_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    if sh "$t" "$B"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
[ -n "$failed" ] && echo "failed suites:$failed"
echo "suites: $pass passed, $fail failed"
[ $fail -eq 0 ]
