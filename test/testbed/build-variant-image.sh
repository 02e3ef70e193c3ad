#!/usr/bin/env bash
# Build (or reuse) a variant of the golden test bed image that differs from it by its package list:
# "the next image", for tests that compare two images.
#
# Usage: build-variant-image.sh GOLDEN_ROOTFS [--install PKG]... [--purge PKG]...
#   GOLDEN_ROOTFS  the path build-image.sh prints (GOLDEN_IMAGE_DIR/rootfs)
#   --install PKG  apt-get install --no-install-recommends PKG into the copy (repeatable)
#   --purge PKG    apt-get purge PKG from the copy (repeatable)
#
# The variant is a copy of the golden root filesystem (cp -a --reflink=auto) changed with apt-get
# in a chroot, cached in /var/cache/driftspec-testbed/variant-<hash>/ (hash of the golden image,
# the time it was built and the package changes), with the same layout as a golden image:
# rootfs/, the golden image's test key pair id_ed25519(.pub) and .complete. It is built in a
# temporary sibling directory and renamed into place, so an interrupted build never leaves a half
# image; reused when present. Progress goes to stderr; the last line on stdout is the rootfs path.
#
# apt-get first installs from the package lists the golden image was built with, so the packages
# it already has keep their versions; only when the mirror no longer carries those versions are
# the lists updated. Maintainer scripts may not start or stop services (a policy-rc.d forbids it
# for the build): the chroot shares the build machine's processes.
#
# Requires root and a working Debian mirror (the one in the golden image's sources.list).
set -euo pipefail

# Bump when the way a variant is prepared changes (invalidates the cache).
LAYOUT_VERSION=1

log() { printf 'build-variant-image: %s\n' "$*" >&2; }
usage() { echo "usage: $0 GOLDEN_ROOTFS [--install PKG]... [--purge PKG]..." >&2; exit 2; }

