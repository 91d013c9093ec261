#!/usr/bin/env bash
# Everything a network is created from, generated once into the state folder: node config files,
# crypto material (cryptogen), the channel configuration (configtx.yaml) and the channel's
# genesis block. Sourced by network.sh after env.sh.
# shellcheck disable=SC2153 # ORGS, ORDERERS and the paths come from env.sh

# Block cutting, tuned for latency: a lone transaction waits at most BatchTimeout for its block,
# and every step of a request (create, verdicts, finalize) waits for one block. Under load blocks
# are cut earlier by MaxMessageCount or PreferredMaxBytes. Measured with `npm run bench` on 2
# cores, 100ms beat 250ms everywhere: raw writes 266 vs 242 tx/s, consensus results 15.4 vs
# 12.2/s at a median 1.05 vs 1.30 s; the extra small blocks cost less than the waiting did.
BATCH_TIMEOUT=${CORROBORATE_BATCH_TIMEOUT:-100ms}
MAX_MESSAGE_COUNT=${CORROBORATE_MAX_MESSAGE_COUNT:-100}
# A first block may carry up to 4 MiB of canonical content, which appears twice in its transaction
# (argument and write set) plus endorsements; a block must hold at least one such transaction.
ABSOLUTE_MAX_BYTES='16 MB'
PREFERRED_MAX_BYTES='2 MB'

# Generates whatever is missing. Crypto material and the genesis block are never regenerated
# under a ledger that was built from them.
ensure_artifacts() {
  ensure_node_config
  if is_multihost; then
    ensure_ca_crypto
  else
    ensure_crypto
  fi
  ensure_channel_block
}

# Copies Fabric's sample core.yaml and orderer.yaml; every node overrides what differs through
# its environment. The Docker endpoint is emptied here as well as in the environment because
# Fabric 2.5 ignores an empty CORE_VM_ENDPOINT.
ensure_node_config() {
  [ -f "$CONFIG_DIR/core.yaml" ] && [ -f "$CONFIG_DIR/orderer.yaml" ] && return 0
  mkdir -p "$CONFIG_DIR"
  cp "$FABRIC_SAMPLE_CONFIG_DIR/core.yaml" "$FABRIC_SAMPLE_CONFIG_DIR/orderer.yaml" "$CONFIG_DIR/"
  chmod u+w "$CONFIG_DIR/core.yaml" "$CONFIG_DIR/orderer.yaml"
  sed -i 's|^\(\s*endpoint:\) unix:///var/run/docker.sock|\1 ""|' "$CONFIG_DIR/core.yaml"
}

ensure_crypto() {
  [ -f "$CRYPTO_DIR/.complete" ] && return 0
  if [ -d "$NODES_DIR" ]; then
    fatalln "$STATE_DIR holds ledger data but no complete crypto material; run 'network.sh down --purge' to start afresh"
  fi
  infoln "generating crypto material for $ORGS org(s) and $ORDERERS orderer(s)"
  rm -rf "$CRYPTO_DIR"
  mkdir -p "$CONFIG_DIR"
  write_crypto_config >"$CONFIG_DIR/crypto-config.yaml"
  "$FABRIC_BIN/cryptogen" generate --config="$CONFIG_DIR/crypto-config.yaml" --output="$CRYPTO_DIR" >/dev/null ||
    fatalln "cryptogen failed"
  touch "$CRYPTO_DIR/.complete"
}

# Every TLS certificate names 127.0.0.1 and localhost, the addresses clients dial. Each org also
# gets a "chaincode" node whose TLS certificate serves that org's chaincode server.
write_crypto_config() {
  local k i
  printf 'OrdererOrgs:\n  - Name: Orderer\n    Domain: %s\n    EnableNodeOUs: true\n    Specs:\n' "$ORDERER_DOMAIN"
  for ((k = 1; k <= ORDERERS; k++)); do
    printf '      - Hostname: orderer%s\n        SANS: [127.0.0.1, localhost]\n' "$k"
  done
  printf 'PeerOrgs:\n'
  for ((i = 1; i <= ORGS; i++)); do
    printf '  - Name: Org%s\n    Domain: %s\n    EnableNodeOUs: true\n' "$i" "$(org_domain "$i")"
    printf '    Specs:\n'
    printf '      - Hostname: peer0\n        SANS: [127.0.0.1, localhost]\n'
    printf '      - Hostname: chaincode\n        SANS: [127.0.0.1, localhost]\n'
    printf '    Users:\n      Count: 1\n'
  done
}

