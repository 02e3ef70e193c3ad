#!/bin/sh
# The image gate Packer runs as a shell-local provisioner: driftspec checks the candidate (over the
# build's own SSH connection, or an image root before capture) and writes its reports as build
# artifacts. The exit status is driftspec's, so a failed gate fails the Packer build.
#
# Environment (the templates in this directory set it):
#   GATE_TARGET            ssh://USER@HOST:PORT of the build instance, or rootfs:/path of an image root
#   GATE_SPECS             spec files, separated by blanks (relative to Packer's working directory)
#   GATE_OUTPUT_DIR        where the reports go (made if missing)
#   GATE_DRIFTSPEC         the driftspec command (default: driftspec on PATH)
#   GATE_SSH_PRIVATE_KEY   the build's temporary private key (Packer's build.SSHPrivateKey), if any
#   GATE_SSH_KEY_FILE      otherwise: the private key file the build logs in with
#   GATE_KNOWN_HOSTS       a known_hosts file for the instance; without it its key is trusted on first
#                          contact, as Packer itself does with a fresh build instance
#   GATE_POLICY            a gate policy file (optional)
#   GATE_IMAGE_ID          recorded in the JUnit report (optional)
#   GATE_BASELINE          a snapshot to compare the candidate with: drift reports, drift blocks (optional)
#   GATE_DRIFT_IGNORE      an ignore file for that comparison (optional)
set -euf # -f: GATE_SPECS is split into words, never expanded as file patterns

fail_input() {
  printf 'driftspec gate: %s\n' "$*" >&2
  exit 78
}

case ${GATE_TARGET:-} in
  '') fail_input 'GATE_TARGET is empty: expected ssh://USER@HOST:PORT or rootfs:/path' ;;
  ssh://* | rootfs:*) ;;
  *) fail_input "GATE_TARGET $GATE_TARGET: expected ssh://USER@HOST:PORT or rootfs:/path" ;;
esac
[ -n "${GATE_SPECS:-}" ] || fail_input 'GATE_SPECS is empty: expected one or more spec files'
[ -n "${GATE_OUTPUT_DIR:-}" ] || fail_input 'GATE_OUTPUT_DIR is empty: expected the report folder'
for spec in $GATE_SPECS; do
  [ -f "$spec" ] || fail_input "spec file $spec (in GATE_SPECS) does not exist (working directory $(pwd))"
done
for optional in "${GATE_POLICY:-}" "${GATE_BASELINE:-}" "${GATE_DRIFT_IGNORE:-}" "${GATE_KNOWN_HOSTS:-}"; do
  [ -z "$optional" ] || [ -f "$optional" ] || fail_input "$optional does not exist"
done
driftspec=${GATE_DRIFTSPEC:-driftspec}
mkdir -p "$GATE_OUTPUT_DIR"

secrets=$(mktemp -d)
trap 'rm -rf "$secrets"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Connection options, as positional parameters (the one array a POSIX shell has).
set --
case $GATE_TARGET in
  ssh://*)
    if [ -n "${GATE_SSH_PRIVATE_KEY:-}" ]; then
      (umask 077 && printf '%s\n' "$GATE_SSH_PRIVATE_KEY" > "$secrets/build_key")
      set -- "$@" --identity "$secrets/build_key"
    elif [ -n "${GATE_SSH_KEY_FILE:-}" ]; then
      set -- "$@" --identity "$GATE_SSH_KEY_FILE"
    fi
    if [ -n "${GATE_KNOWN_HOSTS:-}" ]; then
      set -- "$@" --known-hosts "$GATE_KNOWN_HOSTS"
    else
      : > "$secrets/known_hosts"
      set -- "$@" --known-hosts "$secrets/known_hosts" --accept-new-host-keys
    fi
    set -- "$@" --no-ssh-config
    ;;
esac
[ -z "${GATE_POLICY:-}" ] || set -- "$@" --policy "$GATE_POLICY"

run_status=0
# shellcheck disable=SC2086 # GATE_SPECS is a list of words
$driftspec run $GATE_SPECS --target "$GATE_TARGET" "$@" ${GATE_IMAGE_ID:+--image-id "$GATE_IMAGE_ID"} \
  --reporter cli \
  --reporter "junit:$GATE_OUTPUT_DIR/driftspec-junit.xml" \
  --reporter "html:$GATE_OUTPUT_DIR/driftspec-report.html" \
  --reporter "json:$GATE_OUTPUT_DIR/driftspec-run.json" || run_status=$?

drift_status=0
if [ -n "${GATE_BASELINE:-}" ]; then
  $driftspec drift --baseline "$GATE_BASELINE" "$GATE_TARGET" "$@" \
    ${GATE_DRIFT_IGNORE:+--ignore-file "$GATE_DRIFT_IGNORE"} \
    --reporter cli \
    --reporter "json:$GATE_OUTPUT_DIR/drift.json" \
    --reporter "html:$GATE_OUTPUT_DIR/drift-report.html" \
    --reporter "junit:$GATE_OUTPUT_DIR/drift-junit.xml" || drift_status=$?
fi

if [ "$run_status" -ne 0 ]; then
  printf 'driftspec gate: the candidate did not pass (driftspec run exited %s); reports in %s\n' \
    "$run_status" "$GATE_OUTPUT_DIR" >&2
  exit "$run_status"
fi
if [ "$drift_status" -ne 0 ]; then
  printf 'driftspec gate: the candidate drifted from %s (driftspec drift exited %s); reports in %s\n' \
    "$GATE_BASELINE" "$drift_status" "$GATE_OUTPUT_DIR" >&2
  exit "$drift_status"
fi
printf 'driftspec gate: passed; reports in %s\n' "$GATE_OUTPUT_DIR"
