import { z } from 'zod';
import { IgnoreGlobError, normalisePathGlob } from '../drift/path-glob.js';
import { DEFAULT_FILE_ROOTS } from '../drift/snapshot-defaults.js';
import type { Snapshot } from '../drift/snapshot-schema.js';
import { defaultHostTimeoutSeconds } from '../engine/budget.js';
import { snapshotTarget } from '../engine/snapshot-target.js';
import { createTarget } from '../targets/parse.js';
import { toolVersion } from '../version.js';
import { DriftspecOptionError, SnapshotFailedError } from './errors.js';
import { checkedCall, parseTarget } from './access.js';
import { ConnectionOptionsSchema } from './schemas.js';

const absolutePath = z
  .string({ error: 'an absolute path' })
  .refine((path) => path.startsWith('/'), { error: 'an absolute path' })
  .refine((path) => !path.includes('\0'), { error: 'a path without a NUL byte' });

export const SnapshotOptionsSchema = ConnectionOptionsSchema.extend({
  /** The target address, as `driftspec snapshot` takes it (default "local"). */
  target: z.string({ error: 'a target address' }).default('local'),
  /** The file trees to record (default DEFAULT_FILE_ROOTS: what Debian's AIDE watches, docs/drift.md). */
  files: z.array(absolutePath, { error: 'an array of absolute paths' }).optional(),
  /** Path globs not to record, on top of the default ignores. */
  ignore: z.array(z.string({ error: 'a path glob' }), { error: 'an array of path globs' }).optional(),
  /** False: none of the default ignores (docs/drift.md). */
  defaultIgnores: z.boolean({ error: 'true or false' }).default(true),
}).strict();

export type SnapshotOptions = z.input<typeof SnapshotOptionsSchema>;

/**
 * The whole state of one target, as `driftspec snapshot` records it. A snapshot with gaps is
 * returned as it is (`complete: false`, `gaps`): the caller decides. A target that cannot be
 * reached or probed is a SnapshotFailedError.
 */
export async function snapshot(options: SnapshotOptions = {}): Promise<Snapshot> {
  return checkedCall('snapshot', SnapshotOptionsSchema, options, async ({ options: parsed, abort, access }) => {
    const address = parseTarget('snapshot', 'target', parsed.target);
    const ignores = (parsed.ignore ?? []).map((glob, index) => checkedGlob(glob, index));
    const target = createTarget(address, access.sshSettings, access.sudo);
    const budgetSeconds =
      parsed.hostTimeoutSeconds ??
      defaultHostTimeoutSeconds({
        connectTimeout: parsed.connectTimeoutSeconds,
        timeout: parsed.commandTimeoutSeconds,
      });
    const snapshotOptions = {
      fileRoots: (parsed.files ?? DEFAULT_FILE_ROOTS).map(withoutTrailingSlash),
      ignores,
      defaultIgnores: parsed.defaultIgnores,
      timeoutMs: parsed.commandTimeoutSeconds * 1000,
      toolVersion: toolVersion(),
    };
    const taken = await snapshotTarget(target, snapshotOptions, { budgetSeconds, interrupt: abort.interrupt });
    abort.throwIfAborted();
    if ('failure' in taken) {
      const { kind, message } = taken.failure;
      throw new SnapshotFailedError(target.name, `${kind === 'unreachable' ? 'unreachable: ' : ''}${message}`);
    }
    return taken.snapshot;
  });
}

function checkedGlob(glob: string, index: number): string {
  try {
    return normalisePathGlob(glob);
  } catch (error) {
    if (error instanceof IgnoreGlobError) throw new DriftspecOptionError('snapshot', `ignore[${index}]`, error.message);
    throw error;
  }
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}
