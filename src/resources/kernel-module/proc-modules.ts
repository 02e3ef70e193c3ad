import type { Frame } from '../../probe/frames.js';
import { FactError, requireExit } from '../resource.js';

export interface LoadedModule {
  name: string;
  /** Live, Loading or Unloading. */
  state: string;
}

/** /proc/modules: `name size refcount users state address`, one module a line. */
export function parseProcModules(frame: Frame, what: string): LoadedModule[] {
  requireExit(frame, [0], what);
  return frame.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields = line.split(' ');
      const [name = '', size = '', , , state = ''] = fields;
      if (!/^[\w-]+$/.test(name) || !/^\d+$/.test(size) || !/^(Live|Loading|Unloading)$/.test(state))
        throw new FactError(`${what}: unexpected /proc/modules line ${JSON.stringify(line.slice(0, 200))}`);
      return { name: moduleName(name), state };
    });
}

/** Module names as modprobe compares them: `-` and `_` are the same character. */
export function moduleName(name: string): string {
  return name.replace(/-/g, '_');
}
