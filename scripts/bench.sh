#!/usr/bin/env bash
# `npm run bench`: installs what is missing, then measures Corroborate against a raw Fabric write
# on the local network (see scripts/bench.ts; `npm run bench -- --help` lists the settings).
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
bash "$SCRIPT_DIR/setup.sh"
exec node --require tsx/cjs "$REPO_DIR/scripts/bench.ts" "$@"
