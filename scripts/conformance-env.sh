#!/usr/bin/env bash
# Installs Schemathesis, the OpenAPI-driven fuzzer of the conformance suite, into a project-local
# virtual environment (<repo>/.corroborate/venv), from PyPI with python3's own venv and pip. It
# does so only when the environment is missing or holds another version than the pinned one, so
# that later runs cost nothing. Prints the path of the `schemathesis` command on stdout.
#
# Environment:
#   CORROBORATE_VENV  where the virtual environment lives (default <repo>/.corroborate/venv)
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"

# Pinned: a new release may add checks, and the suite must fail only because the gateway changed.
SCHEMATHESIS_VERSION=4.32.5
VENV=${CORROBORATE_VENV:-$REPO_DIR/.corroborate/venv}
STAMP=$VENV/.schemathesis-version

if [ -x "$VENV/bin/schemathesis" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$SCHEMATHESIS_VERSION" ]; then
  echo "$VENV/bin/schemathesis"
  exit 0
fi

command -v python3 >/dev/null || fatalln "python3 is needed for the conformance suite (Debian: apt-get install python3 python3-venv)"
if [ ! -x "$VENV/bin/python" ]; then
  infoln "creating a Python virtual environment for the conformance suite in $VENV"
  python3 -m venv "$VENV" || fatalln "python3 -m venv failed (Debian: apt-get install python3-venv)"
fi
infoln "installing Schemathesis $SCHEMATHESIS_VERSION from PyPI into $VENV (once; about a minute)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2 ||
  fatalln "installing Schemathesis failed"
echo "$SCHEMATHESIS_VERSION" >"$STAMP"
successln "Schemathesis $SCHEMATHESIS_VERSION installed"
echo "$VENV/bin/schemathesis"
