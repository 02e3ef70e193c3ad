import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { PreparedRoot } from './prepared-root.js';
import { RootfsError, requireImageRoot } from './rootfs.js';

/**
 * Characters systemd-nspawn cannot put in the overlay's mount options (`lowerdir=PATH,…`): a
 * root whose path holds one is refused by nspawn ("Failed to mount overlay").
 */
const OVERLAY_UNSAFE = /[,:'"\\]/;

export function needsSafePath(path: string): boolean {
  return OVERLAY_UNSAFE.test(path);
}

/**
 * The image root bound read-only at a private directory whose path nspawn can use; unbound and
 * removed by `release` (with the lock file nspawn keeps beside a directory it runs, should it have
 * been killed).
 */
export async function bindToSafePath(root: string): Promise<PreparedRoot> {
  requireImageRoot(root);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-rootfs-'));
  if (needsSafePath(work)) {
    rmSync(work, { recursive: true, force: true });
    throw new RootfsError(`the temporary directory ${work} holds a character systemd-nspawn cannot use; set TMPDIR`);
  }
  try {
    execFileSync('mount', ['--bind', '-o', 'ro', root, work], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    throw new RootfsError(`could not bind ${root} to a path systemd-nspawn can use: ${stderr || String(error)}`);
  }
  let released = false;
  return {
    path: work,
    release: () => {
      if (released) return;
      released = true;
      execFileSync('umount', [work], { stdio: 'ignore' });
      rmSync(work, { recursive: true, force: true });
      rmSync(join(dirname(work), `.#${basename(work)}.lck`), { force: true });
    },
  };
}
