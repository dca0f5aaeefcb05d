#!/usr/bin/env bash
# with-postgres.sh CMD [ARGS...]
#
# Starts a throwaway PostgreSQL in a temp dir on a free loopback port,
# exports IMAGESHARE_TEST_POSTGRES_DSN for it, runs CMD, and stops and
# removes the server when CMD ends, whatever its outcome. CMD's exit status
# is the script's.
#
#   scripts/with-postgres.sh go test ./postgres/
#   IMAGESHARE_TEST_DB=postgres scripts/with-postgres.sh go test ./e2e/
#
# The server binaries are taken from /usr/lib/postgresql/<newest>/bin, or
# from PATH; when neither has them and we are root, the postgresql package
# is installed with apt-get. initdb and pg_ctl refuse to run as root, so as
# root they run as the postgres user (runuser) in a dir that user owns.
# Auth is trust over TCP 127.0.0.1 only: the server is for tests.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
    return
  fi
  if command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
  fi
}

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "with-postgres: no PostgreSQL server binaries found (install the postgresql package)" >&2
    exit 1
  fi
  echo "with-postgres: installing postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bindir=$(find_bindir)
  if [ -z "$bindir" ]; then
    echo "with-postgres: postgresql installed but pg_ctl not found" >&2
    exit 1
  fi
fi

# A free port: start from a per-process offset and skip ports that answer.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$((54329 + $$ % 1000))
while port_in_use "$port"; do
  port=$((port + 1))
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/imageshare-pg.XXXXXX")
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$tmp"
  as_owner=(runuser -u postgres --)
fi

started=""
stop_postgres() {
  if [ -n "$started" ]; then
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap stop_postgres EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_owner[@]}" "$bindir/initdb" -D "$tmp/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$tmp/initdb.log" 2>&1 ||
  "${as_owner[@]}" "$bindir/initdb" -D "$tmp/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1 || {
  cat "$tmp/initdb.log" >&2
  exit 1
}
# fsync off: the data is thrown away; max_connections covers parallel test
# packages each holding a small pool.
started=yes
if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null; then
  echo "with-postgres: server did not start:" >&2
  cat "$tmp/server.log" >&2 || true
  exit 1
fi

export IMAGESHARE_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
