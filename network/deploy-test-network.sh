#!/usr/bin/env bash
# Deploys Corroborate's contract onto fabric-samples' test-network (Docker) as a chaincode
# service, with test-network's own `./network.sh deployCCAAS`, for members who run Docker rather
# than the process network of network.sh. Run `deploy-test-network.sh help` for the commands.
set -euo pipefail

NETWORK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$NETWORK_DIR")
# shellcheck source=scripts/lib.sh
. "$REPO_DIR/scripts/lib.sh"

CHAINCODE_NAME=corroborate
CHANNEL=${CHANNEL:-mychannel}
FABRIC_SAMPLES=${FABRIC_SAMPLES:-$(dirname "$REPO_DIR")/fabric-samples}
STATE_DIR=${CORROBORATE_HOME:-$REPO_DIR/.corroborate}/test-network

print_help() {
  cat <<EOF
Usage: deploy-test-network.sh <command> [--samples DIR] [--channel NAME]

Commands:
  up        start test-network with a channel: ./network.sh up createChannel -c CHANNEL
  deploy    compile the contract, prepare a chaincode-service image from it, and deploy it:
            ./network.sh deployCCAAS -ccn $CHAINCODE_NAME -ccp <image folder> -ccv <version> -c CHANNEL
            (test-network builds the image, runs one container per peer and commits the
            definition under the channel's default endorsement policy, a majority of the orgs)
  image     only prepare the image folder (for building the image yourself); prints its path
  init      InitParticipants with Org1MSP and Org2MSP, submitted by each org's admin (a
            strict majority of the two is both)
  profiles  write Corroborate connection profiles for test-network's orgs to
            $STATE_DIR/profiles
  down      stop test-network: ./network.sh down
  help      show this text

Environment:
  FABRIC_SAMPLES   fabric-samples clone (default: next to this repository, $FABRIC_SAMPLES)
  CHANNEL          channel name (default mychannel)

Typical use:
  network/deploy-test-network.sh up && network/deploy-test-network.sh deploy &&
    network/deploy-test-network.sh init && network/deploy-test-network.sh profiles
EOF
}

main() {
  local command=${1:-help}
  [ $# -gt 0 ] && shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --samples) FABRIC_SAMPLES=${2:?--samples needs a folder} && shift ;;
      --channel) CHANNEL=${2:?--channel needs a name} && shift ;;
      -h | --help) command=help ;;
      *) fatalln "unknown option '$1'" ;;
    esac
    shift
  done
  case "$command" in
    up) in_test_network ./network.sh up createChannel -c "$CHANNEL" ;;
    deploy) cmd_deploy ;;
    image)
      prepare_image "$STATE_DIR/image"
      printf '%s\n' "$STATE_DIR/image"
      ;;
    init) cmd_init ;;
    profiles) cmd_profiles ;;
    down) in_test_network ./network.sh down ;;
    help | -h | --help) print_help ;;
    *)
      print_help >&2
      fatalln "unknown command '$command'"
      ;;
  esac
}

test_network_dir() {
  local dir="$FABRIC_SAMPLES/test-network"
  [ -x "$dir/network.sh" ] ||
    fatalln "no test-network in $FABRIC_SAMPLES (clone hyperledger/fabric-samples and install its binaries with install-fabric.sh, or set FABRIC_SAMPLES)"
  printf '%s' "$dir"
}

in_test_network() {
  local dir
  dir=$(test_network_dir)
  (cd "$dir" && "$@")
}

# The image folder holds the compiled contract, a package.json whose dependencies are pinned to
# the versions this workspace tested, and a Dockerfile whose server takes the address and package
# id from the variables test-network's deployCCAAS sets on each container.
cmd_deploy() {
  test_network_dir >/dev/null
  command -v docker >/dev/null 2>&1 || fatalln "docker is required by test-network"
  local image_dir="$STATE_DIR/image" version
  prepare_image "$image_dir"
  version=$(contract_version "$image_dir")
  infoln "deploying $CHAINCODE_NAME $version to test-network channel '$CHANNEL'"
  in_test_network ./network.sh deployCCAAS -ccn "$CHAINCODE_NAME" -ccp "$image_dir" -ccv "$version" -c "$CHANNEL"
  successln "deployed; next: $0 init"
}

