#!/usr/bin/env bash
# The PostgreSQL contract tests start their own server from initdb/pg_ctl on a free socket.
# This makes sure the server binaries exist, installing Debian's postgresql package when we can.
set -euo pipefail
find_bin() {
  command -v pg_ctl >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && return 0
  return 1
}
if find_bin; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing PostgreSQL server binaries (Debian package postgresql)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  exit 0
fi
echo "PostgreSQL server binaries not found; PostgreSQL tests will be skipped (install 'postgresql')." >&2
