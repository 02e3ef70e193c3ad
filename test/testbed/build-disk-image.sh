#!/usr/bin/env bash
# Build (or reuse) a raw disk image holding the golden test-bed tree, for `disk:` targets.
#
# Usage: build-disk-image.sh [ROOTFS]
#   ROOTFS defaults to the golden image root printed by build-image.sh (built first if needed).
#
# The disk (GPT, fixed GUIDs so a rebuild is the same layout):
#   partition 1  /boot  ext4, label testbed-boot, holding the tree's /boot plus the marker file
#                       /boot/driftspec-boot-partition (only visible when the partition is mounted)
#   partition 2  /      ext4, label testbed-root, GPT type "Linux root (x86-64)", the rest of the tree;
#                       its /etc/fstab names partition 1 by UUID as /boot
# Nothing is mounted while building: each file system is made in a file by `mke2fs -d` and copied
# into the disk at its partition's offset.
#
# Cached under /var/cache/driftspec-testbed/disk-<hash of this script and the rootfs marker>/disk.raw,
# built in a temporary sibling directory, renamed into place and marked complete (.complete).
# Progress goes to stderr; the last line on stdout is the disk image's path.
# Requires root and: sfdisk (fdisk), mke2fs (e2fsprogs), truncate, dd.
set -euo pipefail

log() { printf 'build-disk-image: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root"; exit 1
fi
for tool in sfdisk mke2fs truncate dd; do
  command -v "$tool" >/dev/null 2>&1 || { log "missing $tool (apt-get install fdisk e2fsprogs coreutils)"; exit 1; }
done

here=$(cd "$(dirname "$0")" && pwd)
ROOTFS=${1:-$("$here/build-image.sh" | tail -n 1)}
ROOTFS=${ROOTFS%/}
[ -d "$ROOTFS" ] || { log "$ROOTFS is not a directory"; exit 1; }

DISK_GUID=6b1e2f40-6d0a-4c47-9a52-2d1f0e7c0001
BOOT_PARTUUID=6b1e2f40-6d0a-4c47-9a52-2d1f0e7c0002
ROOT_PARTUUID=6b1e2f40-6d0a-4c47-9a52-2d1f0e7c0003
BOOT_UUID=6b1e2f40-6d0a-4c47-9a52-2d1f0e7c0b00
ROOT_UUID=6b1e2f40-6d0a-4c47-9a52-2d1f0e7c0a00
LINUX_FS_TYPE=0FC63DAF-8483-4772-8E79-3D69D8477DE4
ROOT_X86_64_TYPE=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
BOOT_MIB=64

# The tree's marker changes whenever build-image.sh rebuilds it; this script's text covers the layout.
marker=$(cat "$(dirname "$ROOTFS")/.complete" 2>/dev/null || printf 'no marker')
hash=$( { cat "$0"; printf '%s\n' "$ROOTFS" "$marker"; } | sha256sum | cut -c1-12)
IMAGE_DIR=/var/cache/driftspec-testbed/disk-$hash
DISK=$IMAGE_DIR/disk.raw

if [ -f "$IMAGE_DIR/.complete" ] && [ -f "$DISK" ]; then
  log "reusing cached disk $DISK"
  printf '%s\n' "$DISK"
  exit 0
fi
if [ -e "$IMAGE_DIR" ]; then
  log "$IMAGE_DIR exists but is not a complete disk: remove it first"; exit 1
fi

mkdir -p "$(dirname "$IMAGE_DIR")"
TMP=$(mktemp -d "$(dirname "$IMAGE_DIR")/.build-$(basename "$IMAGE_DIR").XXXXXX")
cleanup() {
  if [ -n "${TMP:-}" ] && [ -d "$TMP" ]; then
    log "removing unfinished build $TMP"
    rm -rf --one-file-system "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
root_mib=$(( $(du -sm --apparent-size "$ROOTFS" | cut -f1) * 3 / 2 + 128 ))

log "copying $ROOTFS into staging trees"
mkdir "$TMP/root" "$TMP/boot"
cp -a "$ROOTFS/." "$TMP/root/"
if [ -d "$TMP/root/boot" ]; then
  cp -a "$TMP/root/boot/." "$TMP/boot/"
  find "$TMP/root/boot" -mindepth 1 -delete
else
  install -d -m 755 "$TMP/root/boot"
fi
printf 'on the boot partition of the driftspec test disk\n' > "$TMP/boot/driftspec-boot-partition"
cat > "$TMP/root/etc/fstab" <<EOF
UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1
UUID=$BOOT_UUID /boot ext4 defaults 0 2
EOF

log "making the file systems (boot ${BOOT_MIB} MiB, root ${root_mib} MiB)"
mke2fs -q -t ext4 -L testbed-boot -U "$BOOT_UUID" -d "$TMP/boot" "$TMP/boot.ext4" "${BOOT_MIB}M" >&2
mke2fs -q -t ext4 -L testbed-root -U "$ROOT_UUID" -d "$TMP/root" "$TMP/root.ext4" "${root_mib}M" >&2

log "partitioning $TMP/disk.raw"
truncate -s "$(( 1 + BOOT_MIB + root_mib + 1 ))M" "$TMP/disk.raw"
sfdisk --quiet --wipe always "$TMP/disk.raw" >&2 <<EOF
label: gpt
label-id: $DISK_GUID
unit: sectors

start=2048, size=$(( BOOT_MIB * 2048 )), type=$LINUX_FS_TYPE, uuid=$BOOT_PARTUUID, name=boot
start=$(( (1 + BOOT_MIB) * 2048 )), size=$(( root_mib * 2048 )), type=$ROOT_X86_64_TYPE, uuid=$ROOT_PARTUUID, name=root
EOF
dd if="$TMP/boot.ext4" of="$TMP/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$TMP/root.ext4" of="$TMP/disk.raw" bs=1M seek=$(( 1 + BOOT_MIB )) conv=notrunc,sparse status=none
rm -rf --one-file-system "$TMP/root" "$TMP/boot" "$TMP/boot.ext4" "$TMP/root.ext4"

date -u +%Y-%m-%dT%H:%M:%SZ > "$TMP/.complete"
chmod 755 "$TMP"
mv -T "$TMP" "$IMAGE_DIR"
TMP=
log "built $DISK in $(( $(date +%s) - start )) s"
printf '%s\n' "$DISK"
