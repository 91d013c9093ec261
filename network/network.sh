#!/usr/bin/env bash
# Corroborate's development network: Fabric orderers, one peer per org and the contract as a
# chaincode service, all as local processes (no Docker). State lives in
# ${CORROBORATE_HOME:-<repo>/.corroborate}/network; run `network.sh help` for the commands.
set -euo pipefail

NETWORK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$NETWORK_DIR")
# shellcheck source=scripts/lib.sh
. "$REPO_DIR/scripts/lib.sh"
# shellcheck source=network/scripts/env.sh
. "$NETWORK_DIR/scripts/env.sh"
# shellcheck source=network/scripts/processes.sh
. "$NETWORK_DIR/scripts/processes.sh"
# shellcheck source=network/scripts/hosts.sh
. "$NETWORK_DIR/scripts/hosts.sh"
# shellcheck source=network/scripts/ca.sh
. "$NETWORK_DIR/scripts/ca.sh"
# shellcheck source=network/scripts/artifacts.sh
. "$NETWORK_DIR/scripts/artifacts.sh"
# shellcheck source=network/scripts/nodes.sh
. "$NETWORK_DIR/scripts/nodes.sh"
# shellcheck source=network/scripts/channel.sh
. "$NETWORK_DIR/scripts/channel.sh"
# shellcheck source=network/scripts/chaincode.sh
. "$NETWORK_DIR/scripts/chaincode.sh"
# shellcheck source=network/scripts/profiles.sh
. "$NETWORK_DIR/scripts/profiles.sh"
# shellcheck source=network/scripts/addorg.sh
. "$NETWORK_DIR/scripts/addorg.sh"

print_help() {
  cat <<EOF
Usage: network.sh <command> [options]

Commands:
  up [--orgs N] [--orderers N] [--port-base N] [--multihost]
      Create the network if needed, start whatever is not running, deploy the contract (a
      changed contract becomes the next sequence), write the connection profiles. Safe to
      re-run after a crash or a reboot: the ledgers are kept. --multihost (for a new network)
      puts the ordering service and each org on a host of its own (a network namespace with
      its own address on a bridge, root only) with identities from one Fabric CA per org.
  down [--purge|--clean]
      Stop the processes this network started (and remove its hosts, on the multi-host
      topology). --purge (or --clean) also deletes its state.
  deploy-baseline
      Deploy the benchmark's yardstick, a chaincode of its own named baseline (one blind write,
      Put), with its own package, label, definition and chaincode server per org. npm run bench
      runs it; the contract deployed by 'up' never contains it.
  add-org
      Multi-host topology: create the next org (its host, its CA, its identities), add it to
      the channel (a configuration update signed by a majority of the orgs' admins), start and
      join its peer and chaincode server, and approve the contract for it. The contract's
      participant set is then changed through the contract's own governance (see
      docs/consortium-deployment.md). The network keeps serving meanwhile.
  link HOST up|down
      Multi-host topology: restore or cut the link of HOST (orderer, org1, org2, ...), as a
      pulled cable would.
  stop NODE
      Stop one node (e.g. peer0.org2, chaincode.org2, orderer1, ca.org2); 'up' restarts it.
  status
      List every process with its health; exits 0 only if all are healthy.
  env ORG [--admin]
      Print shell exports for using the peer CLI as ORG's user (or admin), e.g.
      eval "\$(bash network/network.sh env org2)"
  help
      Show this text.

