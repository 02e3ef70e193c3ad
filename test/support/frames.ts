import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Frame } from '../../src/probe/frames.js';
import type { HostFacts } from '../../src/probe/host.js';

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
  return { id: 'q1', exitCode, stdout: Buffer.isBuffer(stdout) ? stdout : Buffer.from(stdout), stderr: Buffer.from(stderr) };
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
