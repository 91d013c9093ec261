#!/usr/bin/env bash
# `npm start`: installs what is missing, then runs the main job on the embedded defaults (see
# gateway/dev/src/start.ts). Pass --once to exit after printing the consensus result.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
bash "$SCRIPT_DIR/setup.sh"
exec node "$REPO_DIR/gateway/dev/dist/start.js" "$@"
