#!/usr/bin/env bash
# Stop an instance started by boot-instance.sh and remove its network namespace and veth.
#
# Usage: stop-instance.sh INDEX STATEDIR
# Sends SIGTERM to the systemd-nspawn PID recorded in STATEDIR/img<INDEX>/pid (nspawn asks systemd
# inside to power off cleanly; an image whose init is sysvinit gets SIGINT, its ctrl-alt-del, see
# boot-instance.sh) and repeats it every 5 s, because a SIGTERM that arrives while the
# container's systemd is still starting is lost. nspawn ends the container at once on the second
# SIGTERM: a shutdown that takes longer than 5 s (openrc's here) is cut short there. After 15 s
# the container's init (the child of nspawn; killing it ends the whole PID namespace) and nspawn
# get SIGKILL: killing only nspawn would leave the container's processes running. Safe to run
# twice. The upper dir and console log are left in STATEDIR for inspection; delete STATEDIR when
# done.
set -euo pipefail

log() { printf 'stop-instance: %s\n' "$*" >&2; }
if [ $# -ne 2 ]; then
  echo "usage: $0 INDEX STATEDIR" >&2; exit 2
fi
I=$1
STATEDIR=$2
case $I in
  ''|*[!0-9]*) log "INDEX must be a number 1..254"; exit 2 ;;
esac
NAME=img$I
DIR=${STATEDIR%/}/$NAME
status=0

alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
wait_gone() { # PID TENTHS
  local n=0
  while alive "$1" && [ "$n" -lt "$2" ]; do sleep 0.1; n=$((n + 1)); done
  ! alive "$1"
}

if [ -f "$DIR/pid" ]; then
  pid=$(cat "$DIR/pid")
  # Only signal the PID if it still is a systemd-nspawn (guards against PID reuse).
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = systemd-nspawn ]; then
    # The container's init: the child of nspawn (host view of its PID 1).
    init=$(ps -o pid= --ppid "$pid" 2>/dev/null | awk 'NR == 1 {print $1}')
    stopped=0
    for _ in 1 2 3; do
      kill -TERM "$pid" 2>/dev/null || true
      if wait_gone "$pid" 50; then stopped=1; break; fi
    done
    if [ "$stopped" -ne 1 ]; then
      log "$NAME (PID $pid) did not stop within 15 s: SIGKILL"
      [ -z "$init" ] || kill -KILL "$init" 2>/dev/null || true
      wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
      if ! wait_gone "$pid" 50; then log "PID $pid still alive"; status=1; fi
    fi
    if [ -n "$init" ] && alive "$init"; then
      kill -KILL "$init" 2>/dev/null || true
      wait_gone "$init" 50 || { log "container init $init still alive"; status=1; }
    fi
  fi
  [ "$status" -ne 0 ] || rm -f "$DIR/pid"
fi

if ip netns list | awk '{print $1}' | grep -qx "$NAME"; then
  ip netns del "$NAME" || status=1
fi
# Deleting the namespace destroys the veth pair asynchronously: it may vanish between the
# check and the delete, which is success, not failure.
if ip link show "vh-$NAME" >/dev/null 2>&1; then
  ip link del "vh-$NAME" 2>/dev/null || ! ip link show "vh-$NAME" >/dev/null 2>&1 || status=1
fi
exit "$status"
