const MiB = 1024 * 1024;

export interface InputKind {
  /** How messages name a file of this kind: "inventory file". */
  noun: string;
  /** Larger files are refused before they are parsed; docs/cli.md lists these limits. */
  maxBytes: number;
  /** What to say when a directory is given instead of a file. */
  directory?: string;
}

/**
 * Every kind of input file and its size limit. A YAML spec of 5000 checks is about 250 KiB; one of
 * 6 MiB (180 000 checks) took 23 s and 670 MiB to load, so a spec stops at 4 MiB (split larger
 * ones: each file has the limit). A snapshot takes about 250 bytes per recorded file: 256 MiB is
 * about a million files; a run result or drift report of a large fleet or image may be as large. The
 * other files are hand-written (or, the golden record, small) and far smaller than their limits.
 */
export const INPUT_KINDS = {
  spec: { noun: 'spec file', maxBytes: 4 * MiB, directory: 'is a directory; name the spec files inside it' },
  // Over 4 MiB read host by host only (src/inventory/load.ts): some 200,000 hosts of a line each.
  inventory: { noun: 'inventory file', maxBytes: 32 * MiB },
  policy: { noun: 'policy file', maxBytes: 1 * MiB },
  ignore: { noun: 'ignore file', maxBytes: 4 * MiB },
  accept: { noun: 'accepted-drift file', maxBytes: 4 * MiB },
  snapshot: { noun: 'snapshot file', maxBytes: 256 * MiB },
  runResult: { noun: 'run result', maxBytes: 256 * MiB },
  driftReport: { noun: 'drift report', maxBytes: 256 * MiB },
  golden: { noun: 'golden record', maxBytes: 1 * MiB },
  packageJson: { noun: 'package.json', maxBytes: 4 * MiB },
  waivers: { noun: 'waivers file', maxBytes: 4 * MiB },
  inputs: { noun: 'input file', maxBytes: 4 * MiB },
  // Read host by host (src/shard/read.ts), never whole: bounded by the disk, not the memory.
  shardResult: { noun: 'shard result', maxBytes: 16 * 1024 * MiB },
  profile: { noun: 'profile metadata file', maxBytes: 1 * MiB },
} as const satisfies Record<string, InputKind>;

export type InputKindName = keyof typeof INPUT_KINDS;

export function describeSize(bytes: number): string {
  return bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}
