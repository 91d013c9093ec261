#!/usr/bin/env bash
# The hosts of the multi-host topology: one Linux network namespace for the ordering service and
# one per org, each with its own address on a bridge of this machine, joined by veth pairs.
# Sourced by network.sh after env.sh. Every name made here carries the port base, so networks with
# other port bases never touch each other's, and only addresses inside SUBNET are configured: the
# namespaces have no default route, so nothing in them can reach anything but each other and the
# bridge.
# shellcheck disable=SC2153 # ORGS, PORT_BASE and SUBNET come from env.sh

host_prefix() { printf 'cb%s' "$PORT_BASE"; }
bridge_name() { printf '%sbr' "$(host_prefix)"; }
bridge_address() { printf '%s.1' "$SUBNET"; }
# A node's namespace, empty on the loopback topology (start_process then runs it here).
orderer_netns() {
  if is_multihost; then printf '%s-orderer' "$(host_prefix)"; fi
}
org_netns() {
  if is_multihost; then printf '%s-org%s' "$(host_prefix)" "$1"; fi
}
# The host-side end of a host's veth pair (interface names have at most 15 characters).
orderer_link() { printf '%sord' "$(host_prefix)"; }
org_link() { printf '%so%s' "$(host_prefix)" "$1"; }

require_multihost_tools() {
  [ "$(id -u)" -eq 0 ] || fatalln "the multi-host topology creates network namespaces and a bridge, which needs root"
  command -v ip >/dev/null 2>&1 || ensure_apt_packages iproute2
  ip netns list >/dev/null 2>&1 || fatalln "this machine does not allow network namespaces (ip netns list failed)"
}

# Creates the bridge and every host that is missing; existing ones are kept, so `up` after a
# crash resumes. The subnet must be free: an address of it on any other interface means someone
# else uses it.
ensure_hosts() {
  local bridge i
  bridge=$(bridge_name)
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    if ip -4 -o addr show | awk '{print $2, $4}' | grep -q " ${SUBNET//./\\.}\."; then
      fatalln "the subnet $SUBNET.0/24 is already used on this machine ($(ip -4 -o addr show | awk '{print $2, $4}' | grep " ${SUBNET//./\\.}\." | head -n 1)); set CORROBORATE_SUBNET to another 10.x.y for a new network"
    fi
    infoln "creating bridge $bridge ($(bridge_address)/24)"
    ip link add "$bridge" type bridge
    ip addr add "$(bridge_address)/24" dev "$bridge"
  fi
  ip link set "$bridge" up
  ensure_host "$(orderer_netns)" "$(orderer_address 1)" "$(orderer_link)"
  for ((i = 1; i <= ORGS; i++)); do
    ensure_host "$(org_netns "$i")" "$(org_address "$i")" "$(org_link "$i")"
  done
}

ensure_host() {
  local netns=$1 address=$2 link=$3
  if ! ip netns list | grep -q "^$netns\( \|$\)"; then
    infoln "creating host $netns ($address)"
    ip netns add "$netns"
  fi
  # A run killed before `down` can leave the host-side end of a pair whose namespace was removed
  # while a process still held it: the end stays, its peer is gone. Replace it.
  if ip link show "$link" >/dev/null 2>&1 && ! ip -n "$netns" link show eth0 >/dev/null 2>&1; then
    warnln "removing stale link $link (the other end is no longer in $netns)"
    ip link del "$link"
  fi
  if ! ip link show "$link" >/dev/null 2>&1; then
    ip -n "$netns" link del eth0 >/dev/null 2>&1 || true
    ip link add "$link" type veth peer name eth0 netns "$netns"
    ip link set "$link" master "$(bridge_name)"
    ip -n "$netns" addr add "$address/24" dev eth0
  fi
  ip link set "$link" up
  ip -n "$netns" link set lo up
  ip -n "$netns" link set eth0 up
}

# Removes every host and the bridge of this port base. A namespace whose processes still run
# (e.g. a gateway started by hand) disappears from the list at once and for good when they exit.
remove_hosts() {
  local netns bridge link
  bridge=$(bridge_name)
  for netns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$(host_prefix)-" || true); do
    ip netns del "$netns" 2>/dev/null || warnln "could not remove network namespace $netns"
  done
  # Host-side ends that outlived their namespace (see ensure_host); removing one removes its pair.
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^$(host_prefix)(o[0-9]+|ord)$" || true); do
    # The kernel removes a namespace's links lazily: one may vanish between the listing and here.
    ip link del "$link" 2>/dev/null || ! ip link show "$link" >/dev/null 2>&1 || warnln "could not remove link $link"
  done
  if ip link show "$bridge" >/dev/null 2>&1; then
    ip link del "$bridge" || warnln "could not remove bridge $bridge"
  fi
}

# Cuts or restores a host's only link to the others, as a pulled cable would.
set_host_link() {
  local host=$1 state=$2 link
  case "$host" in
    orderer) link=$(orderer_link) ;;
    org[1-9]) link=$(org_link "${host#org}") ;;
    *) fatalln "unknown host '$host' (orderer, org1, org2, ...)" ;;
  esac
  ip link show "$link" >/dev/null 2>&1 || fatalln "host $host has no link $link (is the network up?)"
  ip link set "$link" "$state"
}
