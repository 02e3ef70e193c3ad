#!/usr/bin/env bash
# Boot one copy-on-write instance of the golden image (or of a variant) with systemd-nspawn in its
# own network namespace, and wait until it answers SSH with a settled boot: systemd's state, or for
# an image whose /sbin/init is sysvinit's (with sysv-rc or openrc), a multi-user runlevel whose rc
# scripts have finished.
#
# Usage: boot-instance.sh [--no-wait] ROOTFS INDEX STATEDIR
#   --no-wait start the instance and return at once, without waiting for SSH or systemd (for
#             tests of a client that must cope with a machine still booting); prints "started"
#   ROOTFS    the path printed by build-image.sh (IMAGE_DIR/rootfs)
#   INDEX     1..254: netns img<INDEX>, instance address 10.231.<INDEX>.2, host side 10.231.<INDEX>.1
#   STATEDIR  directory for per-instance state; this script uses STATEDIR/img<INDEX>/:
#               upper/        overlay upper dir (everything the instance writes)
#               pid           PID of the systemd-nspawn process (used by stop-instance.sh)
#               console.log   console output of the container
#               known_hosts   built from the image's /etc/ssh/ssh_host_*_key.pub
#               ssh_config    ready-made client config: ssh -F STATEDIR/img<INDEX>/ssh_config root@10.231.<INDEX>.2
#
# Environment: DRIFTSPEC_TESTBED_KEY  private key (default: <dir of ROOTFS>/id_ed25519)
#              DRIFTSPEC_TESTBED_BOOT_TIMEOUT  seconds to wait for running/degraded (default 60)
#
# Progress goes to stderr; the last line on stdout is the system state (running or degraded),
# or "started" with --no-wait. Under sysvinit the state is "running" once the boot is settled.
# On failure the instance is stopped again (stop-instance.sh) and the exit code is non-zero.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log() { printf 'boot-instance: %s\n' "$*" >&2; }

WAIT=1
if [ "${1:-}" = --no-wait ]; then WAIT=0; shift; fi
if [ $# -ne 3 ]; then
  echo "usage: $0 [--no-wait] ROOTFS INDEX STATEDIR" >&2; exit 2
fi
ROOTFS=${1%/}
I=$2
STATEDIR=$3
case $I in
  ''|*[!0-9]*) log "INDEX must be a number 1..254"; exit 2 ;;
esac
if [ "$I" -lt 1 ] || [ "$I" -gt 254 ]; then log "INDEX must be 1..254"; exit 2; fi
if [ "$(id -u)" -ne 0 ]; then log "must run as root"; exit 1; fi
if [ ! -d "$ROOTFS/etc" ]; then log "no root filesystem at $ROOTFS"; exit 1; fi
KEY=${DRIFTSPEC_TESTBED_KEY:-$(dirname "$ROOTFS")/id_ed25519}
if [ ! -f "$KEY" ]; then log "no private key at $KEY"; exit 1; fi
TIMEOUT=${DRIFTSPEC_TESTBED_BOOT_TIMEOUT:-60}

NAME=img$I
ADDR=10.231.$I.2
HOSTADDR=10.231.$I.1
mkdir -p "$STATEDIR"
STATEDIR=$(cd "$STATEDIR" && pwd)
DIR=$STATEDIR/$NAME

if ip netns list | awk '{print $1}' | grep -qx "$NAME"; then
  log "network namespace $NAME already exists (instance running? stop it with stop-instance.sh $I $STATEDIR)"
  exit 1
fi
if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
  log "instance $NAME already running with PID $(cat "$DIR/pid")"; exit 1
fi

