import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DiskLayoutError } from './layout.js';

const MAX_LINKS = 40;

/**
 * Where a path of the image is on the build machine, its links resolved inside the image root:
 * an absolute link such as `etc -> /srv/etc` means the image's `/srv/etc`, never the build
 * machine's. The last component is followed only with `followLast`. Undefined when it does not exist.
 */
export function resolveInImage(root: string, path: string, followLast: boolean): string | undefined {
  const pending = path.split('/').filter((name) => name !== '' && name !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const onHost = join(root, ...resolved, name);
    let isLink: boolean;
    try {
      isLink = lstatSync(onHost).isSymbolicLink();
    } catch {
      return undefined;
    }
    if (isLink && (pending.length > 0 || followLast)) {
      if (++links > MAX_LINKS)
        throw new DiskLayoutError(`${path} in the root file system: more than ${MAX_LINKS} links`);
      const target = readlinkSync(onHost);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter((part) => part !== '' && part !== '.'));
      continue;
    }
    resolved.push(name);
  }
  return join(root, ...resolved);
}
