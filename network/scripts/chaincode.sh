#!/usr/bin/env bash
# The contract as a chaincode service: compile, package (label from the compiled code's digest),
# run one chaincode server per org, install, approve for every org, commit. Every step skips what
# is already done, and a changed contract is deployed as the next sequence. Sourced by network.sh
# after env.sh and processes.sh.
#
# One server per org rather than one shared by all peers: each org endorses with code it runs
# itself, as in a real consortium, and one org's server going down leaves the others endorsing.
# The package is the same for every org; each peer's CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG
# fills in the address of its own org's server.
#
# Two chaincodes are deployed this way, each with its own package, label, definition and server
# per org: the contract (`corroborate`, by `up`), and the benchmark's yardstick (`baseline`, by
# `deploy-baseline` only, so that it never ships with the contract). use_chaincode selects one.
# shellcheck disable=SC2153 # ORGS, ORDERERS and the paths come from env.sh

# Selects the chaincode the functions below act on: its name, source folder, servers and package
# folder, and the key of the peers' builder configuration that holds its server's address.
use_chaincode() {
  case "$1" in
    corroborate)
      CHAINCODE_NAME=corroborate
      CHAINCODE_DIR=${CORROBORATE_CHAINCODE_DIR:-$REPO_DIR/chaincode}
      CHAINCODE_PREBUILT=${CORROBORATE_CHAINCODE_DIR:+true}
      CHAINCODE_SERVER=chaincode
      CHAINCODE_ADDRESS_KEY=address
      CHAINCODE_PACKAGE_DIR=$PACKAGE_DIR
      CHAINCODE_LOG_SUFFIX=''
      ;;
    baseline)
      CHAINCODE_NAME=baseline
      CHAINCODE_DIR=$REPO_DIR/scripts/baseline-chaincode
      CHAINCODE_PREBUILT=''
      CHAINCODE_SERVER=baseline
      CHAINCODE_ADDRESS_KEY=baseline_address
      CHAINCODE_PACKAGE_DIR=$BASELINE_PACKAGE_DIR
      CHAINCODE_LOG_SUFFIX=-baseline
      ;;
    *) fatalln "no chaincode '$1'" ;;
  esac
}
use_chaincode corroborate

# The selected chaincode's server of org I: its node name and port.
server_node_name() {
  if [ "$CHAINCODE_SERVER" = baseline ]; then baseline_node_name "$1"; else chaincode_node_name "$1"; fi
}
server_port() {
  if [ "$CHAINCODE_SERVER" = baseline ]; then baseline_server_port "$1"; else chaincode_server_port "$1"; fi
}

# Compiles the selected chaincode from the workspace. A contract elsewhere
# (CORROBORATE_CHAINCODE_DIR) is taken as already built.
build_contract() {
  [ -f "$CHAINCODE_DIR/package.json" ] || fatalln "no package.json in the chaincode folder $CHAINCODE_DIR"
  if [ -z "$CHAINCODE_PREBUILT" ]; then
    local log="$LOG_DIR/tsc$CHAINCODE_LOG_SUFFIX.log"
    infoln "compiling $CHAINCODE_NAME (npx tsc -b ${CHAINCODE_DIR#"$REPO_DIR/"})"
    mkdir -p "$LOG_DIR"
    if ! (cd "$REPO_DIR" && npx --no-install tsc -b "$CHAINCODE_DIR") >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      fatalln "$CHAINCODE_NAME does not compile (npx tsc -b ${CHAINCODE_DIR#"$REPO_DIR/"}); see $log"
    fi
  fi
  local main
  main=$(jq -r '.main // "index.js"' "$CHAINCODE_DIR/package.json")
  [ -f "$CHAINCODE_DIR/$main" ] ||
    fatalln "the contract's entry $CHAINCODE_DIR/$main does not exist (package.json 'main'); build it first"
  CONTRACT_MAIN=$main
}

