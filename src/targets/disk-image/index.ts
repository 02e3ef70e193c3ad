import { imageTargetName, type DiskAddress } from '../address.js';
import { PreparedRootTarget } from '../prepared-root.js';
import { RootfsError } from '../rootfs.js';

/** A raw disk image (`disk:`), its partitions mounted read-only through a loop device and checked there. */
export function createDiskTarget(address: DiskAddress, sudoRequested: boolean): PreparedRootTarget {
  return new PreparedRootTarget(
    imageTargetName(address),
    async () => {
      throw new RootfsError('disk targets are not built yet');
    },
    sudoRequested,
  );
}
