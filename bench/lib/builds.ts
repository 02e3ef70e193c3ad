/**
 * The builds of driftspec a benchmark times: this checkout, and another one given with
 * `--compare-with` (a built checkout of an earlier commit), each with its own spec cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface BuiltCheckout {
  /** The checkout's directory, holding bin/driftspec and the dist/ its `npm run build` wrote. */
  root: string;
  /** Its commit's short hash, with `+changes` when what is built differs from the commit. */
  commit: string;
  /** The first line of the commit's message. */
  subject: string;
}

export interface DriftspecBuild extends BuiltCheckout {
  /** The environment its runs get; each build has a DRIFTSPEC_CACHE_DIR of its own (both use the same cache keys). */
  env: NodeJS.ProcessEnv;
}

/** A checkout's directory and commit; throws when it is not a built checkout. */
export function describeCheckout(directory: string): BuiltCheckout {
  const root = resolve(directory);
  for (const needed of ['bin/driftspec', 'dist'])
    if (!existsSync(join(root, needed)))
      throw new Error(`${root} is not a built driftspec checkout: ${needed} is missing (run npm run build there)`);
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  // Untracked files (the node_modules link the recipe adds) and changes to what is not built (the
  // benchmark itself, its docs, tests) do not make a build differ from its commit.
  const notBuilt = ['bench', 'docs', 'test'].map((path) => `:(exclude)${path}`);
  const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ...notBuilt) !== '';
  return {
    root: root.endsWith('/') ? root : `${root}/`,
    commit: `${git('rev-parse', '--short', 'HEAD')}${changed ? '+changes' : ''}`,
    subject: git('log', '-1', '--format=%s'),
  };
}