Environment:
  ORGS                    number of orgs, Org1MSP..OrgNMSP (default $DEFAULT_ORGS; 1-9)
  ORDERERS                number of Raft orderers (default $DEFAULT_ORDERERS; 1, 3 or 5)
  CORROBORATE_PORT_BASE   first port of the network (default $DEFAULT_PORT_BASE); see the port table
  CORROBORATE_TOPOLOGY    loopback (default) or multihost, as --multihost
  CORROBORATE_SUBNET      the multi-host topology's 10.x.y (default $DEFAULT_SUBNET): bridge .1,
                          ordering service .10, org i .10+i
  CORROBORATE_HOME        state root (default <repo>/.corroborate); the network is in its network/
  CORROBORATE_CHAINCODE_DIR  run an already built contract from this folder instead of chaincode/
  CORROBORATE_BATCH_TIMEOUT, CORROBORATE_MAX_MESSAGE_COUNT
                          block cutting of a new network (default 100ms, 100)
  CORROBORATE_LOG_SPEC    Fabric log spec of the nodes (default info)
  CORROBORATE_PPROF       1: the orderers and peers started by this 'up' serve Go's pprof
                          (see the port table); off by default (npm run bench -- --profile)
  FABRIC_BIN_DIR, FABRIC_CFG_DIR  use existing Fabric binaries and sample config
                          instead of building them (see scripts/install-fabric.sh)

Ports (B = CORROBORATE_PORT_BASE):
  orderer k   B+10(k-1)       client and Raft; +1 admin (osnadmin); +2 operations (/healthz)
  org i       B+100+10(i-1)   peer and gossip; +1 chaincode callbacks; +2 operations (/healthz);
                              +3 that org's chaincode server
  pprof (CORROBORATE_PPROF=1) orderer k B+10(k-1)+3; org i's peer B+190+i
  multi-host only:            orderer CA B+90; org i's CA +4, gateway +6, worker +7, database +8
EOF
}

main() {
  local command=${1:-help}
  [ $# -gt 0 ] && shift
  case "$command" in
    up) cmd_up "$@" ;;
    deploy-baseline) cmd_deploy_baseline "$@" ;;
    down) cmd_down "$@" ;;
    add-org) cmd_add_org "$@" ;;
    link) cmd_link "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    help | -h | --help) print_help ;;
    *)
      print_help >&2
      fatalln "unknown command '$command'"
      ;;
  esac
}

# One network.sh at a time per state folder: two concurrent `up`s would race on every step.
lock_state() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  if ! flock -n 9; then
    infoln "waiting for another network.sh working on $STATE_DIR"
    flock -w 300 9 || fatalln "another network.sh has held $STATE_DIR/.lock for 5 minutes (see: fuser $STATE_DIR/.lock)"
  fi
}

require_fabric() {
  FABRIC_BIN=$(bash "$REPO_DIR/scripts/install-fabric.sh") || fatalln "Fabric binaries are not available (see above)"
  if [ -n "${FABRIC_BIN_DIR:-}" ]; then
    FABRIC_SAMPLE_CONFIG_DIR=${FABRIC_CFG_DIR:-$(dirname "$FABRIC_BIN")/config}
  else
    FABRIC_SAMPLE_CONFIG_DIR=$(dirname "$FABRIC_BIN")/config
  fi
  if [ ! -f "$FABRIC_SAMPLE_CONFIG_DIR/core.yaml" ] || [ ! -f "$FABRIC_SAMPLE_CONFIG_DIR/orderer.yaml" ]; then
    fatalln "no core.yaml and orderer.yaml in $FABRIC_SAMPLE_CONFIG_DIR (set FABRIC_CFG_DIR to Fabric's sample config folder)"
  fi
}

has_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || return 1
  done
}

require_tools() {
  local tool missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] || fatalln "missing required commands: ${missing[*]}"
}