# The label and the definition's version name the compiled code, so that `up` after a change to
# the contract deploys it as a new sequence, and an unchanged contract keeps its definition.
name_contract() {
  local version digest code_dir
  version=$(jq -r '.version // "0.0.0"' "$CHAINCODE_DIR/package.json")
  code_dir=$(dirname "$CONTRACT_MAIN")
  # The protocol package ships inside the chaincode folder, so its code names the label too.
  digest=$(
    cd "$CHAINCODE_DIR" &&
      { printf '%s\n' package.json && find "$code_dir" -path "$code_dir/node_modules" -prune -o -type f \
        ! -name '*.tsbuildinfo' -print &&
        if [ -d protocol/dist ]; then
          printf '%s\n' protocol/package.json && find protocol/dist -type f ! -name '*.tsbuildinfo'
        fi; } |
      LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -c 1-12
  )
  CHAINCODE_VERSION="${version}_$digest"
  CHAINCODE_LABEL="${CHAINCODE_NAME}_$CHAINCODE_VERSION"
}

# The package holds no code, only where to reach the server; tar and gzip are made reproducible
# (no times, owners or names) so that the same label always yields the same package id.
package_contract() {
  local dir="$CHAINCODE_PACKAGE_DIR/$CHAINCODE_LABEL"
  PACKAGE_FILE="$dir/$CHAINCODE_LABEL.tgz"
  if [ ! -f "$PACKAGE_FILE" ]; then
    infoln "packaging $CHAINCODE_NAME as a chaincode service, label $CHAINCODE_LABEL"
    rm -rf "$dir"
    mkdir -p "$dir/src" "$dir/pkg"
    jq -n --arg address "{{.$CHAINCODE_ADDRESS_KEY}}" '{address: $address, dial_timeout: "10s",
      tls_required: true, client_auth_required: false, root_cert: "{{.root_cert}}"}' >"$dir/src/connection.json"
    jq -n --arg chaincode_label "$CHAINCODE_LABEL" '{type: "ccaas", "label": $chaincode_label}' >"$dir/pkg/metadata.json"
    deterministic_tgz "$dir/src" "$dir/pkg/code.tar.gz" connection.json
    deterministic_tgz "$dir/pkg" "$PACKAGE_FILE.tmp" code.tar.gz metadata.json
    mv "$PACKAGE_FILE.tmp" "$PACKAGE_FILE"
  fi
  PACKAGE_ID=$(use_org_admin 1 && "$FABRIC_BIN/peer" lifecycle chaincode calculatepackageid "$PACKAGE_FILE") ||
    fatalln "peer lifecycle chaincode calculatepackageid failed for $PACKAGE_FILE"
  printf '%s\n' "$PACKAGE_ID" >"$CHAINCODE_PACKAGE_DIR/package-id"
}

deterministic_tgz() {
  local from=$1 to=$2
  shift 2
  tar -C "$from" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "$@" | gzip -n >"$to"
}

shim_cli() {
  local candidate
  for candidate in "$CHAINCODE_DIR/node_modules/.bin/fabric-chaincode-node" "$REPO_DIR/node_modules/.bin/fabric-chaincode-node"; do
    if [ -e "$candidate" ]; then
      readlink -f "$candidate"
      return 0
    fi
  done
  fatalln "fabric-chaincode-node not found under $CHAINCODE_DIR or $REPO_DIR (run npm ci)"
}

# Starts each org's chaincode server unless it already serves this package; a server of an
# older package is ours and is replaced.
start_chaincode_servers() {
  local i name port tls cli node_bin started=()
  cli=$(shim_cli)
  node_bin=$(command -v node) || fatalln "node is required to run the chaincode servers"
  for ((i = 1; i <= ORGS; i++)); do
    name=$(server_node_name "$i")
    if running_pid "$name" >/dev/null; then
      if grep -qxF "$PACKAGE_ID" "$RUN_DIR/$name.cmd"; then
        continue
      fi
      stop_process "$name"
    fi
    port=$(server_port "$i")
    assert_port_free "$port" "$name (chaincode server)" "$(org_address "$i")"
    tls=$(chaincode_server_tls_dir "$i")
    infoln "starting $name on $(org_address "$i"):$port"
    start_process "$name" "$CHAINCODE_DIR" --netns "$(org_netns "$i")" \
      "CORE_CHAINCODE_LOGGING_LEVEL=${CORROBORATE_CHAINCODE_LOG_LEVEL:-warning}" \
      -- "$node_bin" "$cli" server \
      --chaincode-address "$(org_address "$i"):$port" \
      --chaincode-id "$PACKAGE_ID" \
      --chaincode-tls-cert-file "$tls/server.crt" \
      --chaincode-tls-key-file "$tls/server.key" \
      --module-path "$CHAINCODE_DIR"
    started+=("$i")
  done
  for i in "${started[@]}"; do
    wait_for_port "$(server_node_name "$i")" "$(server_port "$i")" 60 "$(org_address "$i")"
  done
}

