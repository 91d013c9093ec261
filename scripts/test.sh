#!/usr/bin/env bash
# `npm test`: the whole suite. Lint (TypeScript, formatting, shell), the unit tests, then the
# integration and end-to-end tests against a real Fabric network (orderer and peers as processes,
# the contract as a chaincode service) and real PostgreSQL and MariaDB servers, which it installs
# and starts. Prints one total at the end; exits non-zero if anything failed.
#
# Environment:
#   CORROBORATE_TEST_HOME       state of the test network and databases (default <repo>/.corroborate/test)
#   CORROBORATE_TEST_PORT_BASE  first port of the test network (default 27000), apart from `npm start`'s
#   CORROBORATE_KEEP_NETWORK=1  leave the test network and databases running afterwards
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
cd "$REPO_DIR"

bash scripts/setup.sh

export CORROBORATE_HOME=${CORROBORATE_TEST_HOME:-$REPO_DIR/.corroborate/test}
export CORROBORATE_PORT_BASE=${CORROBORATE_TEST_PORT_BASE:-27000}
export CORROBORATE_PG_PORT=${CORROBORATE_PG_PORT:-55442}
export CORROBORATE_MYSQL_PORT=${CORROBORATE_MYSQL_PORT:-53316}
CORROBORATE_TEST_STATS=$(mktemp)
export CORROBORATE_TEST_STATS
failures=()

run_step() {
  local name=$1
  shift
  infoln "$name"
  if ! "$@"; then
    failures+=("$name")
  fi
}

run_suite() {
  local name=$1 config=$2
  run_step "$name" npx mocha --config "$config" --reporter "$REPO_DIR/test/reporter.js"
}

# The contract's refusals are expected in the unit tests; fabric-contract-api would log each one.
export CORE_CHAINCODE_LOGGING_LEVEL=CRITICAL

cleanup() {
  if [ "${CORROBORATE_KEEP_NETWORK:-0}" != 1 ]; then
    bash network/network.sh down >/dev/null 2>&1 || warnln "stopping the test network failed"
    bash scripts/databases.sh stop >/dev/null 2>&1 || warnln "stopping the test databases failed"
  fi
  rm -f "$CORROBORATE_TEST_STATS"
}
trap cleanup EXIT

run_step "lint: TypeScript and formatting" npm run --silent lint
ensure_apt_packages shellcheck
run_step "lint: shell scripts" npm run --silent lint:shell

run_suite "unit tests" test/.mocharc.unit.json

infoln "starting PostgreSQL and MariaDB (installed from Debian packages on first use)"
db_env=$(bash scripts/databases.sh start) || fatalln "the test databases did not start"
eval "$db_env"
infoln "starting the test network (the first run builds Fabric)"
bash network/network.sh up || fatalln "the test network did not come up; see $CORROBORATE_HOME/network/logs"

run_suite "integration tests: the contract on the network" test/.mocharc.integration.json
run_suite "integration tests: source connectors on real databases" test/.mocharc.sources.json
run_suite "end-to-end tests: gateways, workers and sources on the network" test/.mocharc.e2e.json
# `ORGS=4 npm start -- --without-worker org3 --without-worker org4` on a network of its own.
run_suite "npm start with four organisations, two workers stopped" test/.mocharc.start.json
# The dashboard in Debian's Chromium (Playwright's own browser builds are not downloaded).
ensure_apt_packages chromium fonts-dejavu-core
run_suite "browser tests: the dashboard in Chromium on the network" test/.mocharc.browser.json
# Schemathesis (installed on first use into .corroborate/venv) against one member's gateway.
run_suite "conformance: the gateway against its OpenAPI document" test/.mocharc.conformance.json
# Each organisation and the ordering service on a host of its own (network namespaces, Fabric CA
# identities, TLS); it says plainly, and passes, where the machine allows no namespaces.
run_step "multi-host tests: a consortium across hosts" bash test/multihost/run.sh

read -r passed failed pending < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$CORROBORATE_TEST_STATS")
echo
if [ ${#failures[@]} -gt 0 ]; then
  printf 'failed steps:\n' >&2
  printf '  - %s\n' "${failures[@]}" >&2
fi
# In mocha's words, as each suite above reports itself.
echo "Total: $passed passing, $failed failing, $pending pending"
[ ${#failures[@]} -eq 0 ]
