#!/usr/bin/env bash
# The network's shape (orgs, orderers, ports) and where its state lives. Sourced by network.sh
# after scripts/lib.sh; every other file under network/scripts reads the names defined here.
#
# shellcheck disable=SC2034 # the names defined here are read by the other sourced files

# Port plan, relative to CORROBORATE_PORT_BASE (B, default 7000):
#   orderer k (1..ORDERERS)  B+10(k-1)     +0 client and Raft cluster, +1 admin, +2 operations
#   org i peer (1..ORGS)     B+100+10(i-1) +0 peer and gossip, +1 chaincode callbacks,
#                                          +2 operations, +3 the org's chaincode server,
#                                          +9 the org's baseline server (deploy-baseline only)
#   pprof, only with CORROBORATE_PPROF=1: orderer k B+10(k-1)+3, org i's peer B+190+i
#   npm run bench's own gateways and workers (loopback): org i's B+200+i and B+210+i
# and, on the multi-host topology only (every host has its own address, so these never collide):
#   orderer CA               B+90          +1 its operations
#   org i                    B+100+10(i-1) +4 the org's CA, +5 its operations, +6 the org's
#                                          gateway (HTTPS), +7 its worker, +8 its database
#
# Topologies: `loopback` (the default) runs every node on 127.0.0.1 with cryptogen's identities;
# `multihost` (network.sh up --multihost) gives the ordering service and each org a Linux network
# namespace of its own (a host with its own address on a bridge this script creates) and
# identities enrolled from one Fabric CA per org and one for the orderers.

CHANNEL_NAME=corroborate
CHAINCODE_NAME=corroborate
ORDERER_DOMAIN=example.com
DEFAULT_ORGS=3
DEFAULT_ORDERERS=1
DEFAULT_PORT_BASE=7000
DEFAULT_TOPOLOGY=loopback
# The multi-host topology's /24: .1 is the bridge (this machine), .10 the ordering service,
# .10+i org i. Nothing outside it is ever addressed.
DEFAULT_SUBNET=10.231.0

STATE_DIR=${CORROBORATE_HOME:-$REPO_DIR/.corroborate}/network
SETTINGS_FILE="$STATE_DIR/network.env"
CONFIG_DIR="$STATE_DIR/config"
CRYPTO_DIR="$STATE_DIR/crypto"
CHANNEL_BLOCK="$STATE_DIR/channel/$CHANNEL_NAME.block"
NODES_DIR="$STATE_DIR/nodes"
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"
PACKAGE_DIR="$STATE_DIR/chaincode"
BASELINE_PACKAGE_DIR="$STATE_DIR/chaincode-baseline"
PROFILE_DIR="$STATE_DIR/profiles"

