import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  linkSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  chmodSync,
  type Stats,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { MemberError } from './errors.js';
import { memberAction, memberComponents, requireSymlinkInside } from './member-rules.js';
import type { TarEntry } from './tar-reader.js';

/** How much an image may expand to: a layer bomb is refused before it fills the disk. */
export interface ExpansionLimits {
  /** Bytes of file content over all layers. */
  maxBytes: number;
  /** Members over all layers. */
  maxMembers: number;
}

export const DEFAULT_EXPANSION_LIMITS: ExpansionLimits = { maxBytes: 32 * 1024 ** 3, maxMembers: 2_000_000 };

/** What the layers applied so far have used of the limits. */
export class ExpansionBudget {
  private bytes = 0;
  private members = 0;

  constructor(readonly limits: ExpansionLimits = DEFAULT_EXPANSION_LIMITS) {}

  spend(entry: TarEntry): void {
    this.members += 1;
    this.bytes += entry.size;
    if (this.members > this.limits.maxMembers)
      throw new MemberError(
        `the image has more than ${this.limits.maxMembers} members (the member-count limit; a layer bomb?)`,
        entry.path,
      );
    if (this.bytes > this.limits.maxBytes)
      throw new MemberError(
        `the image expands to more than ${formatBytes(this.limits.maxBytes)} of file content (the expansion ` +
          `limit; a layer bomb?): this member of ${entry.size} bytes brings it to ${this.bytes}`,
        entry.path,
      );
  }
}

function formatBytes(bytes: number): string {
  return bytes % 1024 ** 3 === 0 ? `${bytes / 1024 ** 3} GiB` : `${bytes} bytes`;
}

const NO_FOLLOW_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Applies one layer's members to the tree at `root`, in order: whiteouts delete, everything else
 * is written with its owner, mode and mtime. Nothing is ever written through a symlink: every
 * parent component is checked with lstat, and files are created with O_EXCL | O_NOFOLLOW.
 */
export async function applyLayer(root: string, entries: AsyncIterable<TarEntry>, budget: ExpansionBudget) {
  const layer = new LayerWriter(root);
  for await (const entry of entries) {
    budget.spend(entry);
    await layer.apply(entry);
  }
  layer.finishDirectories();
}

interface DirectoryMetadata {
  path: string[];
  entry: TarEntry;
}

class LayerWriter {
  /** Paths this layer wrote: an opaque marker keeps them and deletes only what lower layers left. */
  private readonly written = new Set<string>();
  /** Set last, once the directory's content is in place, so its mtime survives. */
  private readonly directories: DirectoryMetadata[] = [];

  constructor(private readonly root: string) {}

  async apply(entry: TarEntry): Promise<void> {
    const action = memberAction(entry.path);
    if (action.kind === 'remove') return this.remove(action.path, entry.path);
    if (action.kind === 'make-opaque') return this.makeOpaque(action.directory, entry.path);
    const path = action.path;
    if (path.length === 0) {
      if (entry.type !== 'directory') throw new MemberError('the image root itself is not a directory', entry.path);
      this.directories.push({ path, entry });
      return;
    }
    this.parentOf(path, entry.path, true);
    // Its directories count as this layer's too, written or not: an opaque marker keeps them.
    for (let depth = 1; depth <= path.length; depth++) this.written.add(path.slice(0, depth).join('/'));
    await this.write(path, entry);
  }

  finishDirectories(): void {
    for (const { path, entry } of this.directories.reverse()) {
      const absolute = this.absolute(path);
      if (path.length > 0) this.parentOf(path, entry.path, false);
      if (!lstatOrUndefined(absolute)?.isDirectory()) continue;
      lchownSync(absolute, entry.uid, entry.gid);
      chmodSync(absolute, entry.mode);
      lutimesSync(absolute, entry.mtime, entry.mtime);
    }
  }

