import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Transpiled TypeScript specs live here between runs (XDG cache, else ~/.cache, else the temp dir). */
export function specCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.DRIFTSPEC_CACHE_DIR) return env.DRIFTSPEC_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : tmpdir());
  return join(base, 'driftspec', 'specs');
}
