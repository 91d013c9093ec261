#!/usr/bin/env bash
# Orderer and peer processes: their environment and their start. Sourced by network.sh after
# env.sh and processes.sh.
# shellcheck disable=SC2153 # ORGS, ORDERERS and the paths come from env.sh

# The network's time window: a peer refuses a proposal whose timestamp is further than this from
# its own clock. The contract's time rules allow for exactly this much (TIME_WINDOW_SECONDS in
# chaincode/protocol/src/time.ts); a unit test keeps the two equal.
TIME_WINDOW_SECONDS=60

# Starts the orderers and peers that are not running, after checking that none of the ports they
# need is taken, so that a conflict stops `up` before anything half-starts.
start_missing_nodes() {
  local k i to_start_orderers=() to_start_peers=()
  for ((k = 1; k <= ORDERERS; k++)); do
    if ! running_pid "$(orderer_node_name "$k")" >/dev/null; then
      to_start_orderers+=("$k")
      assert_port_free "$(orderer_port "$k")" "$(orderer_node_name "$k") (client and cluster)" "$(orderer_address "$k")"
      assert_port_free "$(orderer_admin_port "$k")" "$(orderer_node_name "$k") (admin)" "$(orderer_address "$k")"
      assert_port_free "$(orderer_operations_port "$k")" "$(orderer_node_name "$k") (operations)" "$(orderer_address "$k")"
    fi
  done
  for ((i = 1; i <= ORGS; i++)); do
    if ! running_pid "$(peer_node_name "$i")" >/dev/null; then
      to_start_peers+=("$i")
      assert_port_free "$(peer_port "$i")" "$(peer_node_name "$i") (peer and gossip)" "$(org_address "$i")"
      assert_port_free "$(peer_chaincode_port "$i")" "$(peer_node_name "$i") (chaincode callbacks)" "$(org_address "$i")"
      assert_port_free "$(peer_operations_port "$i")" "$(peer_node_name "$i") (operations)" "$(org_address "$i")"
    fi
  done
  for k in "${to_start_orderers[@]}"; do
    start_orderer "$k"
  done
  for i in "${to_start_peers[@]}"; do
    start_peer "$i"
  done
  for k in "${to_start_orderers[@]}"; do
    wait_for_health "$(orderer_node_name "$k")" "http://$(orderer_address "$k"):$(orderer_operations_port "$k")/healthz"
  done
  for i in "${to_start_peers[@]}"; do
    wait_for_health "$(peer_node_name "$i")" "http://$(org_address "$i"):$(peer_operations_port "$i")/healthz"
  done
}

# Go's pprof HTTP endpoint of a node, off unless CORROBORATE_PPROF=1 (npm run bench -- --profile):
# it serves CPU and heap profiles to anyone who reaches it, so it is never on by default.
pprof_enabled() { [ "${CORROBORATE_PPROF:-0}" = 1 ]; }

# Raft requires TLS on the orderer; the admin endpoint (channel participation) requires mutual
# TLS, as in production.
start_orderer() {
  local k=$1 name dir data tls profile=()
  name=$(orderer_node_name "$k")
  dir=$(orderer_dir "$k")
  tls="$dir/tls"
  data="$NODES_DIR/$name"
  mkdir -p "$data"
  if pprof_enabled; then
    profile=("ORDERER_GENERAL_PROFILE_ENABLED=true" "ORDERER_GENERAL_PROFILE_ADDRESS=$(orderer_address "$k"):$(orderer_pprof_port "$k")")
    infoln "$name serves pprof on $(orderer_address "$k"):$(orderer_pprof_port "$k")"
  fi
  infoln "starting $name on $(orderer_address "$k"):$(orderer_port "$k") (admin $(orderer_admin_port "$k"), operations $(orderer_operations_port "$k"))"
  start_process "$name" "$data" --netns "$(orderer_netns)" \
    "${profile[@]}" \
    "FABRIC_CFG_PATH=$CONFIG_DIR" \
    "FABRIC_LOGGING_SPEC=${CORROBORATE_LOG_SPEC:-info:grpc=warn}" \
    "ORDERER_GENERAL_LISTENADDRESS=$(orderer_address "$k")" \
    "ORDERER_GENERAL_LISTENPORT=$(orderer_port "$k")" \
    "ORDERER_GENERAL_LOCALMSPID=OrdererMSP" \
    "ORDERER_GENERAL_LOCALMSPDIR=$dir/msp" \
    "ORDERER_GENERAL_TLS_ENABLED=true" \
    "ORDERER_GENERAL_TLS_PRIVATEKEY=$tls/server.key" \
    "ORDERER_GENERAL_TLS_CERTIFICATE=$tls/server.crt" \
    "ORDERER_GENERAL_TLS_ROOTCAS=[$tls/ca.crt]" \
    "ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=$tls/server.crt" \
    "ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=$tls/server.key" \
    "ORDERER_GENERAL_BOOTSTRAPMETHOD=none" \
    "ORDERER_CHANNELPARTICIPATION_ENABLED=true" \
    "ORDERER_FILELEDGER_LOCATION=$data/ledger" \
    "ORDERER_CONSENSUS_WALDIR=$data/etcdraft/wal" \
    "ORDERER_CONSENSUS_SNAPDIR=$data/etcdraft/snapshot" \
    "ORDERER_ADMIN_LISTENADDRESS=$(orderer_address "$k"):$(orderer_admin_port "$k")" \
    "ORDERER_ADMIN_TLS_ENABLED=true" \
    "ORDERER_ADMIN_TLS_PRIVATEKEY=$tls/server.key" \
    "ORDERER_ADMIN_TLS_CERTIFICATE=$tls/server.crt" \
    "ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true" \
    "ORDERER_ADMIN_TLS_CLIENTROOTCAS=[$tls/ca.crt]" \
    "ORDERER_OPERATIONS_LISTENADDRESS=$(orderer_address "$k"):$(orderer_operations_port "$k")" \
    "ORDERER_METRICS_PROVIDER=prometheus" \
    -- "$FABRIC_BIN/orderer"
}

