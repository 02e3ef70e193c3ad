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
 * Every kind of input file and its size limit. The limits are far above any real file (a spec
 * of 5000 checks is about 300 KiB, a snapshot of 200 000 files about 60 MiB) and keep a stray or
 * hostile file from taking gigabytes of memory and minutes while it is parsed.
 */
export const INPUT_KINDS = {
  spec: { noun: 'spec file', maxBytes: 8 * MiB, directory: 'is a directory; name the spec files inside it' },
  inventory: { noun: 'inventory file', maxBytes: 8 * MiB },
  policy: { noun: 'policy file', maxBytes: 1 * MiB },
  ignore: { noun: 'ignore file', maxBytes: 4 * MiB },
  accept: { noun: 'accepted-drift file', maxBytes: 16 * MiB },
  snapshot: { noun: 'snapshot file', maxBytes: 256 * MiB },
} as const satisfies Record<string, InputKind>;

export type InputKindName = keyof typeof INPUT_KINDS;

export function describeSize(bytes: number): string {
  return bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}
