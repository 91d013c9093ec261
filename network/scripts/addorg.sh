#!/usr/bin/env bash
# `network.sh add-org`: a new organisation joins the running channel, as in a real consortium:
# its own host and CA, its definition added to the channel configuration by an update that a
# majority of the current orgs' admins sign (the channel's Admins policy), then its peer joined
# and the contract approved for it. The consortium keeps serving requests throughout: nothing
# else is stopped. Sourced by network.sh after every other file.
# shellcheck disable=SC2153 # ORGS, ORDERERS and the paths come from env.sh

cmd_add_org() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -h | --help) print_help && return 0 ;;
      *) fatalln "unknown option for add-org: '$1'" ;;
    esac
    shift
  done
  local started_at=$SECONDS
  require_tools jq curl tar gzip node npx flock setsid sha256sum
  load_multihost_settings add-org
  lock_state
  require_fabric
  require_fabric_ca
  local n=$((ORGS + 1))
  [ "$n" -le 9 ] || fatalln "the network already has 9 orgs, the most it supports"
  local msp
  msp=$(org_msp_id "$n")
  infoln "adding $(org_name "$n") ($msp) to channel '$CHANNEL_NAME'"
  ORGS=$n ensure_hosts
  ensure_org_crypto "$n"
  if ! org_in_channel "$msp"; then
    update_channel_with_org "$n"
  fi
  # From here on the network has the new org: every later `up` and `status` includes it.
  ORGS=$n
  save_settings
  start_missing_nodes
  join_peers
  build_contract
  name_contract
  package_contract
  start_chaincode_servers
  install_chaincode
  approve_for_org "$n"
  wait_for_chaincode
  wait_for_discovery
  write_profiles
  successln "$(org_name "$n") ($msp) added in $((SECONDS - started_at)) s: its peer is on $(org_address "$n"):$(peer_port "$n"), profile $PROFILE_DIR/$(org_name "$n").json"
  infoln "next: a majority of the current participants adds $msp to the contract's participant set (POST /v1/admin/participant-changes on one gateway, then .../approve on others)"
}

# The channel's current configuration, as JSON, read from the newest config block.
fetch_channel_config() {
  local out=$1 work
  work=$(dirname "$out")
  (
    use_org_admin 1
    mapfile -t orderer < <(orderer_args)
    "$FABRIC_BIN/peer" channel fetch config "$work/config_block.pb" -c "$CHANNEL_NAME" "${orderer[@]}" \
      >"$LOG_DIR/add-org-fetch.log" 2>&1
  ) || fatalln "fetching the channel configuration failed; see $LOG_DIR/add-org-fetch.log"
  "$FABRIC_CA_BIN/configtxlator" proto_decode --input "$work/config_block.pb" --type common.Block |
    jq '.data.data[0].payload.data.config' >"$out"
}

org_in_channel() {
  local work found=1
  work=$(mktemp -d)
  fetch_channel_config "$work/config.json"
  if jq -e --arg msp "$1" '.channel_group.groups.Application.groups | has($msp)' "$work/config.json" >/dev/null; then
    found=0
  fi
  rm -rf "$work"
  return $found
}

