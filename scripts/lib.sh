#!/usr/bin/env bash
# Shared helpers for Corroborate's shell scripts: logging and failing with a clear message.
# Sourced, never executed.

infoln() { printf '\033[0;34m==>\033[0m %s\n' "$*" >&2; }
warnln() { printf '\033[0;33mwarning:\033[0m %s\n' "$*" >&2; }
successln() { printf '\033[0;32m✔\033[0m %s\n' "$*" >&2; }
fatalln() {
  printf '\033[0;31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# Runs apt-get install for the packages that are missing; only possible as root.
ensure_apt_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    fatalln "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
  fi
  infoln "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
