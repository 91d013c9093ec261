#!/usr/bin/env bash
# Builds what the multi-host network (network.sh up --multihost) needs beyond
# scripts/install-fabric.sh: Hyperledger Fabric CA's fabric-ca-server and fabric-ca-client at a
# pinned release (every organisation and the ordering service enrol their identities from their
# own CA instead of cryptogen), and Fabric's configtxlator (channel configuration updates, for
# `network.sh add-org`), from the same Fabric release as the nodes. Cached outside the clone,
# keyed by version, so that a second run takes milliseconds.
#
# Usage: scripts/install-fabric-ca.sh            prints the bin directory on stdout
#        scripts/install-fabric-ca.sh --check    the same, but fails instead of building
# Environment:
#   FABRIC_CA_VERSION   1.5.15 (default)
#   FABRIC_VERSION      the Fabric release of configtxlator: 3.1.1 (default), as install-fabric.sh
#   FABRIC_CA_BIN_DIR   use these binaries instead of building (official release binaries work)
#   CORROBORATE_CACHE   cache root (default: ${XDG_CACHE_HOME:-~/.cache}/corroborate)
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"

FABRIC_CA_VERSION=${FABRIC_CA_VERSION:-1.5.15}
# Unlike Fabric, Fabric CA's releases are ordinary module versions.
case "$FABRIC_CA_VERSION" in
  1.5.15) ca_module_version=v1.5.15 ;;
  *) fatalln "unsupported FABRIC_CA_VERSION '$FABRIC_CA_VERSION' (supported: 1.5.15)" ;;
esac
FABRIC_VERSION=${FABRIC_VERSION:-3.1.1}
# The pseudo-versions of scripts/install-fabric.sh (Fabric's go.mod has no major suffix).
case "$FABRIC_VERSION" in
  3.1.1) fabric_module_version=v1.4.0-rc1.0.20250510200036-435a7f1a780a ;;
  3.1.5) fabric_module_version=v1.4.0-rc1.0.20260618074816-86c1172bec37 ;;
  2.5.16) fabric_module_version=v1.4.0-rc1.0.20260617221605-f871cf92a026 ;;
  *) fatalln "unsupported FABRIC_VERSION '$FABRIC_VERSION' (supported: 3.1.1, 3.1.5, 2.5.16)" ;;
esac

required_binaries=(fabric-ca-server fabric-ca-client configtxlator)

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  '') ;;
  *) fatalln "unknown option '$1' (usage: install-fabric-ca.sh [--check])" ;;
esac

if [ -n "${FABRIC_CA_BIN_DIR:-}" ]; then
  for bin in "${required_binaries[@]}"; do
    [ -x "$FABRIC_CA_BIN_DIR/$bin" ] || fatalln "FABRIC_CA_BIN_DIR=$FABRIC_CA_BIN_DIR has no executable '$bin'"
  done
  printf '%s\n' "$FABRIC_CA_BIN_DIR"
  exit 0
fi

cache_root=${CORROBORATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/corroborate}
# The suffix names the build recipe: bump it whenever the flags below change.
build_recipe=r1
target="$cache_root/fabric-ca-$FABRIC_CA_VERSION-$build_recipe"
marker="$target/.complete"
configtxlator_marker="$target/.configtxlator-$FABRIC_VERSION"

# configtxlator, a plain Go command, from the Fabric module the nodes are built from (already in
# Go's module cache after install-fabric.sh).
build_configtxlator() {
  local build_module="$target/build-configtxlator"
  rm -rf "$build_module"
  mkdir -p "$build_module"
  (
    cd "$build_module"
    go mod init corroborate.local/configtxlator-build >/dev/null 2>&1
    go mod edit -require="github.com/hyperledger/fabric@$fabric_module_version"
    infoln "building Fabric $FABRIC_VERSION's configtxlator"
    CGO_ENABLED=0 go build -mod=mod -trimpath -o "$target/bin/" github.com/hyperledger/fabric/cmd/configtxlator >&2
  ) || fatalln "building configtxlator failed (see the output above)"
  rm -rf "$build_module"
  touch "$configtxlator_marker"
}

if [ -f "$marker" ] && [ -f "$configtxlator_marker" ]; then
  printf '%s\n' "$target/bin"
  exit 0
fi

$check_only && fatalln "Fabric CA $FABRIC_CA_VERSION is not built yet (run: bash scripts/install-fabric-ca.sh)"
command -v go >/dev/null 2>&1 || fatalln "Go is required to build Fabric CA $FABRIC_CA_VERSION (install golang 1.26+, or set FABRIC_CA_BIN_DIR to official Fabric CA binaries)"
# The server's SQLite driver (mattn/go-sqlite3) is cgo, so a C compiler is needed.
command -v gcc >/dev/null 2>&1 || ensure_apt_packages gcc libc6-dev

export GOFLAGS=''
if [ -f "$marker" ]; then
  build_configtxlator
  printf '%s\n' "$target/bin"
  exit 0
fi

start=$(date +%s)
mkdir -p "$target/bin"
export CGO_ENABLED=1
ldflags="-X github.com/hyperledger/fabric-ca/lib/metadata.Version=$FABRIC_CA_VERSION"
# As for Fabric: the proxy may refuse the module's version list, which `go install pkg@version`
# asks for; a throwaway module that requires the exact version needs only that version.
build_module="$target/build-module"
rm -rf "$build_module"
mkdir -p "$build_module"
(
  cd "$build_module"
  go mod init corroborate.local/fabric-ca-build >/dev/null 2>&1
  infoln "building Fabric CA $FABRIC_CA_VERSION (fabric-ca-server, fabric-ca-client); the first build takes a few minutes on 2 cores"
  go get "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server@$ca_module_version" >&2
  go build -mod=mod -trimpath -ldflags "$ldflags" -o "$target/bin/" \
    github.com/hyperledger/fabric-ca/cmd/fabric-ca-server \
    github.com/hyperledger/fabric-ca/cmd/fabric-ca-client >&2
) || fatalln "building Fabric CA $FABRIC_CA_VERSION failed (see the output above; set FABRIC_CA_BIN_DIR to use official binaries instead)"
rm -rf "$build_module"

"$target/bin/fabric-ca-server" version >/dev/null || fatalln "the built fabric-ca-server does not run"
touch "$marker"
build_configtxlator
successln "Fabric CA $FABRIC_CA_VERSION built in $(($(date +%s) - start)) s, cached in $target"
printf '%s\n' "$target/bin"