[ $# -ge 1 ] || usage
GOLDEN_ROOTFS=${1%/}
shift
INSTALL=()
PURGE=()
while [ $# -gt 0 ]; do
  case $1 in
    --install) [ $# -ge 2 ] || usage; INSTALL+=("$2"); shift 2 ;;
    --purge) [ $# -ge 2 ] || usage; PURGE+=("$2"); shift 2 ;;
    *) usage ;;
  esac
done
for pkg in ${INSTALL[@]+"${INSTALL[@]}"} ${PURGE[@]+"${PURGE[@]}"}; do
  # Package names as Debian allows them: they are handed to apt-get and written into a hash.
  [[ $pkg =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || { log "not a Debian package name: $pkg"; exit 2; }
done
if [ ${#INSTALL[@]} -eq 0 ] && [ ${#PURGE[@]} -eq 0 ]; then log "name at least one --install or --purge"; exit 2; fi

if [ "$(id -u)" -ne 0 ]; then log "must run as root"; exit 1; fi
GOLDEN_DIR=$(dirname "$GOLDEN_ROOTFS")
if [ ! -f "$GOLDEN_DIR/.complete" ] || [ ! -d "$GOLDEN_ROOTFS/etc" ] || [ ! -f "$GOLDEN_DIR/id_ed25519" ]; then
  log "no complete golden image at $GOLDEN_DIR (build it with build-image.sh)"; exit 1
fi

sorted() { [ $# -eq 0 ] || printf '%s\n' "$@" | LC_ALL=C sort -u | paste -sd, -; }
hash=$(printf '%s\n' "$LAYOUT_VERSION" "$(basename "$GOLDEN_DIR")" "$(cat "$GOLDEN_DIR/.complete")" \
  "install=$(sorted ${INSTALL[@]+"${INSTALL[@]}"})" "purge=$(sorted ${PURGE[@]+"${PURGE[@]}"})" \
  | sha256sum | cut -c1-12)
IMAGE_DIR=$(dirname "$GOLDEN_DIR")/variant-$hash
ROOTFS=$IMAGE_DIR/rootfs

complete() { [ -f "$IMAGE_DIR/.complete" ] && [ -d "$ROOTFS" ] && [ -f "$IMAGE_DIR/id_ed25519" ]; }
if complete; then
  log "reusing cached variant $IMAGE_DIR"
  printf '%s\n' "$ROOTFS"
  exit 0
fi
if [ -e "$IMAGE_DIR" ]; then
  log "$IMAGE_DIR exists but is not a complete image: remove it first"; exit 1
fi

TMP=$(mktemp -d "$(dirname "$IMAGE_DIR")/.build-$(basename "$IMAGE_DIR").XXXXXX")
R=$TMP/rootfs
unmount_proc() {
  if [ -n "${R:-}" ] && mountpoint -q "$R/proc" 2>/dev/null; then umount "$R/proc" || umount -l "$R/proc"; fi
}
cleanup() {
  unmount_proc
  if [ -n "${TMP:-}" ] && [ -d "$TMP" ]; then
    log "removing unfinished build $TMP"
    # --one-file-system: never into a mount that could not be undone.
    rm -rf --one-file-system "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
log "copying $GOLDEN_ROOTFS to $R"
cp -a --reflink=auto "$GOLDEN_ROOTFS" "$R"
cp -a "$GOLDEN_DIR/id_ed25519" "$GOLDEN_DIR/id_ed25519.pub" "$TMP/"

mount -t proc proc "$R/proc"
# The golden image has an empty resolv.conf (instances have no network); the build needs a resolver.
cat /etc/resolv.conf > "$R/etc/resolv.conf"
printf '%s\n' '#!/bin/sh' '# driftspec variant build: no service starts or stops in the chroot' 'exit 101' \
  > "$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"

# TMPDIR=/tmp: the caller's TMPDIR (a test run's private folder) is not there inside the image, and
# maintainer scripts that make temporary files (ca-certificates' mktemp) would fail.
in_chroot() { chroot "$R" env TMPDIR=/tmp DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
apt_quiet=(-q -y -o Dpkg::Use-Pty=0)
if [ ${#INSTALL[@]} -gt 0 ]; then
  log "apt-get install ${INSTALL[*]}"
  if ! in_chroot apt-get "${apt_quiet[@]}" install --no-install-recommends "${INSTALL[@]}" >&2; then
    log "installing from the golden image's package lists failed; updating them"
    in_chroot apt-get "${apt_quiet[@]}" update >&2
    in_chroot apt-get "${apt_quiet[@]}" install --no-install-recommends "${INSTALL[@]}" >&2
  fi
fi
if [ ${#PURGE[@]} -gt 0 ]; then
  log "apt-get purge ${PURGE[*]}"
  in_chroot apt-get "${apt_quiet[@]}" purge "${PURGE[@]}" >&2
fi
for pkg in ${INSTALL[@]+"${INSTALL[@]}"}; do
  [ "$(in_chroot dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] ||
    { log "$pkg is not installed after the build"; exit 1; }
done
for pkg in ${PURGE[@]+"${PURGE[@]}"}; do
  status=$(in_chroot dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ -z "$status" ] || [ "$status" = not-installed ] || { log "$pkg is still $status after the purge"; exit 1; }
done

# Leave the image as build-image.sh does: no resolver, no downloaded .debs, no build-only policy.
rm -f "$R/usr/sbin/policy-rc.d" "$R"/var/cache/apt/archives/*.deb
: > "$R/etc/resolv.conf"
unmount_proc

date -u +%Y-%m-%dT%H:%M:%SZ > "$TMP/.complete"
chmod 755 "$TMP"
if ! mv -T "$TMP" "$IMAGE_DIR" 2>/dev/null; then
  # Another build of the same variant finished first: use it.
  complete || { log "cannot move the build to $IMAGE_DIR"; exit 1; }
  log "another build finished $IMAGE_DIR first; using it"
else
  TMP=
  log "built $IMAGE_DIR in $(( $(date +%s) - start )) s"
fi
printf '%s\n' "$ROOTFS"
