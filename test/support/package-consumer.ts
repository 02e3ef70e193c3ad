import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// What the consumer tests share: the package as `npm pack` makes it, installed beside the
// repository's own copies of its dependencies, without asking a registry.

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_MODULES = join(REPO, 'node_modules');
export const TSC = join(REPO_MODULES, 'typescript', 'bin', 'tsc');

export function sh(program: string, args: readonly string[], cwd: string): string {
  return execFileSync(program, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/** The packages named and their runtime dependencies, theirs too, as the repository's flat node_modules holds them. */
export function dependencyClosure(names: readonly string[]): Set<string> {
  const found = new Set<string>();
  const pending = [...names];
  while (pending.length > 0) {
    const name = pending.pop()!;
    const manifest = join(REPO_MODULES, name, 'package.json');
    if (found.has(name) || !existsSync(manifest)) continue;
    found.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, Record<string, string> | undefined>;
    pending.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }));
  }
  return found;
}

/** The tarball unpacked as the consumer's node_modules/driftspec; its manifest's dependencies. */
export function unpackPackage(
  tarball: string,
  consumer: string,
): { dependencies: Record<string, string>; peerDependencies: Record<string, string> } {
  const target = join(consumer, 'node_modules', 'driftspec');
  mkdirSync(target, { recursive: true });
  sh('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], consumer);
  return JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
}
