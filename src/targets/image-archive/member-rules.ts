import { MemberError } from './errors.js';

/** What a layer member does to the tree, its path split into components below the image root. */
export type MemberAction =
  | { kind: 'write'; path: string[] }
  | { kind: 'remove'; path: string[] }
  | { kind: 'make-opaque'; directory: string[] };

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * A member's name as components below the image root. Absolute names and `..` components are
 * refused (tar writers never need them; they are how an archive writes outside its root).
 */
export function memberComponents(name: string, what = 'member path', member = name): string[] {
  const shown = what === 'member path' ? `the ${what}` : `the ${what} ${JSON.stringify(name)}`;
  if (name.includes('\0')) throw new MemberError(`${shown} contains a NUL byte`, member);
  if (name.startsWith('/')) throw new MemberError(`an absolute ${what} (archives hold relative paths)`, member);
  const components = name.split('/').filter((part) => part !== '' && part !== '.');
  if (components.includes('..')) throw new MemberError(`${shown} climbs out of the image root with ".."`, member);
  return components;
}

/** Whiteouts (`.wh.NAME`, `.wh..wh..opq`) delete what lower layers put there; anything else is written. */
export function memberAction(name: string): MemberAction {
  const path = memberComponents(name);
  const base = path.at(-1) ?? '';
  if (!base.startsWith(WHITEOUT)) return { kind: 'write', path };
  const parent = path.slice(0, -1);
  if (base === OPAQUE) return { kind: 'make-opaque', directory: parent };
  if (base.startsWith(`${WHITEOUT}${WHITEOUT}`))
    throw new MemberError('an unknown whiteout marker (only .wh.NAME and .wh..wh..opq are defined)', name);
  const removed = base.slice(WHITEOUT.length);
  if (removed === '' || removed === '.' || removed === '..')
    throw new MemberError('a whiteout that names no file', name);
  return { kind: 'remove', path: [...parent, removed] };
}

/**
 * Where a symlink at `linkPath` points, resolved by name inside the image root: absolute targets
 * count from the image root (as inside the image), relative ones from the link's directory.
 * Undefined when the target climbs above the root.
 */
export function resolveLinkTarget(linkPath: readonly string[], target: string): string[] | undefined {
  const resolved = target.startsWith('/') ? [] : linkPath.slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') resolved.push(part);
    else if (resolved.length === 0) return undefined;
    else resolved.pop();
  }
  return resolved;
}

/** Refuses a symlink whose target leaves the image root; an empty target is no link at all. */
export function requireSymlinkInside(name: string, linkPath: readonly string[], target: string): void {
  if (target === '') throw new MemberError('a symlink with an empty target', name);
  if (target.includes('\0')) throw new MemberError('a symlink target contains a NUL byte', name);
  if (resolveLinkTarget(linkPath, target) === undefined)
    throw new MemberError(`a symlink to ${JSON.stringify(target)}, which climbs above the image root`, name);
}