install_chaincode() {
  local i
  for ((i = 1; i <= ORGS; i++)); do
    (
      use_org_admin "$i"
      if "$FABRIC_BIN/peer" lifecycle chaincode queryinstalled -O json 2>/dev/null |
        jq -e --arg id "$PACKAGE_ID" '(.installed_chaincodes // []) | any(.package_id == $id)' >/dev/null; then
        exit 0
      fi
      infoln "installing $CHAINCODE_LABEL on $(peer_node_name "$i")"
      local log="$LOG_DIR/install-$i$CHAINCODE_LOG_SUFFIX.log"
      "$FABRIC_BIN/peer" lifecycle chaincode install "$PACKAGE_FILE" >"$log" 2>&1 ||
        fatalln "installing $CHAINCODE_NAME on $(peer_node_name "$i") failed; see $log"
    )
  done
}

committed_definition() {
  (use_org_admin "$1" && "$FABRIC_BIN/peer" lifecycle chaincode querycommitted -C "$CHANNEL_NAME" \
    -n "$CHAINCODE_NAME" -O json 2>/dev/null) || true
}

# Approves for every org and commits, unless this version is already the committed definition.
# Without --signature-policy the definition uses the channel's /Channel/Application/Endorsement
# policy: a majority of the orgs.
define_chaincode() {
  local committed sequence=1 i orderer peer_args=()
  committed=$(committed_definition 1)
  if [ -n "$committed" ]; then
    [ "$(jq -r '.version' <<<"$committed")" = "$CHAINCODE_VERSION" ] && return 0
    sequence=$(($(jq -r '.sequence' <<<"$committed") + 1))
  fi
  mapfile -t orderer < <(orderer_args)
  for ((i = 1; i <= ORGS; i++)); do
    (
      use_org_admin "$i"
      approved=$("$FABRIC_BIN/peer" lifecycle chaincode queryapproved -C "$CHANNEL_NAME" -n "$CHAINCODE_NAME" \
        --sequence "$sequence" -O json 2>/dev/null | jq -r '.source.Type.LocalPackage.package_id // empty' 2>/dev/null) || true
      if [ "$approved" = "$PACKAGE_ID" ]; then
        exit 0
      fi
      infoln "approving $CHAINCODE_NAME $CHAINCODE_VERSION (sequence $sequence) for $(org_msp_id "$i")"
      retry 5 "$LOG_DIR/approve-$i$CHAINCODE_LOG_SUFFIX.log" "$FABRIC_BIN/peer" lifecycle chaincode approveformyorg \
        -C "$CHANNEL_NAME" -n "$CHAINCODE_NAME" --version "$CHAINCODE_VERSION" --package-id "$PACKAGE_ID" \
        --sequence "$sequence" "${orderer[@]}" ||
        fatalln "approving $CHAINCODE_NAME for $(org_msp_id "$i") failed; see $LOG_DIR/approve-$i$CHAINCODE_LOG_SUFFIX.log"
    )
  done
  for ((i = 1; i <= ORGS; i++)); do
    peer_args+=(--peerAddresses "$(org_address "$i"):$(peer_port "$i")" --tlsRootCertFiles "$(org_tls_ca_cert "$i")")
  done
  infoln "committing $CHAINCODE_NAME $CHAINCODE_VERSION (sequence $sequence) on channel '$CHANNEL_NAME'"
  (
    use_org_admin 1
    retry 5 "$LOG_DIR/commit$CHAINCODE_LOG_SUFFIX.log" "$FABRIC_BIN/peer" lifecycle chaincode commit -C "$CHANNEL_NAME" \
      -n "$CHAINCODE_NAME" --version "$CHAINCODE_VERSION" --sequence "$sequence" "${orderer[@]}" "${peer_args[@]}"
  ) || fatalln "committing the definition of $CHAINCODE_NAME failed; see $LOG_DIR/commit$CHAINCODE_LOG_SUFFIX.log"
}

