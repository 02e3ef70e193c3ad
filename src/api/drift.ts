import { z } from 'zod';
import { loadAcceptFile, NO_ACCEPTED_DRIFT } from '../drift/accept.js';
import { diffSnapshots } from '../drift/diff.js';
import type { DriftReport, HostDrift } from '../drift/diff-schema.js';
import { loadIgnoreFile, NO_IGNORES } from '../drift/ignore.js';
import { readSnapshotFile } from '../drift/snapshot-file.js';
import { checkSnapshot, type Snapshot } from '../drift/snapshot-schema.js';
import { driftReport, liveBudget, snapshotLiveHosts } from '../engine/live-drift.js';
import { DEFAULT_DRIFT_POLICY, DriftPolicySchema, judgeDrift, type DriftPolicy } from '../gate/drift-policy.js';
import { loadGatePolicy } from '../gate/policy.js';
import { toolVersion } from '../version.js';
import { DriftspecOptionError } from './errors.js';
import { checkedCall, selectHosts } from './access.js';
import { FleetOptionsSchema, fleetPacing, withFleetRules } from './schemas.js';
import { apiVerdict, type ApiVerdict } from './verdict.js';

/** A snapshot: its file's path, or the snapshot itself (as snapshot() returns it). */
const snapshotSource = z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
  error: 'a snapshot file path or a snapshot object',
});

export const DriftOptionsSchema = withFleetRules(
  FleetOptionsSchema.extend({
    /** What is expected. */
    baseline: snapshotSource,
    /** Snapshots to compare with the baseline. */
    candidates: z.array(snapshotSource, { error: 'an array of snapshot file paths or snapshot objects' }).optional(),
    /** An ignore file (docs/drift.md). */
    ignore: z.string({ error: 'an ignore file path' }).optional(),
    /** An accepted-drift file (docs/drift.md). */
    accept: z.string({ error: 'an accepted-drift file path' }).optional(),
    /** A policy file (its `drift:` section is read), or the drift policy itself. */
    policy: z
      .union([z.string(), DriftPolicySchema], { error: 'a policy file path or a drift policy object' })
      .optional(),
    /** The day accepted drift is judged expired on (default: now). */
    now: z.date({ error: 'a Date' }).optional(),
  })
    .strict()
    .refine((options) => (options.candidates?.length ?? 0) + (options.targets?.length ?? 0) > 0 || options.inventory, {
      error: 'at least one candidate snapshot, target or inventory to compare with the baseline',
      path: ['candidates'],
    }),
);

export type DriftOptions = z.input<typeof DriftOptionsSchema>;

export interface DriftOutcome {
  /** The drift report, judged: the JSON drift report's document (`driftspec schema drift-report`). */
  report: DriftReport;
  verdict: ApiVerdict;
}

/**
 * Compares snapshots with a baseline, and live hosts snapshotted now as the baseline was, as
 * `driftspec drift` does; the candidates come first in the report, then `targets`, then the
 * inventory's hosts. Every file is read and every option checked before any host is contacted.
 */
export async function drift(options: DriftOptions): Promise<DriftOutcome> {
  return checkedCall('drift', DriftOptionsSchema, options, async ({ options: parsed, abort, access }) => {
    const policy = driftPolicy(parsed.policy, access.cwd);
    const ignore = parsed.ignore === undefined ? NO_IGNORES : loadIgnoreFile(parsed.ignore, access.cwd);
    const accept = parsed.accept === undefined ? NO_ACCEPTED_DRIFT : loadAcceptFile(parsed.accept, access.cwd);
    const baseline = await snapshotOf(parsed.baseline, 'baseline', access.cwd);
    const candidates: { snapshot: Snapshot; file?: string }[] = [];
    for (const [index, source] of (parsed.candidates ?? []).entries()) {
      const snapshot = await snapshotOf(source, `candidates[${index}]`, access.cwd);
      candidates.push(typeof source === 'string' ? { snapshot, file: source } : { snapshot });
    }
    const selected = selectHosts('drift', parsed, [], access);
    const clock = parsed.now ?? new Date();
    const compare = (snapshot: Snapshot) => diffSnapshots(baseline, snapshot, { ignore, accept, now: clock });
    const compared = candidates.map(({ snapshot, file }): HostDrift => {
      const host = compare(snapshot);
      return file === undefined ? host : { ...host, candidate: { ...host.candidate!, file } };
    });
    abort.throwIfAborted();
    const pacing = fleetPacing(parsed);
    const live = await snapshotLiveHosts(selected, liveBudget(baseline, pacing, toolVersion()), compare, {
      concurrency: parsed.concurrency,
      interrupt: abort.interrupt,
    });
    abort.throwIfAborted();
    const report = driftReport({
      baseline,
      ...(typeof parsed.baseline === 'string' ? { baselineFile: parsed.baseline } : {}),
      hosts: [...compared, ...live.hosts],
      accept,
      clock,
      live: selected.targets.length > 0,
      toolVersion: toolVersion(),
    });
    const judged = judgeDrift(report, policy);
    return { report: judged, verdict: apiVerdict(judged.verdict!) };
  });
}

async function snapshotOf(source: string | Record<string, unknown>, option: string, cwd: string): Promise<Snapshot> {
  if (typeof source === 'string') return readSnapshotFile(source, cwd);
  const checked = checkSnapshot(source);
  if ('problem' in checked) throw new DriftspecOptionError('drift', option, checked.problem);
  return checked.snapshot;
}

function driftPolicy(policy: string | DriftPolicy | undefined, cwd: string): DriftPolicy {
  if (policy === undefined) return DEFAULT_DRIFT_POLICY;
  if (typeof policy !== 'string') return policy;
  return loadGatePolicy(policy, cwd).drift ?? DEFAULT_DRIFT_POLICY;
}
