import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SnapshotCollector, snapshotIgnores } from '../../src/drift/snapshot.js';
import type { Snapshot } from '../../src/drift/snapshot-schema.js';
import type { ExecResult } from '../../src/targets/target.js';

/** Real snapshot probe output recorded from a booted Debian 12 instance (see record.mts there). */
export const RECORDED_SNAPSHOTS = fileURLToPath(new URL('../fixtures/recorded/snapshot-debian12/', import.meta.url));

export interface Recording {
  out: Buffer;
  meta: { exitCode: number; stderr: string; walk: { roots: string[] } };
}

export function recording(name: 'root' | 'root-portable' | 'root-gnu-small' | 'tester'): Recording {
  return {
    out: readFileSync(join(RECORDED_SNAPSHOTS, `${name}.out`)),
    meta: JSON.parse(readFileSync(join(RECORDED_SNAPSHOTS, `${name}.json`), 'utf8')) as Recording['meta'],
  };
}

export interface CollectOptions {
  chunkSize?: number;
  cutAt?: number;
  exitCode?: number | null;
  timedOut?: boolean;
}

/** Feeds a recording to a collector in chunks of `chunkSize` bytes, as a target would. */
export function collectRecording(rec: Recording, options: CollectOptions = {}): Snapshot {
  const ignores = snapshotIgnores({ ignores: [], defaultIgnores: true });
  const collector = new SnapshotCollector({
    target: 'ssh://root@10.231.100.2:22',
    takenAt: '2026-01-02T03:04:05.000Z',
    toolVersion: '0.1.0',
    fileRoots: rec.meta.walk.roots,
    ignores,
    timeoutMs: 300_000,
  });
  const out = options.cutAt === undefined ? rec.out : rec.out.subarray(0, options.cutAt);
  const size = options.chunkSize ?? out.length;
  for (let offset = 0; offset < out.length; offset += size) collector.push(out.subarray(offset, offset + size));
  const result: ExecResult = {
    stdout: out.subarray(0, 65536),
    stderr: Buffer.from(rec.meta.stderr),
    exitCode: options.exitCode === undefined ? rec.meta.exitCode : options.exitCode,
    signal: null,
    timedOut: options.timedOut ?? false,
  };
  return collector.finish(result);
}
