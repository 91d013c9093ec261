#!/usr/bin/env bash
# Runs the PostgreSQL and MariaDB servers that the source connectors' integration tests read from:
# private data folders, loopback only, own ports, nothing shared with a system-wide server.
#
# Usage: scripts/databases.sh <command> [postgres|mariadb|all]
#   start    install the servers if missing (Debian packages), initialise, start, create the test
#            database and user; prints the connection environment on stdout (as `env` does)
#   stop     stop the servers this script started (found by their pid files)
#   status   say which servers are running
#   env      print `export CORROBORATE_PG_URL=...` and `export CORROBORATE_MYSQL_URL=...` lines
#
# Environment:
#   CORROBORATE_HOME        state root (default: <repo>/.corroborate); data under $CORROBORATE_HOME/databases
#   CORROBORATE_PG_PORT     PostgreSQL port on 127.0.0.1 (default 55432)
#   CORROBORATE_MYSQL_PORT  MariaDB port on 127.0.0.1 (default 53306)
#   CORROBORATE_DB_PASSWORD password of the test user `corroborate` (default: corroborate)
#
# The credentials are for throwaway test servers that listen on the loopback interface only.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"

DB_HOME=${CORROBORATE_HOME:-$REPO_DIR/.corroborate}/databases
PG_PORT=${CORROBORATE_PG_PORT:-55432}
MYSQL_PORT=${CORROBORATE_MYSQL_PORT:-53306}
DB_NAME=corroborate
DB_USER=corroborate
DB_PASSWORD=${CORROBORATE_DB_PASSWORD:-corroborate}
START_TIMEOUT_SECONDS=60

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
}

# The password goes into SQL literals and URLs unescaped, so it is kept to characters that need
# no escaping in either.
[[ "$DB_PASSWORD" =~ ^[A-Za-z0-9._~-]+$ ]] || fatalln "CORROBORATE_DB_PASSWORD may contain only A-Z a-z 0-9 . _ ~ -"
for port in "$PG_PORT" "$MYSQL_PORT"; do
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then
    fatalln "port '$port' must be a number between 1024 and 65535"
  fi
done

is_root() { [ "$(id -u)" -eq 0 ]; }

is_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Debian's maintainer scripts would start the system-wide service right after installing it; a
# policy-rc.d that answers 101 stops that, as container images do, so that the only servers
# running are the ones started here.
install_packages() {
  local policy=/usr/sbin/policy-rc.d added_policy=false
  if is_root && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=true
  fi
  local status=0
  ensure_apt_packages "$@" || status=$?
  if [ "$added_policy" = true ]; then rm -f "$policy"; fi
  return "$status"
}

# Runs a command as the owner of the PostgreSQL data folder: PostgreSQL refuses to run as root.
as_postgres() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_bin_dir() {
  local initdb
  initdb=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
  [ -n "$initdb" ] && dirname "$initdb"
}

# The `postgres` account must be able to reach its data folder; when the repository sits in a
# folder it cannot enter (e.g. under /root), the data goes to a folder in its own home instead.
pg_root() {
  mkdir -p "$DB_HOME"
  if ! is_root || runuser -u postgres -- test -x "$DB_HOME" 2>/dev/null; then
    printf '%s\n' "$DB_HOME/postgres"
  else
    printf '/var/lib/postgresql/corroborate-%s\n' "$(printf '%s' "$DB_HOME" | sha256sum | cut -c1-12)"
  fi
}

pg_ensure_installed() {
  if [ -z "$(pg_bin_dir)" ]; then
    install_packages postgresql
  fi
  [ -n "$(pg_bin_dir)" ] || fatalln "PostgreSQL's initdb not found under /usr/lib/postgresql after installing 'postgresql'"
  if is_root; then
    id postgres >/dev/null 2>&1 || fatalln "the 'postgres' account is missing (it comes with the 'postgresql' package)"
  fi
}

