#!/usr/bin/env bash
# Builds Hyperledger Fabric's binaries (peer, orderer, configtxgen, cryptogen, osnadmin, discover) with
# `go install` at a pinned release, and caches them outside
# the clone, keyed by version, so that a second run takes seconds.
#
# Usage: scripts/install-fabric.sh            prints the bin directory on stdout
#        scripts/install-fabric.sh --check    the same, but fails instead of building
# Environment:
#   FABRIC_VERSION   3.1.1 (default: the newest release the Go module proxy serves here),
#                    3.1.5 or 2.5.16 where your proxy serves them
#   FABRIC_BIN_DIR   use these binaries instead of building (official release binaries work);
#                    FABRIC_CFG_DIR then names the folder holding core.yaml and orderer.yaml
#   CORROBORATE_CACHE  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/corroborate)
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"

FABRIC_VERSION=${FABRIC_VERSION:-3.1.1}
# Fabric's go.mod declares no major-version suffix, so a release is pinned by the pseudo-version
# of its tagged commit.
case "$FABRIC_VERSION" in
  3.1.1) fabric_module_version=v1.4.0-rc1.0.20250510200036-435a7f1a780a ;;
  3.1.5) fabric_module_version=v1.4.0-rc1.0.20260618074816-86c1172bec37 ;;
  2.5.16) fabric_module_version=v1.4.0-rc1.0.20260617221605-f871cf92a026 ;;
  *) fatalln "unsupported FABRIC_VERSION '$FABRIC_VERSION' (supported: 3.1.1, 3.1.5, 2.5.16)" ;;
esac

required_binaries=(peer orderer configtxgen cryptogen osnadmin discover)

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  '') ;;
  *) fatalln "unknown option '$1' (usage: install-fabric.sh [--check])" ;;
esac

if [ -n "${FABRIC_BIN_DIR:-}" ]; then
  for bin in "${required_binaries[@]}"; do
    [ -x "$FABRIC_BIN_DIR/$bin" ] || fatalln "FABRIC_BIN_DIR=$FABRIC_BIN_DIR has no executable '$bin'"
  done
  printf '%s\n' "$FABRIC_BIN_DIR"
  exit 0
fi

cache_root=${CORROBORATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/corroborate}
# The suffix names the build recipe: bump it whenever the flags below change, so that a cache
# built by an older recipe is not reused.
build_recipe=r3
target="$cache_root/fabric-$FABRIC_VERSION-$build_recipe"
marker="$target/.complete"

if [ -f "$marker" ]; then
  printf '%s\n' "$target/bin"
  exit 0
fi

$check_only && fatalln "Fabric $FABRIC_VERSION is not built yet (run: bash scripts/install-fabric.sh)"
command -v go >/dev/null 2>&1 || fatalln "Go is required to build Fabric $FABRIC_VERSION (install golang 1.26+, or set FABRIC_BIN_DIR to official Fabric binaries)"

start=$(date +%s)
mkdir -p "$target/bin" "$target/config"
export GOFLAGS='' CGO_ENABLED=0
# Stamp the release into the binaries as Fabric's Makefile does, so that `peer version` and the
# nodes' logs name the real release instead of "latest".
fabric_commit=${fabric_module_version##*-}
ldflags="-X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION"
ldflags+=" -X github.com/hyperledger/fabric/common/metadata.CommitSHA=$fabric_commit"
# `go install pkg@version` asks the proxy for the module's version list (to check deprecation),
# which some proxies refuse; building inside a throwaway module that requires the pinned version
# needs only that version.
build_module="$target/build-module"
rm -rf "$build_module"
mkdir -p "$build_module"
(
  cd "$build_module"
  go mod init corroborate.local/fabric-build >/dev/null 2>&1
  go mod edit -require="github.com/hyperledger/fabric@$fabric_module_version"
  infoln "building Fabric $FABRIC_VERSION (peer, orderer, configtxgen, cryptogen, osnadmin, discover); the first build takes about a minute on 2 cores, more if Go must download the modules first"
  go build -mod=mod -trimpath -ldflags "$ldflags" -o "$target/bin/" \
    github.com/hyperledger/fabric/cmd/peer \
    github.com/hyperledger/fabric/cmd/orderer \
    github.com/hyperledger/fabric/cmd/configtxgen \
    github.com/hyperledger/fabric/cmd/cryptogen \
    github.com/hyperledger/fabric/cmd/osnadmin \
    github.com/hyperledger/fabric/cmd/discover >&2
) || fatalln "building Fabric $FABRIC_VERSION failed (see the output above; set FABRIC_BIN_DIR to use official binaries instead)"
sampleconfig="$(go env GOMODCACHE)/github.com/hyperledger/fabric@$fabric_module_version/sampleconfig"
[ -d "$sampleconfig" ] || fatalln "Fabric's sampleconfig not found at $sampleconfig"
cp "$sampleconfig"/core.yaml "$sampleconfig"/orderer.yaml "$sampleconfig"/configtx.yaml "$target/config/"
chmod -R u+w "$target/config"

touch "$marker"
successln "Fabric $FABRIC_VERSION built in $(($(date +%s) - start)) s, cached in $target"
printf '%s\n' "$target/bin"
