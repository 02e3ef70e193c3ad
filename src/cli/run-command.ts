import { join } from 'node:path';
import { writeReports, type Renderer, type ReporterRequest } from '../../reporters/output.js';
import { loadGatePolicy } from '../gate/policy.js';
import { longestEventuallyMs } from '../engine/eventually.js';
import { runPlan } from '../engine/run.js';
import { decideVerdict } from '../gate/verdict.js';
import { loadPlan } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import { createRegistry } from '../resources/index.js';
import { FleetProgress, shouldShowProgress } from '../../reporters/progress.js';
import type { HostResult, RunResult } from '../results/schema.js';
import { loadSudoSettings, type SudoSettings } from '../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../targets/ssh-settings.js';
import { packageRoot, toolVersion } from '../version.js';
import { specCacheDir } from './cache.js';
import { REPORTER_NAMES, type ReporterName } from './command-names.js';
import type { CliIo, RunFlags } from './main.js';
import { checkWaitFlags, defaultHostTimeoutSeconds, selectTargets, type SelectedTargets } from './select-targets.js';
import { reporterRequests } from './usage.js';

/** The spec `driftspec run` checks when none is named. */
export function defaultSpecPath(): string {
  return join(packageRoot(), 'specs', 'debian-web-server.yaml');
}

export async function runCommand(specs: string[], flags: RunFlags, io: CliIo): Promise<number> {
  const registry = createRegistry();
  const paths = specs.length > 0 ? specs : [defaultSpecPath()];
  if (specs.length === 0 && flags.format === 'cli') io.stderr.write(`driftspec: no spec named; checking the bundled ${paths[0]}\n`);
  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  checkWaitFlags(flags);
  const reports = reporterRequests(flags, REPORTER_NAMES);
  const policy = flags.policy === undefined ? undefined : loadGatePolicy(flags.policy, io.cwd);
  const plan = await loadPlan(paths, { registry, cacheDir: specCacheDir(io.env) });
  const sudo = loadSudoSettings(flags, io.env);
  const { targets, inventory } = runTargets(flags, io, sshSettings, sudo);
  const progress = flags.progress && shouldShowProgress(io.stderr, targets.length, io.env) ? new FleetProgress(io.stderr, targets.length) : undefined;
  progress?.start();
  let result: RunResult;
  try {
    result = await runPlan(plan, targets, {
      registry,
      commandTimeoutMs: flags.timeout * 1000,
      toolVersion: toolVersion(),
      concurrency: flags.concurrency,
      hostTimeoutMs: flags.hostTimeout !== undefined ? flags.hostTimeout * 1000 : defaultHostTimeoutSeconds(flags) * 1000 + patienceMs(flags, plan),
      ...(flags.wait === undefined ? {} : { wait: { timeoutMs: flags.wait, allowDegraded: flags.degraded } }),
      inventory,
      ...(progress ? { onHostDone: (host: HostResult) => progress.hostDone(host) } : {}),
    });
  } finally {
    progress?.finish();
  }
  const verdict = decideVerdict(result, policy);
  await writeReports(reports, await loadRenderers(reports, flags, io), { ...result, verdict }, verdict, io.stdout);
  return verdict.exitCode;
}

export { REPORTER_NAMES };

/** Loads only the reporters the run asks for: JUnit's XML builder alone costs a tenth of a second to load. */
async function loadRenderers(requests: readonly ReporterRequest[], flags: RunFlags, io: CliIo): Promise<Record<string, Renderer>> {
  const load: Record<ReporterName, () => Promise<Renderer>> = {
    cli: async () => {
      const { cliReportPieces, shouldUseColor } = await import('../../reporters/cli.js');
      return (result, verdict) => cliReportPieces(result, verdict, { color: shouldUseColor(io.stdout, io.env), verbose: flags.verbose });
    },
    json: async () => (await import('../../reporters/json.js')).jsonReportPieces,
    junit: async () => {
      const { renderJunitReport } = await import('../../reporters/junit.js');
      return (result, verdict) => renderJunitReport(result, verdict, flags.imageId === undefined ? {} : { imageId: flags.imageId });
    },
    html: async () => (await import('../../reporters/html/run.js')).htmlReportPieces,
    markdown: async () => {
      const { renderMarkdownReport } = await import('../../reporters/markdown.js');
      return (result, verdict) => renderMarkdownReport(result, verdict);
    },
  };
  const renderers: Record<string, Renderer> = {};
  for (const name of new Set(requests.map((request) => request.name as ReporterName))) renderers[name] = await load[name]();
  return renderers;
}

/** The default host budget also covers --wait and the re-probe rounds of checks with `eventually`. */
function patienceMs(flags: Pick<RunFlags, 'wait' | 'timeout'>, plan: Plan): number {
  const eventually = longestEventuallyMs(plan.checks);
  return (flags.wait ?? 0) + (eventually > 0 ? eventually + flags.timeout * 1000 : 0);
}

/** `--target`s first, then the inventory's hosts that `--limit` selects; `local` when neither is given. */
function runTargets(flags: RunFlags, io: CliIo, sshSettings: () => SshSettings, sudo: SudoSettings | undefined): SelectedTargets {
  const addresses = flags.target ?? (flags.inventory === undefined ? [{ kind: 'local' as const }] : []);
  return selectTargets(addresses, flags, { io, sshSettings, sudo, named: 'a --target' });
}