# Waits until every org's peer has the definition and answers a query through its own chaincode
# server: the first query is when a peer dials its server.
wait_for_chaincode() {
  local i attempt ready
  for ((i = 1; i <= ORGS; i++)); do
    ready=false
    for ((attempt = 0; attempt < 60; attempt++)); do
      if [ "$(committed_definition "$i" | jq -r '.version // empty' 2>/dev/null)" = "$CHAINCODE_VERSION" ] &&
        query_metadata "$i" >/dev/null 2>&1; then
        ready=true
        break
      fi
      sleep 1
    done
    $ready || fatalln "$(peer_node_name "$i") does not serve $CHAINCODE_NAME $CHAINCODE_VERSION after 60 s; see $LOG_DIR/$(peer_node_name "$i").log and $LOG_DIR/$(server_node_name "$i").log"
  done
}

# Waits until every org's peer knows, through gossip, every other org's peer and that it runs the
# chaincode. Until then the Gateway's discovery finds no set of peers that satisfies the
# endorsement policy, and submits fail, typically for a few seconds after peers (re)start.
wait_for_discovery() {
  local i attempt known
  for ((i = 1; i <= ORGS; i++)); do
    known=0
    for ((attempt = 0; attempt < 120; attempt++)); do
      known=$(discover_peers "$i" | jq --arg cc "$CHAINCODE_NAME" \
        '[.[] | select(.Chaincodes // [] | index($cc))] | length' 2>/dev/null) || known=0
      [ "${known:-0}" -ge "$ORGS" ] && break
      sleep 0.5
    done
    [ "${known:-0}" -ge "$ORGS" ] ||
      fatalln "after 60 s, $(peer_node_name "$i") knows only ${known:-0} of $ORGS peers running $CHAINCODE_NAME (gossip); see $LOG_DIR/$(peer_node_name "$i").log"
  done
}

# The channel's peers as org I's discovery service sees them (JSON).
discover_peers() {
  local i=$1 user_msp
  user_msp=$(org_user_msp "$i" User1)
  FABRIC_LOGGING_SPEC=error "$FABRIC_BIN/discover" --peerTLSCA "$(org_tls_ca_cert "$i")" \
    --userKey "$(key_file "$user_msp")" --userCert "$(cert_file "$user_msp")" \
    --MSP "$(org_msp_id "$i")" peers --channel "$CHANNEL_NAME" --server "$(org_address "$i"):$(peer_port "$i")" 2>/dev/null
}

query_metadata() {
  (use_org_admin "$1" && "$FABRIC_BIN/peer" chaincode query -C "$CHANNEL_NAME" -n "$CHAINCODE_NAME" \
    -c '{"Args":["org.hyperledger.fabric:GetMetadata"]}')
}

# Runs a command up to N times, one second apart, its output going to LOG (the last attempt's).
retry() {
  local attempts=$1 log=$2 attempt
  shift 2
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    if "$@" >"$log" 2>&1; then
      return 0
    fi
    sleep 1
  done
  return 1
}

# Builds, packages, serves, installs and defines the chaincode in use (see use_chaincode), then
# waits until the peers run it and discovery names it.
deploy_chaincode() {
  build_contract
  name_contract
  package_contract
  start_chaincode_servers
  install_chaincode
  define_chaincode
  wait_for_chaincode
  wait_for_discovery
}

# `network.sh deploy-baseline`: the benchmark's yardstick as a chaincode of its own (its package,
# label, definition and one server per org), beside the contract and never inside it. Peers
# started before the builder configuration named a server for it are restarted once.
deploy_baseline() {
  restart_peers_without baseline_address
  use_chaincode baseline
  deploy_chaincode
  successln "baseline deployed: chaincode $CHAINCODE_LABEL, one server per org"
  use_chaincode corroborate
}

# Restarts each running peer whose builder configuration lacks KEY, so that it can build a package
# that names KEY; the ledger is kept.
restart_peers_without() {
  local key=$1 i pid restarted=false
  for ((i = 1; i <= ORGS; i++)); do
    pid=$(running_pid "$(peer_node_name "$i")") || continue
    if ! tr '\0' '\n' <"/proc/$pid/environ" | grep '^CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG=' |
      jq -Re --arg key "$key" 'sub("^[^=]*="; "") | fromjson | has($key)' >/dev/null 2>&1; then
      infoln "restarting $(peer_node_name "$i"): its chaincode builder knows no $key yet"
      stop_process "$(peer_node_name "$i")"
      restarted=true
    fi
  done
  if $restarted; then
    start_missing_nodes
    use_chaincode corroborate
    wait_for_discovery
  fi
}
