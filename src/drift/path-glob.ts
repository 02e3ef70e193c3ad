/**
 * What a snapshot leaves out because it changes on its own (logs, caches, per-boot and
 * per-instance identity), and the glob language `--ignore` speaks.
 *
 * Globs follow find(1)'s `-path` (fnmatch without FNM_PATHNAME): `*` matches any run of
 * characters including "/", `?` any one character, `[…]` / `[!…]` a class, `\` quotes the next
 * character. A glob matches whole paths, and a directory that matches is left out with everything
 * below it — the same rule on the target (`find … -prune`) and in TypeScript.
 */

/* Each kind's default ignores live in its inventory part (src/resources/<kind>/inventory.ts). */

export class IgnoreGlobError extends Error {
  override name = 'IgnoreGlobError';
}

/** A path glob as `--ignore` takes it: absolute (or starting with a wildcard), no NUL, no trailing "/". */
export function normalisePathGlob(glob: string): string {
  if (glob.includes('\0')) throw new IgnoreGlobError('an ignore glob cannot contain a NUL byte');
  if (!/^[/*?[]/.test(glob))
    throw new IgnoreGlobError(
      `an ignore glob matches whole absolute paths: start it with "/" or a wildcard (got ${JSON.stringify(glob)})`,
    );
  globToRegExp(glob);
  return glob.length > 1 ? glob.replace(/\/+$/, '') || '/' : glob;
}

/** fnmatch(3) without FNM_PATHNAME or FNM_PERIOD, as find's -path applies it. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '\\' && i + 1 < glob.length) source += escapeRegExp(glob[++i]!);
    else if (c === '[') {
      const cls = readClass(glob, i);
      if (cls) {
        source += cls.source;
        i = cls.end;
      } else source += '\\[';
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'u');
}

/** A bracket expression from `start` (the "["), or undefined when it is not closed (then "[" is literal). */
function readClass(glob: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (glob[i] === '!' || glob[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  for (; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === ']' && !first) return { source: `[${negate ? '^' : ''}${body}]`, end: i };
    first = false;
    if (c === '-' && body !== '' && glob[i + 1] !== ']' && i + 1 < glob.length) body += '-';
    else body += /[\\\]^-]/.test(c) ? `\\${c}` : c;
  }
  return undefined;
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

export type PathPredicate = (path: string) => boolean;

/** True for a path that a glob matches, or that lies below a directory a glob matches. */
export function pathIgnorer(globs: readonly string[]): PathPredicate {
  const patterns = globs.map(globToRegExp);
  if (patterns.length === 0) return () => false;
  return (path) => {
    for (let prefix = path; prefix !== ''; prefix = prefix.slice(0, prefix.lastIndexOf('/'))) {
      if (patterns.some((pattern) => pattern.test(prefix))) return true;
    }
    return false;
  };
}

/** True for a name (a mount point, a kernel key) that a glob matches; no prefix rule. */
export function nameIgnorer(globs: readonly string[]): PathPredicate {
  const patterns = globs.map(globToRegExp);
  return (name) => patterns.some((pattern) => pattern.test(name));
}
