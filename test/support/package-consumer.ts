import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/**
 * driftspec unpacked and mocha copied into the consumer's node_modules, so that mocha finds
 * driftspec from where it is, as after `npm install`; everything else linked from the repository.
 */
export function installWithMocha(tarball: string, consumer: string): void {
  const modules = join(consumer, 'node_modules');
  const manifest = unpackPackage(tarball, consumer);
  cpSync(join(REPO_MODULES, 'mocha'), join(modules, 'mocha'), { recursive: true, dereference: true });
  const linked = dependencyClosure([
    ...Object.keys(manifest.dependencies),
    'mocha',
    'chai',
    '@types/chai',
    '@types/mocha',
  ]);
  linked.delete('mocha');
  for (const name of linked) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(REPO_MODULES, name), join(modules, name));
  }
}
