#!/usr/bin/env bash
# A member's own PostgreSQL on its own host, for the multi-host test: it runs inside the org's
# network namespace, listens only on that host's address, and accepts only TLS connections
# (hostssl), with a server certificate from the org's CA.
#
# Usage: test/multihost/database.sh start DIR NETNS ADDRESS PORT CERT KEY
#          initialises (once) and starts the server; prints the password of user `corroborate`
#        test/multihost/database.sh stop DIR [--purge]
#          stops the server started for DIR, if it runs; --purge also deletes its data
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$REPO_DIR/scripts/lib.sh"

pg_bin_dir() {
  local initdb
  initdb=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$initdb" ]; then
    install_postgres
    initdb=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
  fi
  [ -n "$initdb" ] || fatalln "PostgreSQL's initdb not found under /usr/lib/postgresql"
  dirname "$initdb"
}

# As scripts/databases.sh installs it: a policy-rc.d that answers 101 keeps Debian from starting
# a system-wide server, so that the only servers running are the ones started here.
install_postgres() {
  local policy=/usr/sbin/policy-rc.d added_policy=false status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=true
  fi
  ensure_apt_packages postgresql || status=$?
  if $added_policy; then rm -f "$policy"; fi
  return "$status"
}

as_postgres() { runuser -u postgres -- "$@"; }

# PostgreSQL refuses to run as root; its folder must be one the postgres account can enter.
pg_root() {
  local dir=$1
  mkdir -p "$dir"
  if as_postgres test -x "$dir" 2>/dev/null; then
    printf '%s/postgres\n' "$dir"
  else
    printf '/var/lib/postgresql/corroborate-multihost-%s\n' "$(printf '%s' "$dir" | sha256sum | cut -c1-12)"
  fi
}

start() {
  local dir=$1 netns=$2 address=$3 port=$4 cert=$5 key=$6 bin root password
  bin=$(pg_bin_dir)
  root=$(pg_root "$dir")
  printf '%s\n' "$root" >"$dir/postgres-root"
  if [ ! -f "$dir/postgres-password" ]; then
    head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$dir/postgres-password"
    chmod 600 "$dir/postgres-password"
  fi
  password=$(cat "$dir/postgres-password")
  mkdir -p "$root/data" "$root/run" "$root/tls"
  cp "$cert" "$root/tls/server.crt"
  cp "$key" "$root/tls/server.key"
  chown -R postgres:postgres "$root"
  chmod 700 "$root/data" "$root/run"
  chmod 600 "$root/tls/server.key"
  if [ ! -f "$root/data/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$root/data" -U postgres --encoding=UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$root/initdb.log" 2>&1 ||
      fatalln "initdb failed (see $root/initdb.log)"
    # TCP only with TLS, from the bridge's subnet; the socket (administration) stays local.
    printf 'local all postgres trust\nhostssl all all %s.0/24 scram-sha-256\n' "${address%.*}" |
      as_postgres tee "$root/data/pg_hba.conf" >/dev/null
  fi
  if ! as_postgres "$bin/pg_ctl" status -D "$root/data" >/dev/null 2>&1; then
    ip netns exec "$netns" runuser -u postgres -- "$bin/pg_ctl" start -D "$root/data" -l "$root/postgres.log" -w -t 60 \
      -o "-c listen_addresses=$address -p $port -c unix_socket_directories=$root/run -c ssl=on -c ssl_cert_file=$root/tls/server.crt -c ssl_key_file=$root/tls/server.key" \
      >/dev/null || fatalln "PostgreSQL did not start on $address:$port (see $root/postgres.log)"
  fi
  as_postgres "$bin/psql" -X -q -h "$root/run" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<EOF
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'corroborate') THEN
    CREATE ROLE corroborate LOGIN;
  END IF;
END \$\$;
ALTER ROLE corroborate PASSWORD '$password';
SELECT 'CREATE DATABASE corroborate OWNER corroborate'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'corroborate') \gexec
EOF
  printf '%s\n' "$password"
}

stop() {
  local dir=$1 purge=${2:-} bin root
  [ -f "$dir/postgres-root" ] || return 0
  bin=$(pg_bin_dir)
  root=$(cat "$dir/postgres-root")
  if as_postgres "$bin/pg_ctl" status -D "$root/data" >/dev/null 2>&1; then
    as_postgres "$bin/pg_ctl" stop -D "$root/data" -m fast -w -t 60 >/dev/null
  fi
  if [ "$purge" = --purge ]; then
    rm -rf "$root" "$dir/postgres-root" "$dir/postgres-password"
  fi
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command:$#" in
  start:6) start "$@" ;;
  stop:1 | stop:2) stop "$@" ;;
  *) fatalln "usage: database.sh start DIR NETNS ADDRESS PORT CERT KEY | database.sh stop DIR [--purge]" ;;
esac