# No Docker: the Docker endpoint is emptied and chaincode is built only by our chaincode-as-a-
# service builder, which reads this peer's chaincode server addresses (the contract's, and the
# benchmark's baseline, whose server runs only once deploy-baseline started it) and the TLS root
# their certificate chains to from CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG. Gossip advertises
# the peer's host address (127.0.0.1 on the loopback topology) so that other orgs' peers, and the
# Gateway's discovery, can reach this peer. A peer that joins the channel before the others is
# refused by them until they join too; Fabric's default retries such a connection after 25 s,
# which made a fresh network wait that long before its Gateway could endorse across orgs.
start_peer() {
  local i=$1 name dir data tls address builder_config profile=()
  name=$(peer_node_name "$i")
  dir=$(peer_dir "$i")
  tls="$dir/tls"
  data="$NODES_DIR/$name"
  address="$(org_address "$i"):$(peer_port "$i")"
  builder_config=$(jq -cn \
    --arg peername "$(peer_node_name "$i")" \
    --arg address "$(org_address "$i"):$(chaincode_server_port "$i")" \
    --arg baseline_address "$(org_address "$i"):$(baseline_server_port "$i")" \
    --rawfile root_cert "$(org_tls_ca_cert "$i")" \
    '{peername: $peername, address: $address, baseline_address: $baseline_address,
      root_cert: $root_cert}')
  mkdir -p "$data"
  if pprof_enabled; then
    profile=("CORE_PEER_PROFILE_ENABLED=true" "CORE_PEER_PROFILE_LISTENADDRESS=$(org_address "$i"):$(peer_pprof_port "$i")")
    infoln "$name serves pprof on $(org_address "$i"):$(peer_pprof_port "$i")"
  fi
  infoln "starting $name on $address (chaincode $(peer_chaincode_port "$i"), operations $(peer_operations_port "$i"))"
  start_process "$name" "$data" --netns "$(org_netns "$i")" \
    "${profile[@]}" \
    "FABRIC_CFG_PATH=$CONFIG_DIR" \
    "FABRIC_LOGGING_SPEC=${CORROBORATE_LOG_SPEC:-info:grpc=warn}" \
    "CORE_PEER_ID=$(peer_host "$i")" \
    "CORE_PEER_ADDRESS=$address" \
    "CORE_PEER_LISTENADDRESS=$address" \
    "CORE_PEER_CHAINCODEADDRESS=$(org_address "$i"):$(peer_chaincode_port "$i")" \
    "CORE_PEER_CHAINCODELISTENADDRESS=$(org_address "$i"):$(peer_chaincode_port "$i")" \
    "CORE_PEER_GOSSIP_BOOTSTRAP=$address" \
    "CORE_PEER_GOSSIP_EXTERNALENDPOINT=$address" \
    "CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s" \
    "CORE_PEER_LOCALMSPID=$(org_msp_id "$i")" \
    "CORE_PEER_MSPCONFIGPATH=$dir/msp" \
    "CORE_PEER_AUTHENTICATION_TIMEWINDOW=${TIME_WINDOW_SECONDS}s" \
    "CORE_PEER_TLS_ENABLED=true" \
    "CORE_PEER_TLS_CERT_FILE=$tls/server.crt" \
    "CORE_PEER_TLS_KEY_FILE=$tls/server.key" \
    "CORE_PEER_TLS_ROOTCERT_FILE=$tls/ca.crt" \
    "CORE_PEER_FILESYSTEMPATH=$data/ledger" \
    "CORE_LEDGER_SNAPSHOTS_ROOTDIR=$data/snapshots" \
    "CORE_OPERATIONS_LISTENADDRESS=$(org_address "$i"):$(peer_operations_port "$i")" \
    "CORE_METRICS_PROVIDER=prometheus" \
    "CORE_VM_ENDPOINT=" \
    "CORE_CHAINCODE_EXTERNALBUILDERS=[{name: corroborate-ccaas, path: $NETWORK_DIR/builders/ccaas, propagateEnvironment: [CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG]}]" \
    "CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG=$builder_config" \
    -- "$FABRIC_BIN/peer" node start
}
