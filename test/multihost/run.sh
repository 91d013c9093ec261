#!/usr/bin/env bash
# `npm run test:multihost`: the consortium across hosts. Brings up the multi-host topology (the
# ordering service and each org in its own network namespace, identities from one Fabric CA per
# org), runs each org's gateway (HTTPS) and worker on its org's host, and tests requests across
# hosts, a cut link, an org added to the live channel and a stopped peer. Each org's database is
# a PostgreSQL on its host that accepts only TLS (test/multihost/database.sh). Removes the
# network, its namespaces and its bridge afterwards.
#
# Needs root and network namespaces; where the machine allows neither it says so and exits 0
# without running anything.
#
# Environment:
#   CORROBORATE_MULTIHOST_HOME       state (default <repo>/.corroborate/multihost)
#   CORROBORATE_MULTIHOST_PORT_BASE  first port (default 37000); the hosts' ports never collide
#                                    with loopback networks, but the names made here carry it
#   CORROBORATE_SUBNET               the hosts' 10.x.y.0/24 (default 10.231.0)
#   CORROBORATE_KEEP_NETWORK=1       leave the network running afterwards
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$REPO_DIR/scripts/lib.sh"
cd "$REPO_DIR"

not_possible() {
  warnln "test:multihost did NOT run: $1"
  warnln "the multi-host topology needs root and Linux network namespaces (ip netns)"
  exit 0
}
[ "$(id -u)" -eq 0 ] || not_possible "it is not running as root"
command -v ip >/dev/null 2>&1 || not_possible "the 'ip' command (iproute2) is missing"
probe="cbprobe$$"
ip netns add "$probe" 2>/dev/null || not_possible "this machine refuses to create a network namespace"
ip netns del "$probe"

export CORROBORATE_HOME=${CORROBORATE_MULTIHOST_HOME:-$REPO_DIR/.corroborate/multihost}
export CORROBORATE_PORT_BASE=${CORROBORATE_MULTIHOST_PORT_BASE:-37000}
unset ORGS ORDERERS
started=$SECONDS

# The members' databases first: their servers live in the hosts' namespaces, which stay alive
# (unnamed) as long as something runs in them.
stop_everything() {
  local member
  for member in "$CORROBORATE_HOME"/members/*/; do
    [ -d "$member" ] || continue
    bash test/multihost/database.sh stop "${member%/}" --purge || warnln "stopping the database of $member failed"
  done
  bash network/network.sh down --purge >/dev/null 2>&1 || warnln "removing the multi-host network failed"
}

cleanup() {
  local status=$?
  if [ "${CORROBORATE_KEEP_NETWORK:-0}" != 1 ]; then
    stop_everything
  fi
  infoln "test:multihost took $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT

infoln "compiling"
npx --no-install tsc -b chaincode/protocol chaincode gateway gateway/dev
# A network left by an interrupted run is removed first: the test adds an org, so it must start
# from the original three.
stop_everything
rm -rf "$CORROBORATE_HOME/members" "$CORROBORATE_HOME/add-org.log"
infoln "starting the multi-host network (3 orgs, each on its own host, identities from Fabric CA)"
bash network/network.sh up --multihost --orgs 3
npx mocha --config test/multihost/.mocharc.json --reporter "$REPO_DIR/test/reporter.js"