pg_is_running() {
  local bin root
  bin=$(pg_bin_dir) || return 1
  root=$(pg_root)
  [ -f "$root/data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" status -D "$root/data" >/dev/null 2>&1
}

pg_start() {
  pg_ensure_installed
  local bin root data run
  bin=$(pg_bin_dir)
  root=$(pg_root)
  data=$root/data
  run=$root/run
  if pg_is_running; then
    infoln "PostgreSQL already running on 127.0.0.1:$PG_PORT ($data)"
  else
    is_port_open "$PG_PORT" && fatalln "port $PG_PORT is taken by another process (set CORROBORATE_PG_PORT)"
    mkdir -p "$data" "$run"
    if is_root; then chown -R postgres:postgres "$root"; fi
    chmod 700 "$data" "$run"
    if [ ! -f "$data/PG_VERSION" ]; then
      infoln "initialising PostgreSQL in $data"
      # Administration goes through the private socket folder (trust); TCP needs a password.
      as_postgres "$bin/initdb" -D "$data" -U postgres --encoding=UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 >"$root/initdb.log" 2>&1 ||
        fatalln "initdb failed (see $root/initdb.log)"
      printf "include_if_exists = 'corroborate.conf'\n" >>"$data/postgresql.conf"
    fi
    # Rewritten on every start so that a changed port takes effect.
    as_postgres tee "$data/corroborate.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$run'
timezone = 'UTC'
EOF
    infoln "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_postgres "$bin/pg_ctl" start -D "$data" -l "$root/postgres.log" -w -t "$START_TIMEOUT_SECONDS" >/dev/null ||
      fatalln "PostgreSQL did not start (see $root/postgres.log)"
  fi
  as_postgres "$bin/psql" -X -q -h "$run" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<EOF
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN;
  END IF;
END \$\$;
ALTER ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD';
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
EOF
  successln "PostgreSQL ready: database '$DB_NAME' on 127.0.0.1:$PG_PORT"
}

pg_stop() {
  local bin root
  bin=$(pg_bin_dir) || true
  root=$(pg_root)
  if [ -n "$bin" ] && [ -f "$root/data/postmaster.pid" ]; then
    infoln "stopping PostgreSQL ($root/data)"
    as_postgres "$bin/pg_ctl" stop -D "$root/data" -m fast -w -t "$START_TIMEOUT_SECONDS" >/dev/null
    successln "PostgreSQL stopped"
  else
    infoln "PostgreSQL is not running (no pid file in $root/data)"
  fi
}

# ---------------------------------------------------------------------------------------------
# MariaDB

mariadb_root() { printf '%s\n' "$DB_HOME/mariadb"; }

# Unix socket paths are limited to 107 bytes; a deep checkout would exceed that.
mariadb_socket() {
  local socket
  socket="$(mariadb_root)/run/mariadb.sock"
  if [ ${#socket} -gt 100 ]; then
    socket="/tmp/corroborate-mariadb-$(printf '%s' "$DB_HOME" | sha256sum | cut -c1-12).sock"
  fi
  printf '%s\n' "$socket"
}

first_command() {
  local candidate
  for candidate in "$@"; do
    if command -v "$candidate" >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
    if [ -x "/usr/sbin/$candidate" ]; then
      printf '/usr/sbin/%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

mariadb_server_bin() { first_command mariadbd mysqld; }
mariadb_client() { "$(first_command mariadb mysql)" --no-defaults -S "$(mariadb_socket)" -u "$(mariadb_admin_user)" "$@"; }
mariadb_admin_user() { if is_root; then printf 'root\n'; else id -un; fi; }

mariadb_ensure_installed() {
  if ! mariadb_server_bin >/dev/null || ! first_command mariadb-install-db mysql_install_db >/dev/null; then
    install_packages mariadb-server
  fi
  mariadb_server_bin >/dev/null || fatalln "mariadbd not found after installing 'mariadb-server'"
}

# Our server only: the pid in our pid file, alive, and started on our data folder.
mariadb_pid() {
  local pid_file pid
  pid_file="$(mariadb_root)/mariadbd.pid"
  [ -f "$pid_file" ] || return 1
  pid=$(cat "$pid_file")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--datadir=$(mariadb_root)/data" || return 1
  printf '%s\n' "$pid"
}

mariadb_start() {
  mariadb_ensure_installed
  local root data socket server user_option
  root=$(mariadb_root)
  data=$root/data
  socket=$(mariadb_socket)
  server=$(mariadb_server_bin)
  # mariadbd refuses to run as root unless told to; it then keeps root's privileges, which is
  # what owns the data folder here.
  if is_root; then user_option=--user=root; else user_option=--user=$(id -un); fi
  if mariadb_pid >/dev/null; then
    infoln "MariaDB already running on 127.0.0.1:$MYSQL_PORT ($data)"
  else
    is_port_open "$MYSQL_PORT" && fatalln "port $MYSQL_PORT is taken by another process (set CORROBORATE_MYSQL_PORT)"
    mkdir -p "$root/run" "$(dirname "$socket")"
    if [ ! -d "$data/mysql" ]; then
      infoln "initialising MariaDB in $data"
      mkdir -p "$data"
      "$(first_command mariadb-install-db mysql_install_db)" --no-defaults --datadir="$data" "$user_option" \
        --auth-root-authentication-method=socket --auth-root-socket-user="$(mariadb_admin_user)" \
        --skip-test-db >"$root/install-db.log" 2>&1 ||
        fatalln "mariadb-install-db failed (see $root/install-db.log)"
    fi
    infoln "starting MariaDB on 127.0.0.1:$MYSQL_PORT"
    # setsid: the server outlives this script and the terminal or job that ran it.
    setsid "$server" --no-defaults --datadir="$data" "$user_option" \
      --bind-address=127.0.0.1 --port="$MYSQL_PORT" --socket="$socket" \
      --pid-file="$root/mariadbd.pid" --log-error="$root/mariadb.log" \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_bin --default-time-zone=+00:00 \
      --skip-name-resolve </dev/null >/dev/null 2>&1 &
    local waited=0
    until mariadb_client -e 'SELECT 1' >/dev/null 2>&1; do
      [ "$waited" -lt "$START_TIMEOUT_SECONDS" ] || fatalln "MariaDB did not start within ${START_TIMEOUT_SECONDS}s (see $root/mariadb.log)"
      sleep 1
      waited=$((waited + 1))
    done
  fi
  mariadb_client <<EOF
CREATE DATABASE IF NOT EXISTS $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON $DB_NAME.* TO '$DB_USER'@'%';
EOF
  successln "MariaDB ready: database '$DB_NAME' on 127.0.0.1:$MYSQL_PORT"
}

mariadb_stop() {
  local pid waited=0
  if ! pid=$(mariadb_pid); then
    infoln "MariaDB is not running (no live server for pid file $(mariadb_root)/mariadbd.pid)"
    return 0
  fi
  infoln "stopping MariaDB (pid $pid)"
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    [ "$waited" -lt "$START_TIMEOUT_SECONDS" ] || fatalln "MariaDB (pid $pid) did not stop within ${START_TIMEOUT_SECONDS}s"
    sleep 1
    waited=$((waited + 1))
  done
  successln "MariaDB stopped"
}

# ---------------------------------------------------------------------------------------------

print_env() {
  local which=$1
  if [ "$which" != mariadb ]; then
    printf "export CORROBORATE_PG_URL='postgres://%s:%s@127.0.0.1:%s/%s'\n" "$DB_USER" "$DB_PASSWORD" "$PG_PORT" "$DB_NAME"
  fi
  if [ "$which" != postgres ]; then
    printf "export CORROBORATE_MYSQL_URL='mysql://%s:%s@127.0.0.1:%s/%s'\n" "$DB_USER" "$DB_PASSWORD" "$MYSQL_PORT" "$DB_NAME"
  fi
}

print_status() {
  local which=$1 stopped=0
  if [ "$which" != mariadb ]; then
    if pg_is_running; then
      printf 'postgres: running on 127.0.0.1:%s (%s)\n' "$PG_PORT" "$(pg_root)/data"
    else
      printf 'postgres: stopped\n'
      stopped=1
    fi
  fi
  if [ "$which" != postgres ]; then
    if pid=$(mariadb_pid); then
      printf 'mariadb: running on 127.0.0.1:%s (pid %s, %s)\n' "$MYSQL_PORT" "$pid" "$(mariadb_root)/data"
    else
      printf 'mariadb: stopped\n'
      stopped=1
    fi
  fi
  return "$stopped"
}

main() {
  local command=${1:-} which=${2:-all}
  case "$which" in
    postgres | mariadb | all) ;;
    *) fatalln "unknown server '$which' (postgres, mariadb or all)" ;;
  esac
  case "$command" in
    start)
      if [ "$which" != mariadb ]; then pg_start; fi
      if [ "$which" != postgres ]; then mariadb_start; fi
      print_env "$which"
      ;;
    stop)
      if [ "$which" != mariadb ]; then pg_stop; fi
      if [ "$which" != postgres ]; then mariadb_stop; fi
      ;;
    status) print_status "$which" ;;
    env) print_env "$which" ;;
    -h | --help | help)
      usage
      ;;
    *)
      usage
      exit 2
      ;;
  esac
}

main "$@"
