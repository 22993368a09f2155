#!/bin/sh
# make run: start tapisrv in the foreground with the default lines (or
# etc/tapisrv.conf's, when TAPISRV_CONFIG names a file) on a socket under
# var/, and say how to connect.  Ctrl-C stops it.
set -eu
B=${1:-build}
mkdir -p var
SOCK="$(pwd)/var/tapisrv.sock"
CONF=""
[ -n "${TAPISRV_CONFIG:-}" ] && CONF="--config $TAPISRV_CONFIG"
cat <<MSG
tapisrv is starting on $SOCK
Connect a TAPI program to it from another shell:
    export TAPI_SERVER=$SOCK
Build your own program with:
    cc -Iinclude prog.c -L$B -ltapi32 -Wl,-rpath,$(pwd)/$B
Stop with Ctrl-C.
MSG
# shellcheck disable=SC2086
exec "$B/tapisrv" --socket "$SOCK" $CONF
