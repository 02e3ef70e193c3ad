import { imageTargetName, type ArchiveAddress } from '../address.js';
import { PreparedRootTarget } from '../prepared-root.js';
import { RootfsError } from '../rootfs.js';

/** A container image archive (`oci:`, `docker-archive:`), unpacked into a private directory and checked there. */
export function createArchiveTarget(address: ArchiveAddress, sudoRequested: boolean): PreparedRootTarget {
  return new PreparedRootTarget(
    imageTargetName(address),
    async () => {
      throw new RootfsError(`${address.kind} targets are not built yet`);
    },
    sudoRequested,
  );
}
