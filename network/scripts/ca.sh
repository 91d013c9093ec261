#!/usr/bin/env bash
# Identities from Fabric CA, for the multi-host topology: one CA per org and one for the
# ordering service, each on its own host, as fabric-samples' test-network does with `-ca`. Every
# node, admin and user is registered with a type (peer, orderer, admin, client), so its
# certificate carries that NodeOU, and enrolled twice where it serves TLS (its MSP, then the
# `tls` profile with its host names). The result is laid out as cryptogen lays it out, so the
# rest of network/ reads it unchanged. Sourced by network.sh after env.sh, processes.sh and
# hosts.sh.
# shellcheck disable=SC2153 # ORGS, ORDERERS and the paths come from env.sh

CA_DIR="$STATE_DIR/ca"

require_fabric_ca() {
  FABRIC_CA_BIN=$(bash "$REPO_DIR/scripts/install-fabric-ca.sh") || fatalln "Fabric CA's binaries are not available (see above)"
}

# A CA is named by its owner: org1, org2, ..., or orderer.
ca_node_name() { printf 'ca.%s' "$1"; }
ca_name() { printf 'ca-%s' "$1"; }
ca_home() { printf '%s/%s/server' "$CA_DIR" "$1"; }
ca_client_home() { printf '%s/%s/registrar' "$CA_DIR" "$1"; }
ca_cert() { printf '%s/ca-cert.pem' "$(ca_home "$1")"; }
ca_address() {
  case "$1" in
    orderer) orderer_address 1 ;;
    *) org_address "${1#org}" ;;
  esac
}
ca_port() {
  case "$1" in
    orderer) orderer_ca_port ;;
    *) org_ca_port "${1#org}" ;;
  esac
}
ca_netns() {
  case "$1" in
    orderer) orderer_netns ;;
    *) org_netns "${1#org}" ;;
  esac
}
ca_domain() {
  case "$1" in
    orderer) printf '%s' "$ORDERER_DOMAIN" ;;
    *) org_domain "${1#org}" ;;
  esac
}
ca_url() { printf 'https://%s:%s' "$(ca_address "$1")" "$(ca_port "$1")"; }

# Creates crypto material from the CAs: starts each CA that is not running and enrols every owner
# that is not complete yet. An owner left incomplete by an interrupted run starts again from a
# fresh CA, since its CA would refuse to register the same identities twice.
ensure_ca_crypto() {
  local i
  require_fabric_ca
  mkdir -p "$CA_DIR"
  chmod 700 "$CA_DIR"
  if [ ! -f "$(orderer_org_dir)/.complete" ]; then
    [ -d "$NODES_DIR" ] && fatalln "$STATE_DIR holds ledger data but the orderers' identities are incomplete; run 'network.sh down --purge' to start afresh"
    reset_ca orderer
    start_ca orderer
    enrol_orderer_org
  fi
  start_ca orderer
  for ((i = 1; i <= ORGS; i++)); do
    ensure_org_crypto "$i"
  done
  touch "$CRYPTO_DIR/.complete"
}

ensure_org_crypto() {
  local i=$1
  if [ ! -f "$(org_dir "$i")/.complete" ]; then
    [ -d "$NODES_DIR/$(peer_node_name "$i")" ] && fatalln "$STATE_DIR holds org$i's ledger but not its identities; run 'network.sh down --purge' to start afresh"
    reset_ca "org$i"
    start_ca "org$i"
    enrol_org "$i"
  fi
  start_ca "org$i"
}

reset_ca() {
  stop_process "$(ca_node_name "$1")"
  rm -rf "${CA_DIR:?}/$1"
}

