#!/usr/bin/env bash
# Background processes owned by this network: start, find, stop, wait for health. Sourced by
# network.sh after env.sh.
#
# A process is ours only if its pid file names it AND its command line is the one we started AND
# its environment carries CORROBORATE_PROCESS=<state dir>#<name>. The pid alone is not enough:
# after a crash or reboot the pid may belong to anything, and we never signal what we did not
# start. The marker also lets us find our process again if its pid file was lost.
# shellcheck disable=SC2153 # ORGS, ORDERERS and the paths come from env.sh

PROCESS_MARKER_VAR=CORROBORATE_PROCESS

process_marker() { printf '%s#%s' "$STATE_DIR" "$1"; }

# Starts NAME in its own session, detached from the terminal, logging to logs/NAME.log; with
# --netns NS, inside that network namespace (a host of the multi-host topology; an empty NS is
# this machine's own network).
# Usage: start_process NAME WORKDIR [--netns NS] [VAR=value...] -- COMMAND [ARG...]
start_process() {
  local name=$1 workdir=$2
  shift 2
  local netns=()
  if [ "${1:-}" = --netns ]; then
    [ -n "${2:-}" ] && netns=(ip netns exec "$2")
    shift 2
  fi
  local environment=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    environment+=("$1")
    shift
  done
  [ "${1:-}" = "--" ] || fatalln "start_process $name: missing '--' before the command"
  shift
  local pid_file="$RUN_DIR/$name.pid" log_file="$LOG_DIR/$name.log"
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  rm -f "$pid_file"
  printf '%s\n' "$@" >"$RUN_DIR/$name.cmd"
  printf '\n=== %s starting %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$log_file"
  # The wrapper shell records its own pid, then becomes the command, so the pid file names the
  # node itself (not a parent that would outlive it).
  # shellcheck disable=SC2016 # $$ and $@ are the wrapper's own, not ours
  # fd 9 is network.sh's lock on the state folder: a node that inherited it would hold the lock
  # for its whole life.
  (
    exec 9>&-
    cd "$workdir" || exit 1
    exec env "${environment[@]}" "$PROCESS_MARKER_VAR=$(process_marker "$name")" \
      "${netns[@]}" setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" "$@"
  ) >>"$log_file" 2>&1 </dev/null &
  local attempt
  for ((attempt = 0; attempt < 50; attempt++)); do
    if [ -s "$pid_file" ] && is_our_process "$name" "$(cat "$pid_file")"; then
      return 0
    fi
    sleep 0.1
  done
  fatalln "$name did not start; see $log_file"
}

# True if PID is alive and is the process we started as NAME.
is_our_process() {
  local name=$1 pid=$2
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] && [ -f "$RUN_DIR/$name.cmd" ] || return 1
  [ "$(tr '\0' '\n' <"/proc/$pid/cmdline")" = "$(cat "$RUN_DIR/$name.cmd")" ] || return 1
  # The environment is readable for our own processes; refuse when we cannot check it.
  grep -qzxF "$PROCESS_MARKER_VAR=$(process_marker "$name")" "/proc/$pid/environ" 2>/dev/null
}

# Prints the pid of our running NAME and succeeds, or fails if it is not running. A stale pid
# file is removed; a lost one is rewritten from the process environment marker.
running_pid() {
  local name=$1 pid
  local pid_file="$RUN_DIR/$name.pid"
  if [ -f "$pid_file" ]; then
    pid=$(cat "$pid_file")
    if is_our_process "$name" "$pid"; then
      printf '%s' "$pid"
      return 0
    fi
    rm -f "$pid_file"
  fi
  for pid in $(marked_pids "$(process_marker "$name")"); do
    if is_our_process "$name" "$pid"; then
      printf '%s\n' "$pid" >"$pid_file"
      printf '%s' "$pid"
      return 0
    fi
  done
  return 1
}

# Pids of processes whose environment holds exactly the given marker.
marked_pids() {
  local marker=$1 environ
  for environ in /proc/[0-9]*/environ; do
    if grep -qzxF "$PROCESS_MARKER_VAR=$marker" "$environ" 2>/dev/null; then
      environ=${environ#/proc/}
      printf '%s\n' "${environ%/environ}"
    fi
  done
}

# Stops our NAME if it runs: SIGTERM, then SIGKILL after a grace period.
stop_process() {
  local name=$1 pid attempt
  if ! pid=$(running_pid "$name"); then
    rm -f "$RUN_DIR/$name.pid"
    return 0
  fi
  infoln "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((attempt = 0; attempt < 100; attempt++)); do
    is_our_process "$name" "$pid" || break
    sleep 0.1
  done
  if is_our_process "$name" "$pid"; then
    warnln "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# Fails with the name of the owner if a TCP port on 127.0.0.1 (or HOST) already accepts
# connections.
assert_port_free() {
  local port=$1 purpose=$2 host=${3:-127.0.0.1} owner
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
    owner=$(port_owner "$port")
    fatalln "port $port, needed for $purpose, is already in use${owner:+ by $owner}; stop that process or choose another CORROBORATE_PORT_BASE (for a new network)"
  fi
}

port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\),pid=\([0-9]*\).*/\1 (pid \2)/p' | head -n 1
}

# Waits until URL answers {"status":"OK"}, failing early if NAME's process exits.
wait_for_health() {
  local name=$1 url=$2 timeout=${3:-60} attempt
  for ((attempt = 0; attempt < timeout * 4; attempt++)); do
    if is_healthy "$url"; then
      return 0
    fi
    if ! running_pid "$name" >/dev/null; then
      tail -n 20 "$LOG_DIR/$name.log" >&2 || true
      fatalln "$name exited while starting; its log is $LOG_DIR/$name.log"
    fi
    sleep 0.25
  done
  fatalln "$name runs but $url did not report OK within $timeout s; see $LOG_DIR/$name.log"
}

is_healthy() {
  curl -fsS --max-time 2 "$1" 2>/dev/null | grep -q '"status":"OK"'
}

# Waits until something accepts TCP connections on 127.0.0.1:PORT, or HOST:PORT (chaincode
# servers have no health endpoint).
wait_for_port() {
  local name=$1 port=$2 timeout=${3:-60} host=${4:-127.0.0.1} attempt
  for ((attempt = 0; attempt < timeout * 4; attempt++)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
      return 0
    fi
    if ! running_pid "$name" >/dev/null; then
      tail -n 20 "$LOG_DIR/$name.log" >&2 || true
      fatalln "$name exited while starting; its log is $LOG_DIR/$name.log"
    fi
    sleep 0.25
  done
  fatalln "$name runs but does not listen on port $port after $timeout s; see $LOG_DIR/$name.log"
}