ensure_channel_block() {
  [ -f "$CHANNEL_BLOCK" ] && return 0
  if [ -d "$NODES_DIR" ]; then
    fatalln "$STATE_DIR holds ledger data but its channel block $CHANNEL_BLOCK is missing; run 'network.sh down --purge' to start afresh"
  fi
  infoln "creating the genesis block of channel '$CHANNEL_NAME' (BatchTimeout $BATCH_TIMEOUT, MaxMessageCount $MAX_MESSAGE_COUNT)"
  write_configtx >"$CONFIG_DIR/configtx.yaml"
  mkdir -p "$(dirname "$CHANNEL_BLOCK")"
  FABRIC_CFG_PATH="$CONFIG_DIR" "$FABRIC_BIN/configtxgen" -profile CorroborateChannel \
    -outputBlock "$CHANNEL_BLOCK.tmp" -channelID "$CHANNEL_NAME" >"$LOG_DIR/configtxgen.log" 2>&1 ||
    fatalln "configtxgen failed, see $LOG_DIR/configtxgen.log"
  mv "$CHANNEL_BLOCK.tmp" "$CHANNEL_BLOCK"
}

# The channel is created without a system channel. Anchor peers are part of each org's
# definition in the genesis block, so the Gateway's discovery sees every org from the start.
# Endorsement is a majority of the orgs' peers, for transactions and for lifecycle alike.
write_configtx() {
  local k i
  cat <<EOF
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: OrdererMSP
    MSPDir: $(orderer_org_dir)/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('OrdererMSP.member')" }
      Writers: { Type: Signature, Rule: "OR('OrdererMSP.member')" }
      Admins: { Type: Signature, Rule: "OR('OrdererMSP.admin')" }
    OrdererEndpoints:
EOF
  for ((k = 1; k <= ORDERERS; k++)); do
    printf '      - %s:%s\n' "$(orderer_address "$k")" "$(orderer_port "$k")"
  done
  for ((i = 1; i <= ORGS; i++)); do
    local msp
    msp=$(org_msp_id "$i")
    cat <<EOF
  - &Org$i
    Name: $msp
    ID: $msp
    MSPDir: $(org_dir "$i")/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.peer', '$msp.client')" }
      Writers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.client')" }
      Admins: { Type: Signature, Rule: "OR('$msp.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('$msp.peer')" }
    AnchorPeers:
      - Host: $(org_address "$i")
        Port: $(peer_port "$i")
EOF
  done
  cat <<EOF

Capabilities:
  Channel: &ChannelCapabilities
    V2_0: true
  Orderer: &OrdererCapabilities
    V2_0: true
  Application: &ApplicationCapabilities
    V2_5: true

Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
    Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
    Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
    LifecycleEndorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
    Endorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
  Capabilities:
    <<: *ApplicationCapabilities

Orderer: &OrdererDefaults
  OrdererType: etcdraft
  BatchTimeout: $BATCH_TIMEOUT
  BatchSize:
    MaxMessageCount: $MAX_MESSAGE_COUNT
    AbsoluteMaxBytes: $ABSOLUTE_MAX_BYTES
    PreferredMaxBytes: $PREFERRED_MAX_BYTES
  Organizations:
  Policies:
    Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
    Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
    Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
    BlockValidation: { Type: ImplicitMeta, Rule: "ANY Writers" }

Channel: &ChannelDefaults
  Policies:
    Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
    Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
    Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
  Capabilities:
    <<: *ChannelCapabilities

Profiles:
  CorroborateChannel:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations:
        - *OrdererOrg
      Capabilities:
        <<: *OrdererCapabilities
      EtcdRaft:
        Consenters:
EOF
  for ((k = 1; k <= ORDERERS; k++)); do
    local tls_cert
    tls_cert="$(orderer_dir "$k")/tls/server.crt"
    cat <<EOF
          - Host: $(orderer_address "$k")
            Port: $(orderer_port "$k")
            ClientTLSCert: $tls_cert
            ServerTLSCert: $tls_cert
EOF
  done
  cat <<EOF
        # An election takes ElectionTick ticks, after every restart too: 2.5 s rather than
        # the 5 s of Fabric's sample keeps 'up' after a reboot quick, and stays well above the
        # heartbeat (one tick) on a busy machine.
        Options:
          TickInterval: 250ms
          ElectionTick: 10
          HeartbeatTick: 1
          MaxInflightBlocks: 5
          SnapshotIntervalSize: 16 MB
    Application:
      <<: *ApplicationDefaults
      Organizations:
EOF
  for ((i = 1; i <= ORGS; i++)); do
    printf '        - *Org%s\n' "$i"
  done
  printf '      Capabilities:\n        <<: *ApplicationCapabilities\n'
}