# Settles ORGS, ORDERERS and PORT_BASE. A network that exists keeps the shape it was created with
# (its ports and members are written into the channel's genesis block); asking for another shape
# is an error rather than a silent reuse.
resolve_settings() {
  local requested_orgs=${ORGS:-} requested_orderers=${ORDERERS:-}
  local requested_port_base=${CORROBORATE_PORT_BASE:-}
  local requested_topology=${CORROBORATE_TOPOLOGY:-} requested_subnet=${CORROBORATE_SUBNET:-}
  if [ -f "$SETTINGS_FILE" ]; then
    local saved_orgs saved_orderers saved_port_base saved_topology saved_subnet
    saved_orgs=$(read_setting ORGS)
    saved_orderers=$(read_setting ORDERERS)
    saved_port_base=$(read_setting PORT_BASE)
    saved_topology=$(read_setting TOPOLOGY)
    saved_topology=${saved_topology:-$DEFAULT_TOPOLOGY}
    saved_subnet=$(read_setting SUBNET)
    assert_same_setting "ORGS (--orgs)" "$requested_orgs" "$saved_orgs"
    assert_same_setting "ORDERERS (--orderers)" "$requested_orderers" "$saved_orderers"
    assert_same_setting "CORROBORATE_PORT_BASE (--port-base)" "$requested_port_base" "$saved_port_base"
    assert_same_setting "CORROBORATE_TOPOLOGY (--multihost)" "$requested_topology" "$saved_topology"
    assert_same_setting "CORROBORATE_SUBNET" "$requested_subnet" "$saved_subnet"
    ORGS=$saved_orgs
    ORDERERS=$saved_orderers
    PORT_BASE=$saved_port_base
    TOPOLOGY=$saved_topology
    SUBNET=$saved_subnet
  else
    ORGS=${requested_orgs:-$DEFAULT_ORGS}
    ORDERERS=${requested_orderers:-$DEFAULT_ORDERERS}
    PORT_BASE=${requested_port_base:-$DEFAULT_PORT_BASE}
    TOPOLOGY=${requested_topology:-$DEFAULT_TOPOLOGY}
    SUBNET=''
    [ "$TOPOLOGY" = multihost ] && SUBNET=${requested_subnet:-$DEFAULT_SUBNET}
  fi
  case "$TOPOLOGY" in
    loopback) ;;
    multihost)
      [[ $SUBNET =~ ^10\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
        fatalln "CORROBORATE_SUBNET must be the first three octets of a private 10.x.y.0/24, not '$SUBNET'"
      ;;
    *) fatalln "CORROBORATE_TOPOLOGY must be loopback or multihost, not '$TOPOLOGY'" ;;
  esac
  assert_integer_between ORGS "$ORGS" 1 9
  assert_integer_between ORDERERS "$ORDERERS" 1 9
  assert_integer_between CORROBORATE_PORT_BASE "$PORT_BASE" 1024 65300
  if [ $((ORDERERS % 2)) -eq 0 ]; then
    warnln "ORDERERS=$ORDERERS: an even number of Raft nodes tolerates no more failures than one fewer"
  fi
}

read_setting() {
  sed -n "s/^$1=//p" "$SETTINGS_FILE" | tail -n 1
}

assert_same_setting() {
  local name=$1 requested=$2 saved=$3
  if [ -n "$requested" ] && [ "$requested" != "$saved" ]; then
    fatalln "the network in $STATE_DIR was created with $name=$saved, not $requested; use the same value, or run 'network.sh down --purge' first"
  fi
}

assert_integer_between() {
  local name=$1 value=$2 low=$3 high=$4
  if ! [[ $value =~ ^[0-9]+$ ]] || [ "$value" -lt "$low" ] || [ "$value" -gt "$high" ]; then
    fatalln "$name must be an integer from $low to $high, not '$value'"
  fi
}

# The loopback topology's file is unchanged from before topologies existed.
save_settings() {
  mkdir -p "$STATE_DIR"
  {
    printf 'ORGS=%s\nORDERERS=%s\nPORT_BASE=%s\n' "$ORGS" "$ORDERERS" "$PORT_BASE"
    if is_multihost; then
      printf 'TOPOLOGY=%s\nSUBNET=%s\n' "$TOPOLOGY" "$SUBNET"
    fi
  } >"$SETTINGS_FILE"
}

is_multihost() { [ "${TOPOLOGY:-$DEFAULT_TOPOLOGY}" = multihost ]; }

# Where a node listens and is dialled: 127.0.0.1, or its host's address on the bridge.
orderer_address() {
  if is_multihost; then printf '%s.10' "$SUBNET"; else printf '127.0.0.1'; fi
}
org_address() {
  if is_multihost; then printf '%s.%s' "$SUBNET" $((10 + $1)); else printf '127.0.0.1'; fi
}

