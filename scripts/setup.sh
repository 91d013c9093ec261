#!/usr/bin/env bash
# Installs what Corroborate needs to run from a fresh clone and builds it: checks Node, installs
# the npm dependencies (better-sqlite3 is compiled from source), compiles the TypeScript and
# builds the dashboard (Vite).
# Fabric's binaries are built by network/network.sh when a network is first brought up.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
cd "$REPO_DIR"

command -v node >/dev/null 2>&1 || fatalln "Node.js 20.19 or newer is required"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fatalln "Node.js 20.19 or newer is required (found $(node --version))"

# The native module needs a compiler toolchain and Python for node-gyp.
missing_tools=()
for tool in make g++ python3; do
  command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool")
done
if [ ${#missing_tools[@]} -gt 0 ]; then
  ensure_apt_packages build-essential python3
fi
# The network scripts need these; Debian ships them in these packages.
for tool in jq curl flock setsid; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    ensure_apt_packages jq curl util-linux
    break
  fi
done

stamp=node_modules/.corroborate-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -d node_modules/better-sqlite3/build ]; then
  infoln "installing npm dependencies (compiling better-sqlite3 from source takes about a minute)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

infoln "compiling TypeScript and building the dashboard"
npm run --silent build