prepare_image() {
  local image_dir=$1
  infoln "compiling the contract (npx tsc -b chaincode)"
  (cd "$REPO_DIR" && npx --no-install tsc -b chaincode) || fatalln "the contract does not compile"
  rm -rf "$image_dir"
  mkdir -p "$image_dir"
  tar -C "$REPO_DIR/chaincode" --exclude='*.tsbuildinfo' -cf - dist protocol/dist | tar -C "$image_dir" -xf -
  write_image_package_json chaincode corroborate-chaincode >"$image_dir/package.json"
  write_image_package_json chaincode/protocol @corroborate/protocol >"$image_dir/protocol/package.json"
  write_dockerfile >"$image_dir/Dockerfile"
  printf 'node_modules\n' >"$image_dir/.dockerignore"
}

# A package.json for a workspace folder with its dependencies pinned to the installed versions;
# the protocol package travels beside the contract in the image (protocol/) as a file dependency.
write_image_package_json() {
  local folder=$1 name=$2 pinned='{}' dependency version
  for dependency in $(jq -r '.dependencies | keys[]' "$REPO_DIR/$folder/package.json"); do
    if [ "$dependency" = @corroborate/protocol ]; then
      version=file:./protocol
    else
      version=$(jq -r .version "$REPO_DIR/node_modules/$dependency/package.json" 2>/dev/null) ||
        fatalln "$dependency is not installed in the workspace (run npm ci)"
    fi
    pinned=$(jq --arg name "$dependency" --arg version "$version" '. + {($name): $version}' <<<"$pinned")
  done
  jq -n --argjson dependencies "$pinned" --arg name "$name" \
    --arg version "$(jq -r .version "$REPO_DIR/$folder/package.json")" \
    '{name: $name, version: $version, private: true, main: "dist/index.js",
      dependencies: $dependencies}'
}

write_dockerfile() {
  cat <<'EOF'
FROM node:20-bookworm-slim
WORKDIR /usr/src/app
COPY package.json ./
COPY protocol ./protocol
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY dist ./dist
ARG CC_SERVER_PORT=9999
EXPOSE ${CC_SERVER_PORT}
USER node
ENTRYPOINT ["sh", "-c", "exec node_modules/.bin/fabric-chaincode-node server --chaincode-address \"$CHAINCODE_SERVER_ADDRESS\" --chaincode-id \"$CHAINCODE_ID\""]
EOF
}

# The label test-network gives the package is <name>_<version>: naming the compiled code's digest
# makes a changed contract a new package.
contract_version() {
  local digest
  digest=$(
    cd "$1" && find . -type f | LC_ALL=C sort | while IFS= read -r file; do
      printf '%s\n' "$file"
      cat "$file"
    done | sha256_hex | cut -c 1-12
  )
  printf '%s_%s' "$(jq -r .version "$1/package.json")" "$digest"
}

# sha256sum on Linux, shasum on macOS.
sha256_hex() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum
  else
    shasum -a 256
  fi
}

