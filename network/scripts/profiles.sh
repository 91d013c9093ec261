#!/usr/bin/env bash
# Connection profiles: what the gateway, the workers, the benchmark and the tests read to reach
# the network. One file per org, plus network.json for the whole network. Sourced by network.sh
# after env.sh.
# shellcheck disable=SC2153 # ORGS, ORDERERS and the paths come from env.sh

write_profiles() {
  local i
  mkdir -p "$PROFILE_DIR"
  for ((i = 1; i <= ORGS; i++)); do
    org_profile "$i" >"$PROFILE_DIR/$(org_name "$i").json.tmp"
    mv "$PROFILE_DIR/$(org_name "$i").json.tmp" "$PROFILE_DIR/$(org_name "$i").json"
  done
  network_profile >"$PROFILE_DIR/network.json.tmp"
  mv "$PROFILE_DIR/network.json.tmp" "$PROFILE_DIR/network.json"
  trust_file >"$PROFILE_DIR/trust.json.tmp"
  mv "$PROFILE_DIR/trust.json.tmp" "$PROFILE_DIR/trust.json"
}

# The consortium trust file that receipts are verified against (`corroborate receipt verify
# --trust`): each org's MSP id with the CA certificates of its MSP (cacerts and
# intermediatecerts), as PEM text so that the file stands alone, and every org of the network as
# the expected participant set.
trust_file() {
  local i msp cert certs organisations='{}' participants='[]'
  for ((i = 1; i <= ORGS; i++)); do
    msp="$(org_dir "$i")/msp"
    certs='[]'
    for cert in "$msp"/cacerts/*.pem "$msp"/intermediatecerts/*.pem; do
      [ -f "$cert" ] || continue
      certs=$(jq -c --rawfile pem "$cert" '. + [$pem]' <<<"$certs")
    done
    [ "$certs" != '[]' ] || fatalln "no CA certificate in $msp/cacerts"
    organisations=$(jq -c --arg mspId "$(org_msp_id "$i")" --argjson certs "$certs" \
      '. + {($mspId): {caCertificates: $certs}}' <<<"$organisations")
    participants=$(jq -c --arg mspId "$(org_msp_id "$i")" '. + [$mspId]' <<<"$participants")
  done
  jq -n --argjson organisations "$organisations" --argjson participants "$participants" \
    '{format: "corroborate-trust-v1", organisations: $organisations, participants: $participants}'
}

# cryptogen names every private key priv_sk; the lookup still lists the folder so that material
# from another tool (a CA enrolment) works too.
key_file() {
  local keystore="$1/keystore" key
  for key in "$keystore"/*_sk "$keystore"/*; do
    if [ -f "$key" ]; then
      printf '%s' "$key"
      return 0
    fi
  done
  fatalln "no private key in $keystore"
}

cert_file() {
  local cert
  for cert in "$1"/signcerts/*.pem; do
    if [ -f "$cert" ]; then
      printf '%s' "$cert"
      return 0
    fi
  done
  fatalln "no certificate in $1/signcerts"
}

org_profile() {
  local i=$1 user_msp admin_msp
  user_msp=$(org_user_msp "$i" User1)
  admin_msp=$(org_user_msp "$i" Admin)
  jq -n \
    --arg org "$(org_name "$i")" \
    --arg mspId "$(org_msp_id "$i")" \
    --arg peerEndpoint "$(org_address "$i"):$(peer_port "$i")" \
    --arg peerHostAlias "$(peer_host "$i")" \
    --arg tlsRootCertPath "$(org_tls_ca_cert "$i")" \
    --arg certPath "$(cert_file "$user_msp")" \
    --arg keyPath "$(key_file "$user_msp")" \
    --arg adminCertPath "$(cert_file "$admin_msp")" \
    --arg adminKeyPath "$(key_file "$admin_msp")" \
    --arg channel "$CHANNEL_NAME" \
    --arg chaincode "$CHAINCODE_NAME" \
    '{org: $org, mspId: $mspId, peerEndpoint: $peerEndpoint, peerHostAlias: $peerHostAlias,
      tlsRootCertPath: $tlsRootCertPath, certPath: $certPath, keyPath: $keyPath,
      adminCertPath: $adminCertPath, adminKeyPath: $adminKeyPath, channel: $channel,
      chaincode: $chaincode}'
}

network_profile() {
  local i k orgs='[]' orderers='[]'
  for ((i = 1; i <= ORGS; i++)); do
    orgs=$(jq -c \
      --arg org "$(org_name "$i")" \
      --arg mspId "$(org_msp_id "$i")" \
      --arg profilePath "$PROFILE_DIR/$(org_name "$i").json" \
      --arg peerEndpoint "$(org_address "$i"):$(peer_port "$i")" \
      --arg peerHostAlias "$(peer_host "$i")" \
      --arg operationsEndpoint "$(org_address "$i"):$(peer_operations_port "$i")" \
      --arg chaincodeServerAddress "$(org_address "$i"):$(chaincode_server_port "$i")" \
      --arg caCertPath "$(org_ca_cert "$i")" \
      --arg tlsCaCertPath "$(org_tls_ca_cert "$i")" \
      --arg userMspPath "$(org_user_msp "$i" User1)" \
      --arg adminMspPath "$(org_user_msp "$i" Admin)" \
      '. + [{org: $org, mspId: $mspId, profilePath: $profilePath, peerEndpoint: $peerEndpoint,
        peerHostAlias: $peerHostAlias, operationsEndpoint: $operationsEndpoint,
        chaincodeServerAddress: $chaincodeServerAddress, caCertPath: $caCertPath,
        tlsCaCertPath: $tlsCaCertPath, userMspPath: $userMspPath, adminMspPath: $adminMspPath}]' \
      <<<"$orgs")
    if is_multihost; then
      orgs=$(multihost_org_fields "$i" <<<"$orgs")
    fi
  done
  for ((k = 1; k <= ORDERERS; k++)); do
    orderers=$(jq -c \
      --arg name "$(orderer_node_name "$k")" \
      --arg endpoint "$(orderer_address "$k"):$(orderer_port "$k")" \
      --arg hostAlias "$(orderer_host "$k")" \
      --arg adminEndpoint "$(orderer_address "$k"):$(orderer_admin_port "$k")" \
      --arg operationsEndpoint "$(orderer_address "$k"):$(orderer_operations_port "$k")" \
      '. + [{name: $name, endpoint: $endpoint, hostAlias: $hostAlias, adminEndpoint: $adminEndpoint,
        operationsEndpoint: $operationsEndpoint}]' <<<"$orderers")
  done
  local network
  network=$(jq -n \
    --arg channel "$CHANNEL_NAME" \
    --arg chaincode "$CHAINCODE_NAME" \
    --arg chaincodeVersion "${CHAINCODE_VERSION:-}" \
    --arg chaincodePackageId "${PACKAGE_ID:-}" \
    --arg stateDir "$STATE_DIR" \
    --argjson portBase "$PORT_BASE" \
    --arg ordererMspId OrdererMSP \
    --arg ordererCaCertPath "$(orderer_ca_cert)" \
    --arg ordererTlsCaCertPath "$(orderer_tls_ca_cert)" \
    --argjson orgs "$orgs" \
    --argjson orderers "$orderers" \
    '{channel: $channel, chaincode: $chaincode, chaincodeVersion: $chaincodeVersion,
      chaincodePackageId: $chaincodePackageId, stateDir: $stateDir, portBase: $portBase,
      orgs: $orgs,
      orderer: {mspId: $ordererMspId, caCertPath: $ordererCaCertPath,
        tlsCaCertPath: $ordererTlsCaCertPath, nodes: $orderers}}')
  if is_multihost; then
    jq --arg bridge "$(bridge_address)" --arg netns "$(orderer_netns)" \
      '. + {topology: "multihost", bridgeAddress: $bridge} | .orderer += {netns: $netns}' <<<"$network"
  else
    printf '%s\n' "$network"
  fi
}

# Where the multi-host topology puts an org (the last entry of the org list on stdin): its host's
# namespace and address, its CA, and the ports and TLS material its gateway, worker and database
# are meant to use on that host.
multihost_org_fields() {
  local i=$1 gateway_tls database_tls
  gateway_tls=$(org_gateway_tls_dir "$i")
  database_tls=$(org_database_tls_dir "$i")
  jq -c \
    --arg netns "$(org_netns "$i")" \
    --arg address "$(org_address "$i")" \
    --arg caUrl "$(ca_url "org$i")" \
    --arg caName "$(ca_name "org$i")" \
    --argjson gatewayPort "$(org_gateway_port "$i")" \
    --argjson workerPort "$(org_worker_port "$i")" \
    --argjson databasePort "$(org_database_port "$i")" \
    --arg gatewayCert "$gateway_tls/server.crt" \
    --arg gatewayKey "$gateway_tls/server.key" \
    --arg databaseCert "$database_tls/server.crt" \
    --arg databaseKey "$database_tls/server.key" \
    '.[-1] += {host: {netns: $netns, address: $address, caUrl: $caUrl, caName: $caName,
      gatewayPort: $gatewayPort, workerPort: $workerPort, databasePort: $databasePort,
      gatewayTls: {cert: $gatewayCert, key: $gatewayKey},
      databaseTls: {cert: $databaseCert, key: $databaseKey}}}'
}