  private async write(path: string[], entry: TarEntry): Promise<void> {
    const absolute = this.absolute(path);
    const existing = lstatOrUndefined(absolute);
    if (entry.type === 'directory') {
      if (!existing?.isDirectory()) {
        if (existing) rmSync(absolute, { recursive: true, force: true });
        mkdirSync(absolute, { mode: 0o700 });
      }
      this.directories.push({ path, entry });
      return;
    }
    if (existing) rmSync(absolute, { recursive: true, force: true });
    if (entry.type === 'file') return writeFile(absolute, entry);
    if (entry.type === 'symlink') {
      requireSymlinkInside(entry.path, path, entry.linkTarget);
      symlinkSync(entry.linkTarget, absolute);
      lchownSync(absolute, entry.uid, entry.gid);
      lutimesSync(absolute, entry.mtime, entry.mtime);
      return;
    }
    if (entry.type === 'hardlink') return this.hardLink(absolute, entry);
    throw new MemberError(`a ${entry.type.replace('-', ' ')} (device nodes and FIFOs are refused)`, entry.path);
  }

  private hardLink(absolute: string, entry: TarEntry): void {
    const target = memberComponents(entry.linkTarget, 'hard link target', entry.path);
    const outside = `a hard link to ${JSON.stringify(entry.linkTarget)}`;
    if (target.length === 0) throw new MemberError(`${outside}, the image root itself`, entry.path);
    this.parentOf(target, entry.path, false);
    const stats = lstatOrUndefined(this.absolute(target));
    if (!stats) throw new MemberError(`${outside}, which is not in the image (not extracted before it)`, entry.path);
    if (stats.isDirectory()) throw new MemberError(`${outside}, a directory`, entry.path);
    linkSync(this.absolute(target), absolute);
  }

  private remove(path: string[], member: string): void {
    if (!this.parentOf(path, member, false)) return;
    rmSync(this.absolute(path), { recursive: true, force: true });
  }

  private makeOpaque(directory: string[], member: string): void {
    if (directory.length > 0 && !this.parentOf(directory, member, false)) return;
    const stats = lstatOrUndefined(this.absolute(directory));
    if (!stats) return;
    if (!stats.isDirectory()) throw new MemberError('an opaque-directory marker in something not a directory', member);
    this.removeLowerEntries(directory);
  }

  private removeLowerEntries(directory: string[]): void {
    for (const name of readdirSync(this.absolute(directory))) {
      const path = [...directory, name];
      if (!this.written.has(path.join('/'))) rmSync(this.absolute(path), { recursive: true, force: true });
      else if (lstatSync(this.absolute(path)).isDirectory()) this.removeLowerEntries(path);
    }
  }

  /**
   * Checks every directory above `path` with lstat: a symlink there is refused (writing through it
   * could leave the root). Missing directories are made when `create`, else the answer is false.
   */
  private parentOf(path: readonly string[], member: string, create: boolean): boolean {
    let current = this.root;
    for (const [index, part] of path.slice(0, -1).entries()) {
      current = join(current, part);
      const stats = lstatOrUndefined(current);
      const shown = JSON.stringify(path.slice(0, index + 1).join('/'));
      if (!stats) {
        if (!create) return false;
        mkdirSync(current, { mode: 0o755 });
        continue;
      }
      if (stats.isSymbolicLink())
        throw new MemberError(`its parent ${shown} is a symlink (writing through it could leave the root)`, member);
      if (!stats.isDirectory()) throw new MemberError(`its parent ${shown} is not a directory`, member);
    }
    return true;
  }

  private absolute(path: readonly string[]): string {
    return path.length === 0 ? this.root : join(this.root, ...path);
  }
}

async function writeFile(absolute: string, entry: TarEntry): Promise<void> {
  const fd = openSync(absolute, NO_FOLLOW_CREATE, 0o600);
  try {
    for await (const chunk of entry.body) {
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
    }
    fchownSync(fd, entry.uid, entry.gid);
    fchmodSync(fd, entry.mode);
    futimesSync(fd, entry.mtime, entry.mtime);
  } finally {
    closeSync(fd);
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