# The CA's bootstrap registrar gets a random password, kept only in the CA's own files.
start_ca() {
  local owner=$1 name home address port env
  name=$(ca_node_name "$owner")
  running_pid "$name" >/dev/null && return 0
  home=$(ca_home "$owner")
  address=$(ca_address "$owner")
  port=$(ca_port "$owner")
  mkdir -p "$home"
  chmod 700 "$(dirname "$home")"
  env=(
    "FABRIC_CA_HOME=$home"
    "FABRIC_CA_SERVER_CA_NAME=$(ca_name "$owner")"
    "FABRIC_CA_SERVER_ADDRESS=$address"
    "FABRIC_CA_SERVER_PORT=$port"
    "FABRIC_CA_SERVER_TLS_ENABLED=true"
    "FABRIC_CA_SERVER_CSR_CN=ca.$(ca_domain "$owner")"
    "FABRIC_CA_SERVER_CSR_HOSTS=ca.$(ca_domain "$owner"),$address"
    "FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS=127.0.0.1:$((port + 1))"
  )
  if [ ! -f "$home/fabric-ca-server-config.yaml" ]; then
    local password
    password=$(random_secret)
    printf 'admin:%s\n' "$password" >"$(dirname "$home")/bootstrap"
    chmod 600 "$(dirname "$home")/bootstrap"
    (cd "$home" && env "${env[@]}" "$FABRIC_CA_BIN/fabric-ca-server" init -b "admin:$password") \
      >"$LOG_DIR/$name-init.log" 2>&1 || fatalln "fabric-ca-server init for $owner failed; see $LOG_DIR/$name-init.log"
  fi
  assert_port_free "$port" "$name" "$address"
  infoln "starting $name on $address:$port"
  start_process "$name" "$home" --netns "$(ca_netns "$owner")" "${env[@]}" \
    -- "$FABRIC_CA_BIN/fabric-ca-server" start
  wait_for_ca "$owner"
}

wait_for_ca() {
  local owner=$1 name attempt
  name=$(ca_node_name "$owner")
  for ((attempt = 0; attempt < 120; attempt++)); do
    if curl -fsS --max-time 2 --cacert "$(ca_cert "$owner")" "$(ca_url "$owner")/cainfo" 2>/dev/null | grep -q '"success":true'; then
      return 0
    fi
    running_pid "$name" >/dev/null || fatalln "$name exited while starting; see $LOG_DIR/$name.log"
    sleep 0.25
  done
  fatalln "$name does not answer on $(ca_url "$owner")/cainfo after 30 s; see $LOG_DIR/$name.log"
}

random_secret() {
  head -c 18 /dev/urandom | base64 | tr '+/' '-_'
}

# fabric-ca-client against OWNER's CA, as its registrar.
ca_client() {
  local owner=$1
  shift
  FABRIC_CA_CLIENT_HOME=$(ca_client_home "$owner") "$FABRIC_CA_BIN/fabric-ca-client" "$@" \
    --caname "$(ca_name "$owner")" --tls.certfiles "$(ca_cert "$owner")" >>"$LOG_DIR/ca-client-$owner.log" 2>&1 ||
    fatalln "fabric-ca-client $1 against $(ca_name "$owner") failed; see $LOG_DIR/ca-client-$owner.log"
}

enrol_registrar() {
  local owner=$1 credentials
  credentials=$(cat "$(dirname "$(ca_home "$owner")")/bootstrap")
  rm -rf "$(ca_client_home "$owner")"
  mkdir -p "$(ca_client_home "$owner")"
  ca_client "$owner" enroll -u "https://$credentials@$(ca_address "$owner"):$(ca_port "$owner")"
}

# Registers ID with TYPE and enrols it into MSP_DIR; with TLS_DIR, also enrols a TLS
# certificate for HOSTS (comma-separated) there, named as cryptogen names it (ROLE server or
# client). The enrolment secret is random and used once.
enrol_identity() {
  local owner=$1 id=$2 type=$3 msp_dir=$4 tls_dir=${5:-} hosts=${6:-} role=${7:-server} secret url
  secret=$(random_secret)
  url="https://$id:$secret@$(ca_address "$owner"):$(ca_port "$owner")"
  ca_client "$owner" register -u "$(ca_url "$owner")" --id.name "$id" --id.secret "$secret" --id.type "$type"
  if [ -n "$msp_dir" ]; then
    rm -rf "$msp_dir"
    ca_client "$owner" enroll -u "$url" -M "$msp_dir" ${hosts:+--csr.hosts "$hosts"}
    normalise_msp "$msp_dir"
  fi
  if [ -n "$tls_dir" ]; then
    local staging="$tls_dir.enrol"
    rm -rf "$staging" "$tls_dir"
    ca_client "$owner" enroll -u "$url" -M "$staging" --enrollment.profile tls ${hosts:+--csr.hosts "$hosts"}
    mkdir -p "$tls_dir"
    cp "$(first_file "$staging/tlscacerts")" "$tls_dir/ca.crt"
    cp "$(first_file "$staging/signcerts")" "$tls_dir/$role.crt"
    cp "$(first_file "$staging/keystore")" "$tls_dir/$role.key"
    chmod 600 "$tls_dir/$role.key"
    rm -rf "$staging"
  fi
}