# Names and ports. Orgs and orderers are numbered from 1.
org_name() { printf 'org%s' "$1"; }
org_msp_id() { printf 'Org%sMSP' "$1"; }
org_domain() { printf 'org%s.example.com' "$1"; }
peer_host() { printf 'peer0.org%s.example.com' "$1"; }
peer_node_name() { printf 'peer0.org%s' "$1"; }
chaincode_node_name() { printf 'chaincode.org%s' "$1"; }
baseline_node_name() { printf 'baseline.org%s' "$1"; }
peer_port() { printf '%s' $((PORT_BASE + 100 + 10 * ($1 - 1))); }
peer_chaincode_port() { printf '%s' $(($(peer_port "$1") + 1)); }
peer_operations_port() { printf '%s' $(($(peer_port "$1") + 2)); }
chaincode_server_port() { printf '%s' $(($(peer_port "$1") + 3)); }
org_ca_port() { printf '%s' $(($(peer_port "$1") + 4)); }
org_gateway_port() { printf '%s' $(($(peer_port "$1") + 6)); }
org_worker_port() { printf '%s' $(($(peer_port "$1") + 7)); }
org_database_port() { printf '%s' $(($(peer_port "$1") + 8)); }
baseline_server_port() { printf '%s' $(($(peer_port "$1") + 9)); }
peer_pprof_port() { printf '%s' $((PORT_BASE + 190 + $1)); }

orderer_host() { printf 'orderer%s.%s' "$1" "$ORDERER_DOMAIN"; }
orderer_node_name() { printf 'orderer%s' "$1"; }
orderer_port() { printf '%s' $((PORT_BASE + 10 * ($1 - 1))); }
orderer_admin_port() { printf '%s' $(($(orderer_port "$1") + 1)); }
orderer_operations_port() { printf '%s' $(($(orderer_port "$1") + 2)); }
orderer_pprof_port() { printf '%s' $(($(orderer_port "$1") + 3)); }
orderer_ca_port() { printf '%s' $((PORT_BASE + 90)); }

# Crypto material laid out by cryptogen.
org_dir() { printf '%s/peerOrganizations/%s' "$CRYPTO_DIR" "$(org_domain "$1")"; }
peer_dir() { printf '%s/peers/%s' "$(org_dir "$1")" "$(peer_host "$1")"; }
org_tls_ca_cert() { printf '%s/tlsca/tlsca.%s-cert.pem' "$(org_dir "$1")" "$(org_domain "$1")"; }
org_ca_cert() { printf '%s/ca/ca.%s-cert.pem' "$(org_dir "$1")" "$(org_domain "$1")"; }
org_user_msp() { printf '%s/users/%s@%s/msp' "$(org_dir "$1")" "$2" "$(org_domain "$1")"; }
chaincode_server_tls_dir() { printf '%s/peers/chaincode.%s/tls' "$(org_dir "$1")" "$(org_domain "$1")"; }
orderer_org_dir() { printf '%s/ordererOrganizations/%s' "$CRYPTO_DIR" "$ORDERER_DOMAIN"; }
orderer_dir() { printf '%s/orderers/%s' "$(orderer_org_dir)" "$(orderer_host "$1")"; }
orderer_tls_ca_cert() { printf '%s/tlsca/tlsca.%s-cert.pem' "$(orderer_org_dir)" "$ORDERER_DOMAIN"; }
orderer_ca_cert() { printf '%s/ca/ca.%s-cert.pem' "$(orderer_org_dir)" "$ORDERER_DOMAIN"; }
orderer_admin_tls_dir() { printf '%s/users/Admin@%s/tls' "$(orderer_org_dir)" "$ORDERER_DOMAIN"; }

# Exports what the peer CLI needs to act as an org's admin against that org's peer.
use_org_admin() {
  export FABRIC_CFG_PATH="$CONFIG_DIR"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_LOCALMSPID
  CORE_PEER_LOCALMSPID=$(org_msp_id "$1")
  export CORE_PEER_MSPCONFIGPATH
  CORE_PEER_MSPCONFIGPATH=$(org_user_msp "$1" Admin)
  export CORE_PEER_TLS_ROOTCERT_FILE
  CORE_PEER_TLS_ROOTCERT_FILE=$(org_tls_ca_cert "$1")
  export CORE_PEER_ADDRESS
  CORE_PEER_ADDRESS=$(org_address "$1"):$(peer_port "$1")
}

# Arguments that point a peer CLI command at the first orderer over TLS.
orderer_args() {
  printf '%s\n' -o "$(orderer_address 1):$(orderer_port 1)" --tls --cafile "$(orderer_tls_ca_cert)"
}