# InitParticipants as each org's admin in turn, with test-network's documented peer CLI
# environment: the set is stored once a strict majority of the listed orgs (here both) asked.
cmd_init() {
  local dir orgs i port
  dir=$(test_network_dir)
  orgs="$dir/organizations"
  [ -d "$orgs/peerOrganizations" ] || fatalln "test-network has no crypto material; run: $0 up"
  for i in 1 2; do
    port=$((7051 + 2000 * (i - 1)))
    (
      cd "$dir"
      export PATH="$FABRIC_SAMPLES/bin:$PATH" FABRIC_CFG_PATH="$FABRIC_SAMPLES/config"
      export CORE_PEER_TLS_ENABLED=true CORE_PEER_LOCALMSPID="Org${i}MSP" CORE_PEER_ADDRESS="localhost:$port"
      export CORE_PEER_TLS_ROOTCERT_FILE="$orgs/peerOrganizations/org$i.example.com/peers/peer0.org$i.example.com/tls/ca.crt"
      export CORE_PEER_MSPCONFIGPATH="$orgs/peerOrganizations/org$i.example.com/users/Admin@org$i.example.com/msp"
      peer chaincode invoke -o localhost:7050 --ordererTLSHostnameOverride orderer.example.com --tls \
        --cafile "$orgs/ordererOrganizations/example.com/tlsca/tlsca.example.com-cert.pem" \
        -C "$CHANNEL" -n "$CHAINCODE_NAME" \
        --peerAddresses localhost:7051 \
        --tlsRootCertFiles "$orgs/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls/ca.crt" \
        --peerAddresses localhost:9051 \
        --tlsRootCertFiles "$orgs/peerOrganizations/org2.example.com/peers/peer0.org2.example.com/tls/ca.crt" \
        -c '{"Args":["InitParticipants","[\"Org1MSP\",\"Org2MSP\"]","0.5"]}' --waitForEvent
    ) || fatalln "InitParticipants as Org${i}MSP's admin failed (ALREADY_INITIALISED or DUPLICATE_APPROVAL means an earlier run did it)"
  done
  successln "participants Org1MSP and Org2MSP initialised on '$CHANNEL' by both orgs' admins"
}

# Profiles in the format network.sh writes, so the gateway and workers run unchanged against
# test-network. Works with cryptogen and with test-network's CAs (-ca), whose file names differ.
cmd_profiles() {
  local dir organizations i port domain
  dir=$(test_network_dir)
  organizations="$dir/organizations/peerOrganizations"
  [ -d "$organizations" ] || fatalln "test-network has no crypto material; run: $0 up"
  mkdir -p "$STATE_DIR/profiles"
  for i in 1 2 3; do
    domain="org$i.example.com"
    [ -d "$organizations/$domain" ] || continue
    case "$i" in
      1) port=7051 ;;
      2) port=9051 ;;
      3) port=11051 ;;
    esac
    jq -n \
      --arg org "org$i" \
      --arg mspId "Org${i}MSP" \
      --arg peerEndpoint "localhost:$port" \
      --arg peerHostAlias "peer0.$domain" \
      --arg tlsRootCertPath "$organizations/$domain/peers/peer0.$domain/tls/ca.crt" \
      --arg certPath "$(first_file "$organizations/$domain/users/User1@$domain/msp/signcerts")" \
      --arg keyPath "$(first_file "$organizations/$domain/users/User1@$domain/msp/keystore")" \
      --arg adminCertPath "$(first_file "$organizations/$domain/users/Admin@$domain/msp/signcerts")" \
      --arg adminKeyPath "$(first_file "$organizations/$domain/users/Admin@$domain/msp/keystore")" \
      --arg channel "$CHANNEL" \
      --arg chaincode "$CHAINCODE_NAME" \
      '{org: $org, mspId: $mspId, peerEndpoint: $peerEndpoint, peerHostAlias: $peerHostAlias,
        tlsRootCertPath: $tlsRootCertPath, certPath: $certPath, keyPath: $keyPath,
        adminCertPath: $adminCertPath, adminKeyPath: $adminKeyPath, channel: $channel,
        chaincode: $chaincode}' >"$STATE_DIR/profiles/org$i.json"
    infoln "wrote $STATE_DIR/profiles/org$i.json"
  done
}

first_file() {
  local file
  for file in "$1"/*; do
    if [ -f "$file" ]; then
      printf '%s' "$file"
      return 0
    fi
  done
  fatalln "no file in $1"
}

main "$@"
