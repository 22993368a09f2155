#!/bin/sh
# Install the Debian packages the build and the tests need, when missing.
# Does nothing (and needs no root) when everything is already there.
set -eu
PKGS="make gcc g++ clang libclang-rt-14-dev pkg-config libcmocka-dev libinih-dev libsqlite3-dev
      libsodium-dev sqlite3 libpq-dev postgresql"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "deps: need root to install:$missing" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
