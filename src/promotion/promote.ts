import { readSnapshotFile } from '../drift/snapshot-file.js';
import type { DriftReport } from '../drift/diff-schema.js';
import { DEFAULT_POLICY, parseGatePolicy } from '../gate/policy.js';
import { SpecError } from '../inputs/input-error.js';
import { readInputFile } from '../inputs/read.js';
import { writeFileAtomically } from '../io/atomic-write.js';
import type { Plan, SpecInfo } from '../plan/schema.js';
import type { RunResult } from '../results/schema.js';
import { abbreviatedList } from '../text/abbreviated-list.js';
import { decidePromotion, type PromotionDecision } from './decide.js';
import type { RecordedFile } from './golden-schema.js';
import { readDriftReport, readGoldenRecord, readRunResult, recordFile, sha256 } from './inputs.js';

/** The files of one promotion, as given on the command line (read from `cwd`). */
export interface PromotionRequest {
  imageId: string;
  runPath: string;
  driftPath?: string;
  policyPath?: string;
  specPaths: readonly string[];
  baselinePath?: string;
  goldenPath: string;
  cwd: string;
  /** Loads the spec files as `driftspec run` does, to compare them with the specs the run checked. */
  loadPlan: (paths: readonly string[]) => Promise<Plan>;
  now: Date;
  toolVersion: string;
}

/**
 * `driftspec promote`: reads and cross-checks every input (any mistake or mismatch is a SpecError,
 * exit 78), decides, and on a promotion writes the golden record atomically. On a refusal the
 * golden record is not touched.
 */
export async function promote(request: PromotionRequest): Promise<PromotionDecision> {
  const { cwd } = request;
  if (request.imageId.trim() === '') throw new SpecError('--image-id must not be empty');
  const run = readRunResult(request.runPath, cwd);
  if (run.hosts.length === 0) throw new SpecError('the run checked no host: nothing to promote on', request.runPath);
  const specFiles = request.specPaths.map((path) => recordFile(path, cwd, 'spec'));
  checkSameSpecs(run, await request.loadPlan(request.specPaths), request.runPath);
  const drift = request.driftPath === undefined ? undefined : readDriftReport(request.driftPath, cwd);
  const baselineFile = request.baselinePath === undefined ? null : await readBaseline(request, drift);
  const { policy, policyFile } = readPolicy(request.policyPath, cwd);
  const current = readGoldenRecord(request.goldenPath, cwd);
  const decision = decidePromotion({
    imageId: request.imageId,
    run,
    ...(drift === undefined ? {} : { drift }),
    policy,
    specFiles,
    policyFile,
    baselineFile,
    ...(current === undefined ? {} : { current }),
    now: request.now,
    toolVersion: request.toolVersion,
  });
  if (decision.promoted) await writeFileAtomically(request.goldenPath, `${JSON.stringify(decision.record, null, 2)}\n`);
  return decision;
}

/**
 * The run must have checked exactly the specs given (by name and version) and their checks, or its
 * verdict is about something else.
 */
function checkSameSpecs(run: RunResult, plan: Plan, runPath: string): void {
  const label = (spec: SpecInfo) => (spec.version === undefined ? spec.name : `${spec.name}@${spec.version}`);
  const given = plan.specs.map(label).sort();
  const checked = run.specs.map(label).sort();
  if (given.join('\n') !== checked.join('\n'))
    throw new SpecError(
      `the run checked other specs than --spec names: the run checked ${describe(checked)}; --spec gives ` +
        `${describe(given)}`,
      runPath,
    );
  const planned = new Set(plan.checks.map((check) => check.id));
  const completed = run.hosts.filter((host) => host.status === 'completed');
  const results = new Set(completed.flatMap((host) => host.results.map((result) => result.checkId)));
  const missing = [...planned].filter((id) => !results.has(id));
  const unknown = [...results].filter((id) => !planned.has(id));
  if (completed.length > 0 && (missing.length > 0 || unknown.length > 0))
    throw new SpecError(
      `the run checked other checks than the --spec files hold (a changed spec?): ` +
        [
          ...(missing.length > 0 ? [`not in the run: ${abbreviatedList(missing)}`] : []),
          ...(unknown.length > 0 ? [`not in the specs: ${abbreviatedList(unknown)}`] : []),
        ].join('; '),
      runPath,
    );
}

function describe(labels: readonly string[]): string {
  return labels.length === 0 ? 'none' : labels.join(', ');
}

/** The baseline snapshot, which must be the one the drift report was measured against. */
async function readBaseline(request: PromotionRequest, drift: DriftReport | undefined): Promise<RecordedFile> {
  const path = request.baselinePath!;
  const snapshot = await readSnapshotFile(path, request.cwd);
  if (drift !== undefined) {
    const { baseline } = drift;
    if (baseline.takenAt !== snapshot.takenAt || baseline.target !== snapshot.target)
      throw new SpecError(
        `the drift report was measured against another baseline: it names ${baseline.target} taken at ` +
          `${baseline.takenAt}; --baseline is ${snapshot.target} taken at ${snapshot.takenAt}`,
        request.driftPath,
      );
  }
  return recordFile(path, request.cwd, 'snapshot');
}

function readPolicy(path: string | undefined, cwd: string) {
  if (path === undefined) return { policy: DEFAULT_POLICY, policyFile: null };
  const text = readInputFile(path, 'policy', cwd);
  return { policy: parseGatePolicy(text, path), policyFile: { path, sha256: sha256(text) } };
}
