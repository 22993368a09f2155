#!/bin/sh
# make install into a scratch DESTDIR, then build a TAPI program the way a
# user would: header and flags from pkg-config, linked against the installed
# libtapi32.so.1 through its soname.  Run by scripts/run-tests.sh.
set -eu
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
PREFIX=/opt/tapix
make -s -C "$ROOT" --no-print-directory install DESTDIR="$D" PREFIX=$PREFIX >/dev/null
fail() { echo "test_install: $*"; exit 1; }
[ -f "$D$PREFIX/include/tapi.h" ] || fail "tapi.h not installed"
[ -f "$D$PREFIX/include/tapix.h" ] || fail "tapix.h not installed"
[ -f "$D$PREFIX/share/man/man3/tapixCork.3" ] || fail "tapixCork.3 not installed"
[ -f "$D$PREFIX/share/man/man3/tapixGetSocket.3" ] || fail "tapixGetSocket.3 not installed"
[ -f "$D$PREFIX/lib/libtapi32.so.1.0.0" ] || fail "libtapi32.so.1.0.0 not installed"
[ "$(readlink "$D$PREFIX/lib/libtapi32.so.1")" = libtapi32.so.1.0.0 ] || fail "soname link"
[ "$(readlink "$D$PREFIX/lib/libtapi32.so")" = libtapi32.so.1 ] || fail "dev link"
[ -x "$D$PREFIX/bin/tapisrv" ] || fail "tapisrv not installed"
soname=$(readelf -d "$D$PREFIX/lib/libtapi32.so.1.0.0" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libtapi32.so.1 ] || fail "soname is '$soname'"
PC="$D$PREFIX/lib/pkgconfig"
[ "$(PKG_CONFIG_PATH=$PC pkg-config --modversion tapi32)" = 1.0.0 ] || fail "pkg-config version"
cflags=$(PKG_CONFIG_PATH=$PC pkg-config --define-prefix --cflags tapi32 2>/dev/null ||
         PKG_CONFIG_PATH=$PC pkg-config --cflags tapi32)
libs=$(PKG_CONFIG_PATH=$PC pkg-config --define-prefix --libs tapi32 2>/dev/null ||
       PKG_CONFIG_PATH=$PC pkg-config --libs tapi32)
# The prefix in the .pc file is the final one; point it into DESTDIR here.
cflags=$(echo "$cflags" | sed "s|-I$PREFIX|-I$D$PREFIX|")
libs=$(echo "$libs" | sed "s|-L$PREFIX|-L$D$PREFIX|")
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $cflags "$ROOT/tests/compile/api_usage.c" -o "$D/usage" $libs \
    -Wl,-rpath,"$D$PREFIX/lib" || fail "a program does not build against the installed files"
ldd "$D/usage" | grep -q "libtapi32.so.1 => $D$PREFIX/lib/libtapi32.so.1" || fail "not linked by soname"
# Only the API (line*, and tapix's extensions of tapix.h) leaves the library.
extra=$(nm -D --defined-only "$D$PREFIX/lib/libtapi32.so.1.0.0" | awk '{print $3}' |
        grep -v '^line' | grep -v '^tapixCork@@TAPI32_1$' | grep -v '^tapixGetSocket@@TAPI32_1$' | grep -v '^TAPI32_1$' || true)
[ -z "$extra" ] || fail "exports non-API symbols: $extra"
# Without a server the program gets LINEERR_OPERATIONFAILED and exits 1, not a crash.
set +e
TAPI_SERVER="$D/none.sock" "$D/usage"
rc=$?
set -e
[ $rc -eq 1 ] || fail "usage program exited $rc without a server (want 1)"
echo "test_install: 1 passed, 0 failed"
