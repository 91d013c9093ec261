#!/usr/bin/env bash
# `npm run test:faults`: the fault suite (test/faults). Brings up a network of its own with three
# Raft orderers and three organisations, and PostgreSQL and MariaDB of its own, runs each fault
# scenario during a stream of requests, and removes it all afterwards. Installs what it needs
# (libfaketime from Debian for the shifted clock) on first use.
#
# Environment:
#   CORROBORATE_FAULTS_HOME       state (default <repo>/.corroborate/faults)
#   CORROBORATE_FAULTS_PORT_BASE  first port (default 41000); databases at +442 and +316
#   CORROBORATE_KEEP_NETWORK=1    leave the network and databases running afterwards
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$REPO_DIR/scripts/lib.sh"
cd "$REPO_DIR"

bash scripts/setup.sh
ensure_apt_packages libfaketime
CORROBORATE_FAKETIME_LIB=$(dpkg -L libfaketime | grep '/libfaketime\.so\.1$' | head -n 1)
[ -n "$CORROBORATE_FAKETIME_LIB" ] || fatalln "libfaketime is installed but its library was not found"
export CORROBORATE_FAKETIME_LIB

export CORROBORATE_HOME=${CORROBORATE_FAULTS_HOME:-$REPO_DIR/.corroborate/faults}
export CORROBORATE_PORT_BASE=${CORROBORATE_FAULTS_PORT_BASE:-41000}
export CORROBORATE_PG_PORT=$((CORROBORATE_PORT_BASE + 442))
export CORROBORATE_MYSQL_PORT=$((CORROBORATE_PORT_BASE + 316))
export ORDERERS=3
unset ORGS
started=$SECONDS

cleanup() {
  local status=$?
  if [ "${CORROBORATE_KEEP_NETWORK:-0}" != 1 ]; then
    bash network/network.sh down --purge >/dev/null 2>&1 || warnln "removing the fault network failed"
    bash scripts/databases.sh stop >/dev/null 2>&1 || warnln "stopping the fault suite's databases failed"
  fi
  infoln "test:faults took $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT

infoln "starting PostgreSQL and MariaDB for the fault suite"
db_env=$(bash scripts/databases.sh start) || fatalln "the databases did not start"
eval "$db_env"
# A fresh network each run: every scenario starts from three healthy orderers.
bash network/network.sh down --purge >/dev/null 2>&1 || true
infoln "starting the fault network (3 Raft orderers, 3 orgs)"
bash network/network.sh up --orderers 3
npx mocha --config test/faults/.mocharc.json --reporter "$REPO_DIR/test/reporter.js" "$@"
