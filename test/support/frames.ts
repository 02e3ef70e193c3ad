import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Frame } from '../../src/probe/frames.js';
import type { HostFacts } from '../../src/probe/host.js';
import { parseSections } from '../../src/resources/accounts/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

const RecordingSchema = z.object({
  command: z.string(),
  exitCode: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
  source: z.string().optional(),
});

/** A recorded real output (see test/fixtures/recorded/README.md) as the frame a parser sees. */
export function recordedFrame(relativePath: string): Frame {
  const recording = RecordingSchema.parse(JSON.parse(readFileSync(`${FIXTURES}${relativePath}`, 'utf8')));
  return frame(recording.stdout, recording.exitCode, recording.stderr);
}

export function frame(stdout: string | Buffer, exitCode = 0, stderr = ''): Frame {
  return {
    id: 'q1',
    exitCode,
    stdout: Buffer.isBuffer(stdout) ? stdout : Buffer.from(stdout),
    stderr: Buffer.from(stderr),
  };
}

export function fixturePath(relativePath: string): string {
  return `${FIXTURES}${relativePath}`;
}

export function hostFacts(overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    packageManager: 'dpkg',
    initSystem: 'systemd',
    uid: 0,
    kernel: 'Linux',
    kernelRelease: '6.1.0',
    arch: 'x86_64',
    hostname: 'test',
    os: { id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    ...overrides,
  };
}

export interface PartSpec {
  name: string;
  stdout?: string | Buffer;
  stderr?: string;
  exitCode?: number;
}

/** A grouped query's frame made of parts, byte for byte as the probe's flush writes them (src/probe/parts.ts). */
export function partsFrame(parts: readonly PartSpec[], exitCode = 0): Frame {
  return frame(partsBytes(parts), exitCode);
}

export function partsBytes(parts: readonly PartSpec[]): Buffer {
  if (parts.length === 0) return Buffer.alloc(0);
  const bytes = parts.map((part) => ({
    exitCode: part.exitCode ?? 0,
    name: Buffer.from(part.name),
    stdout: Buffer.isBuffer(part.stdout) ? part.stdout : Buffer.from(part.stdout ?? ''),
    stderr: Buffer.from(part.stderr ?? ''),
  }));
  const toc = bytes.map((p) => `${p.exitCode} ${p.name.length} ${p.stdout.length} ${p.stderr.length}\n`);
  const list = bytes.map((p, index) => ` ${p.name.length} ${p.exitCode} ${p.stderr.length > 0 ? index + 1 : 0}`);
  return Buffer.concat([
    Buffer.from(`DSPARTS ${parts.length}\n${toc.join('')}1 ${parts.length}${list.join('')}\n`),
    ...bytes.map((p) => p.name),
    ...bytes.flatMap((p) => [p.stdout, p.stderr]),
  ]);
}

/**
 * Account lookups written as readable sections (`@@passwd lookup`, `@@key NAME`, entries,
 * `@@exit N`) turned into the parts the probe writes (`keys:passwd`, `lookup:passwd`,
 * `table:group`…); `stderr` goes with every part. A non-zero `exitCode` is the query's own.
 */
export function sectionsFrame(text: string, exitCode = 0, stderr = ''): Frame {
  if (exitCode !== 0) return frame('', exitCode, stderr);
  const parts = parseSections(text, 'test fixture').flatMap((section): PartSpec[] => {
    const entries = { stdout: section.lines.map((line) => `${line}\n`).join(''), exitCode: section.exitCode, stderr };
    if (section.mode === 'table') return [{ name: `table:${section.database}`, ...entries }];
    const keys =
      section.keys.length > 0
        ? [{ name: `keys:${section.database}`, stdout: section.keys.map((k) => `${k}\n`).join('') }]
        : [];
    return [...keys, { name: `lookup:${section.database}`, ...entries }];
  });
  return partsFrame(parts);
}