start_ns=$(date +%s%N)
ok=0
on_exit() {
  if [ "$ok" -ne 1 ]; then
    log "boot failed; last console lines:"
    tail -n 20 "$DIR/console.log" 2>/dev/null | sed 's/^/  | /' >&2 || true
    "$here/stop-instance.sh" "$I" "$STATEDIR" >&2 || true
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# Default of 128 inotify instances allows only ~18 systemd instances on one machine.
sysctl -qw fs.inotify.max_user_instances=4096

# Network: one namespace per instance, a veth pair into it.
ip netns add "$NAME"
ip link add "vh-$NAME" type veth peer name eth0 netns "$NAME"
ip addr add "$HOSTADDR/30" dev "vh-$NAME"
ip link set "vh-$NAME" up
ip netns exec "$NAME" ip addr add "$ADDR/30" dev eth0
ip netns exec "$NAME" ip link set eth0 up
ip netns exec "$NAME" ip link set lo up

# Per-instance state.
mkdir -p "$DIR/upper/etc"
printf '%s\n' "$NAME" > "$DIR/upper/etc/hostname"
# Like a Debian installer does: the host name resolves (sudo complains otherwise).
{ cat "$ROOTFS/etc/hosts" 2>/dev/null || printf '127.0.0.1\tlocalhost\n'; printf '127.0.1.1\t%s\n' "$NAME"; } \
  > "$DIR/upper/etc/hosts"
: > "$DIR/known_hosts"
for pub in "$ROOTFS"/etc/ssh/ssh_host_*_key.pub; do
  # "type base64 comment" -> "addr type base64"
  awk -v a="$ADDR" '{print a, $1, $2}' "$pub" >> "$DIR/known_hosts"
done
cat > "$DIR/ssh_config" <<CFG
Host $ADDR
  User root
  IdentityFile $KEY
  IdentitiesOnly yes
  UserKnownHostsFile $DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR
CFG

# The init the image boots: nspawn runs systemd where it is installed, /sbin/init otherwise.
# sysvinit ignores systemd's SIGRTMIN+3; SIGINT is its ctrl-alt-del, a clean shutdown by inittab
# (stop-instance.sh sends nspawn SIGTERM, which nspawn passes on as the kill signal).
if [ -x "$ROOTFS/usr/lib/systemd/systemd" ] || [ -x "$ROOTFS/lib/systemd/systemd" ]; then
  INIT=systemd
  init_options=()
  ready_command='systemctl is-system-running'
else
  INIT=sysvinit
  init_options=(--kill-signal=SIGINT)
  # Settled: a runlevel 2-5 and no rc script (sysv-rc's rc and startpar, openrc) still at work.
  # shellcheck disable=SC2016 # expanded by the instance's shell
  ready_command='set -- $(runlevel)
    case $2 in [2-5]) pgrep -x "rc|startpar|openrc" >/dev/null || echo running ;; esac'
fi

# CAP_NET_ADMIN in the instance's own network namespace, as root has on a real machine (iptables-save
# needs it); --network-namespace-path, unlike --private-network, does not grant it.
# Boot. Without a job-control shell the background child is not a process-group leader, so
# setsid does not fork and \$! is the PID of systemd-nspawn itself.
setsid systemd-nspawn --register=no --keep-unit -q -D "$ROOTFS" \
  --overlay="$ROOTFS:$DIR/upper:/" -M "$NAME" \
  --network-namespace-path="/run/netns/$NAME" --capability=CAP_NET_ADMIN \
  ${init_options[@]+"${init_options[@]}"} -b \
  > "$DIR/console.log" 2>&1 < /dev/null &
pid=$!
printf '%s\n' "$pid" > "$DIR/pid"
log "$NAME: systemd-nspawn PID $pid, address $ADDR, init $INIT"
if [ "$WAIT" -eq 0 ]; then
  ok=1
  printf 'started\n'
  exit 0
fi

# Wait for: ssh works and the init says running (or systemd degraded).
deadline=$(( $(date +%s) + TIMEOUT ))
state=
while :; do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "systemd-nspawn exited before the instance came up"; exit 1
  fi
  state=$(ssh -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=2 \
      -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$DIR/known_hosts" \
      -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
      "root@$ADDR" "$ready_command" 2>/dev/null) || true
  case $state in
    running|degraded) break ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "timed out after $TIMEOUT s (last state: ${state:-no answer})"; exit 1
  fi
  sleep 0.2
done
ok=1
log "$NAME is $state after $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"
printf '%s\n' "$state"
