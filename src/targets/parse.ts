import { SpecError } from '../plan/build.js';
import { LocalTarget } from './local.js';
import type { Target } from './target.js';

/** `local` is the embedded default; other kinds of target are named by URL. */
export function parseTarget(text: string): Target {
  if (text === 'local' || text === 'local://') return new LocalTarget();
  if (text.startsWith('ssh://')) throw new SpecError('SSH targets are not available in this version yet; use --target local', `--target ${text}`);
  throw new SpecError('unknown target; expected "local"', `--target ${text}`);
}