cmd_up() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --orgs) ORGS=${2:?--orgs needs a number} && shift ;;
      --orderers) ORDERERS=${2:?--orderers needs a number} && shift ;;
      --port-base) CORROBORATE_PORT_BASE=${2:?--port-base needs a number} && shift ;;
      --multihost) CORROBORATE_TOPOLOGY=multihost ;;
      -h | --help) print_help && return 0 ;;
      *) fatalln "unknown option for up: '$1'" ;;
    esac
    shift
  done
  local started_at=$SECONDS
  # On a fresh clone, install what the network needs (tools, npm dependencies) as npm start does.
  if [ ! -x "$REPO_DIR/node_modules/.bin/tsc" ] || ! has_tools jq curl flock setsid; then
    infoln "installing what the network needs first (scripts/setup.sh)"
    bash "$REPO_DIR/scripts/setup.sh" || fatalln "scripts/setup.sh failed; see above"
  fi
  require_tools jq curl tar gzip node npx flock setsid sha256sum
  lock_state
  resolve_settings
  require_fabric
  [ -f "$SETTINGS_FILE" ] || save_settings
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  if is_multihost; then
    require_multihost_tools
    ensure_hosts
  fi
  ensure_artifacts
  start_missing_nodes
  join_orderers
  join_peers
  deploy_chaincode
  write_profiles
  if is_multihost; then
    successln "network up in $((SECONDS - started_at)) s: $ORGS org(s) and $ORDERERS orderer(s) on hosts $SUBNET.10-$((10 + ORGS)), channel '$CHANNEL_NAME', chaincode $CHAINCODE_LABEL"
  else
    successln "network up in $((SECONDS - started_at)) s: $ORGS org(s), $ORDERERS orderer(s), channel '$CHANNEL_NAME', chaincode $CHAINCODE_LABEL"
  fi
  infoln "profiles in $PROFILE_DIR; logs in $LOG_DIR"
}

cmd_deploy_baseline() {
  [ $# -eq 0 ] || fatalln "deploy-baseline takes no options"
  [ -f "$SETTINGS_FILE" ] || fatalln "no network in $STATE_DIR (run: network.sh up)"
  require_tools jq curl tar gzip node npx flock setsid sha256sum
  lock_state
  ORGS='' ORDERERS='' CORROBORATE_PORT_BASE='' CORROBORATE_TOPOLOGY='' CORROBORATE_SUBNET=''
  resolve_settings
  require_fabric
  deploy_baseline
}

cmd_down() {
  local purge=false
  while [ $# -gt 0 ]; do
    case "$1" in
      --purge | --clean) purge=true ;;
      -h | --help) print_help && return 0 ;;
      *) fatalln "unknown option for down: '$1'" ;;
    esac
    shift
  done
  if [ ! -d "$STATE_DIR" ]; then
    infoln "no network in $STATE_DIR"
    return 0
  fi
  lock_state
  # Every process this network ever started left a .cmd file; stop clients of the peers first.
  local cmd_file name prefix
  for prefix in chaincode. baseline. peer orderer ''; do
    for cmd_file in "$RUN_DIR/$prefix"*.cmd; do
      [ -f "$cmd_file" ] || continue
      name=$(basename "$cmd_file" .cmd)
      stop_process "$name"
    done
  done
  if [ "$(read_setting TOPOLOGY 2>/dev/null)" = multihost ]; then
    ORGS='' ORDERERS='' CORROBORATE_PORT_BASE='' CORROBORATE_TOPOLOGY='' CORROBORATE_SUBNET=''
    resolve_settings
    remove_hosts
  fi
  if $purge; then
    rm -rf "$STATE_DIR"
    successln "network stopped and its state $STATE_DIR deleted"
  else
    successln "network stopped; its state is kept in $STATE_DIR ('up' resumes it, 'down --purge' deletes it)"
  fi
}