# The org's definition (its MSP, policies and anchor peer) as configtxgen prints it, merged into
# the current configuration; configtxlator computes the difference, which becomes an update
# envelope that a majority of the current orgs' admins sign, the last one submitting it.
update_channel_with_org() {
  local n=$1 msp work signers i
  msp=$(org_msp_id "$n")
  work="$STATE_DIR/add-org/$(org_name "$n")"
  rm -rf "$work"
  mkdir -p "$work"
  write_org_configtx "$n" >"$work/configtx.yaml"
  FABRIC_CFG_PATH="$work" "$FABRIC_BIN/configtxgen" -printOrg "$msp" >"$work/org.json" 2>"$LOG_DIR/add-org-printorg.log" ||
    fatalln "configtxgen -printOrg $msp failed; see $LOG_DIR/add-org-printorg.log"
  fetch_channel_config "$work/config.json"
  jq -s --arg msp "$msp" '.[0] * {channel_group: {groups: {Application: {groups: {($msp): .[1]}}}}}' \
    "$work/config.json" "$work/org.json" >"$work/modified.json"
  local lator="$FABRIC_CA_BIN/configtxlator"
  "$lator" proto_encode --input "$work/config.json" --type common.Config --output "$work/config.pb"
  "$lator" proto_encode --input "$work/modified.json" --type common.Config --output "$work/modified.pb"
  "$lator" compute_update --channel_id "$CHANNEL_NAME" --original "$work/config.pb" \
    --updated "$work/modified.pb" --output "$work/update.pb"
  "$lator" proto_decode --input "$work/update.pb" --type common.ConfigUpdate |
    jq --arg channel "$CHANNEL_NAME" '{payload: {header: {channel_header: {channel_id: $channel, type: 2}},
      data: {config_update: .}}}' >"$work/envelope.json"
  "$lator" proto_encode --input "$work/envelope.json" --type common.Envelope --output "$work/update_in_envelope.pb"
  # MAJORITY Admins: more than half of the orgs now in the channel.
  signers=$(((n - 1) / 2 + 1))
  for ((i = 1; i < signers; i++)); do
    infoln "$(org_msp_id "$i")'s admin signs the configuration update"
    (use_org_admin "$i" && "$FABRIC_BIN/peer" channel signconfigtx -f "$work/update_in_envelope.pb") \
      >"$LOG_DIR/add-org-sign-$i.log" 2>&1 || fatalln "$(org_msp_id "$i") could not sign; see $LOG_DIR/add-org-sign-$i.log"
  done
  infoln "$(org_msp_id "$signers")'s admin signs and submits it ($signers of $((n - 1)) admins)"
  (
    use_org_admin "$signers"
    mapfile -t orderer < <(orderer_args)
    "$FABRIC_BIN/peer" channel update -f "$work/update_in_envelope.pb" -c "$CHANNEL_NAME" "${orderer[@]}"
  ) >"$LOG_DIR/add-org-update.log" 2>&1 || fatalln "the channel update was refused; see $LOG_DIR/add-org-update.log"
  local attempt
  for ((attempt = 0; attempt < 60; attempt++)); do
    org_in_channel "$msp" && return 0
    sleep 0.5
  done
  fatalln "the channel configuration does not list $msp 30 s after the update"
}

# The org as write_configtx defines the genesis orgs.
write_org_configtx() {
  local n=$1 msp
  msp=$(org_msp_id "$n")
  cat <<EOF
Organizations:
  - &Org$n
    Name: $msp
    ID: $msp
    MSPDir: $(org_dir "$n")/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.peer', '$msp.client')" }
      Writers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.client')" }
      Admins: { Type: Signature, Rule: "OR('$msp.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('$msp.peer')" }
    AnchorPeers:
      - Host: $(org_address "$n")
        Port: $(peer_port "$n")
EOF
}

# The committed definition stays as it is (same sequence): the new org approves it so that its
# peer runs the contract. Its approval is not needed for the definition to hold; it is needed
# for the new org to endorse.
approve_for_org() {
  local n=$1 committed sequence version orderer
  committed=$(committed_definition 1)
  [ -n "$committed" ] || fatalln "the contract is not committed on '$CHANNEL_NAME'"
  sequence=$(jq -r '.sequence' <<<"$committed")
  version=$(jq -r '.version' <<<"$committed")
  [ "$version" = "$CHAINCODE_VERSION" ] ||
    fatalln "the committed contract is $version but this checkout builds $CHAINCODE_VERSION; run 'network.sh up' first"
  mapfile -t orderer < <(orderer_args)
  infoln "approving $CHAINCODE_NAME $version (sequence $sequence) for $(org_msp_id "$n")"
  (
    use_org_admin "$n"
    retry 10 "$LOG_DIR/approve-$n.log" "$FABRIC_BIN/peer" lifecycle chaincode approveformyorg \
      -C "$CHANNEL_NAME" -n "$CHAINCODE_NAME" --version "$version" --package-id "$PACKAGE_ID" \
      --sequence "$sequence" "${orderer[@]}"
  ) || fatalln "approving the chaincode for $(org_msp_id "$n") failed; see $LOG_DIR/approve-$n.log"
}
