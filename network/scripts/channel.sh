#!/usr/bin/env bash
# Joins the orderers (channel participation API, no system channel) and the peers to the
# channel; both steps skip nodes that already joined. Sourced by network.sh after env.sh.
# shellcheck disable=SC2153 # ORGS, ORDERERS and the paths come from env.sh

osnadmin_args() {
  local k=$1 admin_tls
  admin_tls=$(orderer_admin_tls_dir)
  printf '%s\n' -o "$(orderer_address "$k"):$(orderer_admin_port "$k")" --ca-file "$(orderer_tls_ca_cert)" \
    --client-cert "$admin_tls/client.crt" --client-key "$admin_tls/client.key"
}

orderer_channel_status() {
  local k=$1 args
  mapfile -t args < <(osnadmin_args "$k")
  "$FABRIC_BIN/osnadmin" channel list --channelID "$CHANNEL_NAME" "${args[@]}" 2>/dev/null |
    sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' | head -n 1
}

join_orderers() {
  local k args status attempt
  for ((k = 1; k <= ORDERERS; k++)); do
    if [ -n "$(orderer_channel_status "$k")" ]; then
      continue
    fi
    infoln "joining $(orderer_node_name "$k") to channel '$CHANNEL_NAME'"
    mapfile -t args < <(osnadmin_args "$k")
    "$FABRIC_BIN/osnadmin" channel join --channelID "$CHANNEL_NAME" --config-block "$CHANNEL_BLOCK" \
      "${args[@]}" >"$LOG_DIR/osnadmin-join-$k.log" 2>&1 ||
      fatalln "osnadmin could not join $(orderer_node_name "$k") to '$CHANNEL_NAME'; see $LOG_DIR/osnadmin-join-$k.log"
  done
  # Until Raft has a leader the channel is not "active" and transactions would be refused.
  for ((k = 1; k <= ORDERERS; k++)); do
    for ((attempt = 0; attempt < 120; attempt++)); do
      status=$(orderer_channel_status "$k")
      [ "$status" = active ] && break
      sleep 0.5
    done
    [ "$status" = active ] ||
      fatalln "$(orderer_node_name "$k") reports channel '$CHANNEL_NAME' as '${status:-unknown}', not active, after 60 s; see $LOG_DIR/$(orderer_node_name "$k").log"
  done
  wait_for_raft_leader
}

# "active" only means the orderer serves the channel; until Raft has elected a leader (an election
# timeout after every restart) it refuses transactions. Read from the orderers' metrics.
wait_for_raft_leader() {
  local k attempt
  for ((attempt = 0; attempt < 240; attempt++)); do
    for ((k = 1; k <= ORDERERS; k++)); do
      if curl -fsS --max-time 2 "http://$(orderer_address "$k"):$(orderer_operations_port "$k")/metrics" 2>/dev/null |
        grep -q "^consensus_etcdraft_is_leader{channel=\"$CHANNEL_NAME\"} 1$"; then
        return 0
      fi
    done
    sleep 0.25
  done
  fatalln "the orderers elected no Raft leader for '$CHANNEL_NAME' within 60 s; see $LOG_DIR/orderer*.log"
}

join_peers() {
  local i
  for ((i = 1; i <= ORGS; i++)); do
    (
      use_org_admin "$i"
      if "$FABRIC_BIN/peer" channel list 2>/dev/null | grep -qx "$CHANNEL_NAME"; then
        exit 0
      fi
      infoln "joining $(peer_node_name "$i") to channel '$CHANNEL_NAME'"
      "$FABRIC_BIN/peer" channel join -b "$CHANNEL_BLOCK" >"$LOG_DIR/peer-join-$i.log" 2>&1 ||
        fatalln "$(peer_node_name "$i") could not join '$CHANNEL_NAME'; see $LOG_DIR/peer-join-$i.log"
    )
  done
}