cmd_status() {
  if [ ! -f "$SETTINGS_FILE" ]; then
    infoln "no network in $STATE_DIR (run: npm run network:up)"
    return 1
  fi
  ORGS='' ORDERERS='' CORROBORATE_PORT_BASE='' CORROBORATE_TOPOLOGY='' CORROBORATE_SUBNET=''
  resolve_settings
  FABRIC_BIN=$(bash "$REPO_DIR/scripts/install-fabric.sh" --check 2>/dev/null) || FABRIC_BIN=''
  [ -n "$FABRIC_BIN" ] || warnln "Fabric's binaries are not built, so channel and chaincode checks are skipped"
  local healthy=true k i name pid health
  printf '%-18s %-8s %-17s %s\n' NAME PID ENDPOINT HEALTH
  for ((k = 1; k <= ORDERERS; k++)); do
    name=$(orderer_node_name "$k")
    pid=$(running_pid "$name") || pid=-
    health=$(orderer_health "$k" "$pid") || healthy=false
    printf '%-18s %-8s %-17s %s\n' "$name" "$pid" "$(orderer_address "$k"):$(orderer_port "$k")" "$health"
  done
  for ((i = 1; i <= ORGS; i++)); do
    name=$(peer_node_name "$i")
    pid=$(running_pid "$name") || pid=-
    health=$(peer_health "$i" "$pid") || healthy=false
    printf '%-18s %-8s %-17s %s\n' "$name" "$pid" "$(org_address "$i"):$(peer_port "$i")" "$health"
  done
  for ((i = 1; i <= ORGS; i++)); do
    name=$(chaincode_node_name "$i")
    pid=$(running_pid "$name") || pid=-
    health=$(chaincode_health "$i" "$pid") || healthy=false
    printf '%-18s %-8s %-17s %s\n' "$name" "$pid" "$(org_address "$i"):$(chaincode_server_port "$i")" "$health"
  done
  # The benchmark's baseline servers, if deploy-baseline ever started them: shown, not required.
  for ((i = 1; i <= ORGS; i++)); do
    name=$(baseline_node_name "$i")
    [ -f "$RUN_DIR/$name.cmd" ] || continue
    pid=$(running_pid "$name") || pid=-
    health=RUNNING
    [ "$pid" = - ] && health="STOPPED (npm run bench deploys it again)"
    printf '%-18s %-8s %-17s %s\n' "$name" "$pid" "$(org_address "$i"):$(baseline_server_port "$i")" "$health"
  done
  if is_multihost; then
    local owner owners=(orderer)
    for ((i = 1; i <= ORGS; i++)); do
      owners+=("$(org_name "$i")")
    done
    for owner in "${owners[@]}"; do
      name=$(ca_node_name "$owner")
      pid=$(running_pid "$name") || pid=-
      if [ "$pid" = - ]; then
        health=STOPPED
        healthy=false
      elif curl -fsS --max-time 2 --cacert "$(ca_cert "$owner")" "$(ca_url "$owner")/cainfo" 2>/dev/null | grep -q '"success":true'; then
        health="OK (/cainfo)"
      else
        health="NOT SERVING (/cainfo)"
        healthy=false
      fi
      printf '%-18s %-8s %-17s %s\n' "$name" "$pid" "$(ca_address "$owner"):$(ca_port "$owner")" "$health"
    done
  fi
  if $healthy; then
    successln "all healthy; profiles in $PROFILE_DIR"
  else
    warnln "not healthy (run: npm run network:up)"
    return 1
  fi
}

orderer_health() {
  local k=$1 pid=$2 status
  if [ "$pid" = - ]; then
    echo "STOPPED"
    return 1
  fi
  is_healthy "http://$(orderer_address "$k"):$(orderer_operations_port "$k")/healthz" || {
    echo "UNHEALTHY (/healthz)"
    return 1
  }
  if [ -z "$FABRIC_BIN" ]; then
    echo "OK (/healthz; channel not checked)"
    return 0
  fi
  status=$(orderer_channel_status "$k")
  if [ "$status" = active ]; then
    echo "OK (channel $CHANNEL_NAME active)"
  else
    echo "NOT READY (channel $CHANNEL_NAME: ${status:-not joined})"
    return 1
  fi
}

peer_health() {
  local i=$1 pid=$2 height
  if [ "$pid" = - ]; then
    echo "STOPPED"
    return 1
  fi
  is_healthy "http://$(org_address "$i"):$(peer_operations_port "$i")/healthz" || {
    echo "UNHEALTHY (/healthz)"
    return 1
  }
  if [ -z "$FABRIC_BIN" ]; then
    echo "OK (/healthz; channel not checked)"
    return 0
  fi
  height=$(use_org_admin "$i" && "$FABRIC_BIN/peer" channel getinfo -c "$CHANNEL_NAME" 2>/dev/null |
    sed -n 's/.*"height":\([0-9]*\).*/\1/p') || height=''
  if [ -n "$height" ]; then
    echo "OK (channel $CHANNEL_NAME height $height)"
  else
    echo "NOT READY (not joined to $CHANNEL_NAME)"
    return 1
  fi
}