first_file() {
  local file
  for file in "$1"/*; do
    [ -f "$file" ] && printf '%s' "$file" && return 0
  done
  fatalln "no file in $1"
}

# One CA certificate named ca.pem, so that the NodeOU configuration can name it.
normalise_msp() {
  local msp=$1 cert
  cert=$(first_file "$msp/cacerts")
  [ "$cert" = "$msp/cacerts/ca.pem" ] || mv "$cert" "$msp/cacerts/ca.pem"
  rm -rf "$msp/IssuerPublicKey" "$msp/IssuerRevocationPublicKey" "$msp/user"
  write_node_ous >"$msp/config.yaml"
}

write_node_ous() {
  local ou
  printf 'NodeOUs:\n  Enable: true\n'
  for ou in Client:client Peer:peer Admin:admin Orderer:orderer; do
    printf '  %sOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: %s\n' "${ou%%:*}" "${ou#*:}"
  done
}

# An organisation's MSP folder: its CA as root of identities and of TLS, with NodeOUs.
write_org_msp() {
  local owner=$1 dir=$2 domain
  domain=$(ca_domain "$owner")
  mkdir -p "$dir/msp/cacerts" "$dir/msp/tlscacerts" "$dir/ca" "$dir/tlsca"
  cp "$(ca_cert "$owner")" "$dir/msp/cacerts/ca.pem"
  cp "$(ca_cert "$owner")" "$dir/msp/tlscacerts/ca.pem"
  cp "$(ca_cert "$owner")" "$dir/ca/ca.$domain-cert.pem"
  cp "$(ca_cert "$owner")" "$dir/tlsca/tlsca.$domain-cert.pem"
  write_node_ous >"$dir/msp/config.yaml"
}

enrol_orderer_org() {
  local dir k host
  dir=$(orderer_org_dir)
  infoln "enrolling the ordering service's identities from $(ca_name orderer)"
  rm -rf "$dir"
  enrol_registrar orderer
  write_org_msp orderer "$dir"
  for ((k = 1; k <= ORDERERS; k++)); do
    host=$(orderer_host "$k")
    enrol_identity orderer "orderer$k" orderer "$(orderer_dir "$k")/msp" "$(orderer_dir "$k")/tls" \
      "$host,$(orderer_address "$k")"
  done
  enrol_identity orderer ordereradmin admin "$dir/users/Admin@$ORDERER_DOMAIN/msp" \
    "$(orderer_admin_tls_dir)" "Admin@$ORDERER_DOMAIN" client
  touch "$dir/.complete"
}

# An org's peer, its chaincode server, gateway and database (TLS server certificates for the
# org's host), its admin and one user.
enrol_org() {
  local i=$1 owner dir domain address
  owner=$(org_name "$i")
  dir=$(org_dir "$i")
  domain=$(org_domain "$i")
  address=$(org_address "$i")
  infoln "enrolling $owner's identities from $(ca_name "$owner")"
  rm -rf "$dir"
  enrol_registrar "$owner"
  write_org_msp "$owner" "$dir"
  enrol_identity "$owner" peer0 peer "$(peer_dir "$i")/msp" "$(peer_dir "$i")/tls" "$(peer_host "$i"),$address"
  enrol_identity "$owner" chaincode peer '' "$(chaincode_server_tls_dir "$i")" "chaincode.$domain,$address"
  enrol_identity "$owner" gateway client '' "$(org_gateway_tls_dir "$i")" "gateway.$domain,$address"
  enrol_identity "$owner" database client '' "$(org_database_tls_dir "$i")" "database.$domain,$address"
  enrol_identity "$owner" "$owner-admin" admin "$(org_user_msp "$i" Admin)"
  enrol_identity "$owner" "$owner-user1" client "$(org_user_msp "$i" User1)"
  touch "$dir/.complete"
}

org_gateway_tls_dir() { printf '%s/gateway/tls' "$(org_dir "$1")"; }
org_database_tls_dir() { printf '%s/database/tls' "$(org_dir "$1")"; }
