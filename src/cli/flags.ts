import type { GENERATE_FORMATS, PackageVersionRule } from '../drift/snapshot-defaults.js';
import type { TargetAddress } from '../targets/address.js';
import type { ConnectionFlags } from './connection-options.js';
import type { FleetFlags } from './fleet-options.js';

// What each command's options parse to: read by the command's registration (./commands/<name>.ts)
// and by its action (./commands/<name>-action.ts), which the registration loads when it runs.

/** What `run` and `plan` add to the specs' own plan. */
export interface PlanningFlags {
  /** `--waivers FILE`. */
  waivers?: string;
  /** `--controls` and `--tags`: globs, each flag's commas already split. */
  controls?: string[];
  tags?: string[];
  /** `--input name=value` (repeatable) and `--input-file FILE`. */
  input?: string[];
  inputFile?: string;
}

/** `driftspec run`. */
export interface RunFlags extends FleetFlags, ConnectionFlags, PlanningFlags {
  target?: TargetAddress[];
  format: 'cli' | 'json';
  verbose: boolean;
  reporter?: string[];
  policy?: string;
  imageId?: string;
  /** `--shard K/N` as given. */
  shard?: string;
  /** `--shard-count N`: the index from --shard-index or JOB_COMPLETION_INDEX (0-based). */
  shardCount?: number;
  shardIndex?: string;
  /** `--timings`: the end of every phase of the run on stderr (docs/benchmarks.md). */
  timings?: boolean;
}

/** `driftspec snapshot`. */
export interface SnapshotFlags extends ConnectionFlags {
  /** A file, or "-" / absent for stdout. */
  output?: string;
  files?: string[];
  ignore?: string[];
  /** False with --no-default-ignores. */
  defaultIgnores: boolean;
  allowIncomplete?: boolean;
  /** `-q`: no summary on stderr unless the snapshot fails for its gaps. */
  quiet: boolean;
  /** Trees whose small text files keep their text (content diffs). */
  contentTrees?: string[];
  /** Largest file whose text is kept, in bytes, as typed. */
  contentLimit?: string;
  /** Globs of paths whose text is never kept, on top of the defaults. */
  contentSecret?: string[];
}

/** `driftspec drift`. */
export interface DriftFlags extends ConnectionFlags, FleetFlags {
  baseline?: string;
  ignoreFile?: string;
  acceptFile?: string;
  format: 'cli' | 'json';
  reporter?: string[];
  policy?: string;
}

/** `driftspec generate`. */
export interface GenerateFlags {
  from: string;
  output?: string;
  format?: (typeof GENERATE_FORMATS)[number];
  name?: string;
  files?: string[];
  withContentHashes?: boolean;
  packageVersions: PackageVersionRule;
}

export interface PromoteFlags {
  imageId: string;
  run: string;
  drift?: string;
  policy?: string;
  spec: string[];
  baseline?: string;
  golden: string;
}

/** `driftspec merge`. */
export interface MergeFlags {
  format: 'cli' | 'json';
  verbose: boolean;
  reporter?: string[];
  policy?: string;
  imageId?: string;
  quiet: boolean;
}

/** `driftspec init`. */
export interface InitFlags {
  force: boolean;
  yamlOnly: boolean;
}

/** `driftspec verify-packages`. */
export interface VerifyPackagesFlags extends RunFlags {
  under?: string[];
  conffiles: boolean;
}