chaincode_health() {
  local i=$1 pid=$2
  if [ "$pid" = - ]; then
    echo "STOPPED"
    return 1
  fi
  if [ -z "$FABRIC_BIN" ]; then
    echo "RUNNING (not checked)"
  elif query_metadata "$i" >/dev/null 2>&1; then
    echo "OK (serves $CHAINCODE_NAME through $(peer_node_name "$i"))"
  else
    echo "NOT SERVING (GetMetadata through $(peer_node_name "$i") failed)"
    return 1
  fi
}

cmd_link() {
  local host=${1:-} state=${2:-}
  case "$state" in
    up | down) ;;
    *) fatalln "usage: network.sh link HOST up|down" ;;
  esac
  load_multihost_settings link
  set_host_link "$host" "$state"
  infoln "link of $host is $state"
}

cmd_stop() {
  local name=${1:-}
  [ -n "$name" ] || fatalln "usage: network.sh stop NODE (e.g. peer0.org2)"
  [ -f "$SETTINGS_FILE" ] || fatalln "no network in $STATE_DIR"
  [ -f "$RUN_DIR/$name.cmd" ] || fatalln "this network has no node '$name' (see: network.sh status)"
  lock_state
  stop_process "$name"
}

load_multihost_settings() {
  [ -f "$SETTINGS_FILE" ] || fatalln "no network in $STATE_DIR (run: network.sh up --multihost)"
  ORGS='' ORDERERS='' CORROBORATE_PORT_BASE='' CORROBORATE_TOPOLOGY='' CORROBORATE_SUBNET=''
  resolve_settings
  is_multihost || fatalln "'$1' needs the multi-host topology; the network in $STATE_DIR is $TOPOLOGY"
  require_multihost_tools
}

cmd_env() {
  local org=${1:-} identity=User1
  [ -n "$org" ] || fatalln "usage: network.sh env ORG [--admin] (ORG is org1, org2, ...)"
  [ "${2:-}" = --admin ] && identity=Admin
  [ -f "$SETTINGS_FILE" ] || fatalln "no network in $STATE_DIR (run: npm run network:up)"
  ORGS='' ORDERERS='' CORROBORATE_PORT_BASE='' CORROBORATE_TOPOLOGY='' CORROBORATE_SUBNET=''
  resolve_settings
  local i=${org#org}
  if ! [[ $i =~ ^[1-9]$ ]] || [ "$i" -gt "$ORGS" ]; then
    fatalln "unknown org '$org' (this network has org1..org$ORGS)"
  fi
  require_fabric
  use_org_admin "$i"
  CORE_PEER_MSPCONFIGPATH=$(org_user_msp "$i" "$identity")
  # shellcheck disable=SC2016 # $PATH is for the shell that evaluates this output
  printf 'export PATH=%q:"$PATH"\n' "$FABRIC_BIN"
  local var
  for var in FABRIC_CFG_PATH CORE_PEER_TLS_ENABLED CORE_PEER_LOCALMSPID CORE_PEER_MSPCONFIGPATH \
    CORE_PEER_TLS_ROOTCERT_FILE CORE_PEER_ADDRESS; do
    printf 'export %s=%q\n' "$var" "${!var}"
  done
  printf 'export ORDERER_ADDRESS=%q\n' "$(orderer_address 1):$(orderer_port 1)"
  printf 'export ORDERER_TLS_CA=%q\n' "$(orderer_tls_ca_cert)"
  # The peer CLI logs every gRPC connection at INFO; an interactive shell wants warnings only.
  printf 'export FABRIC_LOGGING_SPEC=%q\n' "${FABRIC_LOGGING_SPEC:-warning}"
}

main "$@"
