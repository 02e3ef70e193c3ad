import { join } from 'node:path';
import { loadRunRenderers, REPORT_FORMAT_NAMES } from '../../../reporters/formats.js';
import { writeReports } from '../../../reporters/output.js';
import { RUN_PROGRESS } from '../../../reporters/progress.js';
import { runHostTimeoutMs } from '../../engine/budget.js';
import { runPlanInterruptibly } from '../../engine/run.js';
import { loadGatePolicy } from '../../gate/policy.js';
import { decideVerdict } from '../../gate/verdict.js';
import { loadPlan } from '../../plan/load.js';
import { expandSpecArguments } from '../../plan/spec-paths.js';
import { createRegistry, type ResourceRegistry } from '../../resources/index.js';
import type { Plan } from '../../plan/schema.js';
import type { TargetAddress } from '../../targets/address.js';
import type { HostResult } from '../../results/schema.js';
import { loadSudoSettings } from '../../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../../targets/ssh-settings.js';
import { packageRoot, toolVersion } from '../../version.js';
import { specCacheDir } from '../../io/spec-cache-dir.js';
import { startFleetSession } from '../fleet-session.js';
import { INTERRUPTED_EXIT } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { checkWaitFlags, selectTargets } from '../select-targets.js';
import { reporterRequests } from '../usage.js';
import type { RunFlags } from '../flags.js';

/** The spec `driftspec run` checks when none is named. */
export function defaultSpecPath(): string {
  return join(packageRoot(), 'specs', 'debian-web-server.yaml');
}

/**
 * `driftspec run`: every input read and every option checked before any host is touched, then
 * the fleet, the verdict and the reports. After a Ctrl-C the reports hold what was gathered (the
 * hosts not checked are errors) and the exit code is 130.
 */
export async function runCommand(specs: string[], flags: RunFlags, io: CliIo): Promise<number> {
  const registry = createRegistry();
  const paths = specs.length > 0 ? expandSpecArguments(specs, io.cwd) : [defaultSpecPath()];
  if (specs.length === 0 && flags.format === 'cli' && !flags.quiet) {
    io.stderr.write(`driftspec: no spec named; checking the bundled ${paths[0]}\n`);
  }
  const checked = checkRunFlags(flags, io);
  const plan = await loadPlan(paths, { registry, cacheDir: specCacheDir(io.env) });
  const addresses = flags.target ?? (flags.inventory === undefined ? [{ kind: 'local' as const }] : []);
  return runOnTargets(plan, addresses, flags, io, { registry, named: 'a --target', ...checked });
}

/** The options of a run that are read and checked before any spec is loaded or host touched. */
export function checkRunFlags(flags: RunFlags, io: CliIo) {
  checkWaitFlags(flags);
  const reports = reporterRequests(flags, REPORT_FORMAT_NAMES);
  const policy = flags.policy === undefined ? undefined : loadGatePolicy(flags.policy, io.cwd);
  return { reports, policy };
}

/**
 * Checks a plan on the addresses (given as `named` says, and the inventory's hosts `--limit`
 * selects), then the verdict and the reports: `driftspec run` and the commands that check a plan
 * of their own.
 */
export async function runOnTargets(
  plan: Plan,
  addresses: readonly TargetAddress[],
  flags: RunFlags,
  io: CliIo,
  checked: ReturnType<typeof checkRunFlags> & { registry: ResourceRegistry; named: string },
): Promise<number> {
  const { registry, reports, policy, named } = checked;
  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  const sudo = loadSudoSettings(flags, io.env);
  const { targets, inventory } = selectTargets(addresses, flags, { io, sshSettings, sudo, named });
  const session = startFleetSession<HostResult>(io, flags, targets.length, RUN_PROGRESS);
  let run: Awaited<ReturnType<typeof runPlanInterruptibly>>;
  try {
    run = await runPlanInterruptibly(plan, targets, {
      registry,
      commandTimeoutMs: flags.timeout * 1000,
      toolVersion: toolVersion(),
      concurrency: flags.concurrency,
      hostTimeoutMs: runHostTimeoutMs(flags, plan),
      ...(flags.wait === undefined ? {} : { wait: { timeoutMs: flags.wait, allowDegraded: flags.degraded } }),
      inventory,
      interrupt: session.interrupt,
      ...(session.onHostDone ? { onHostDone: session.onHostDone } : {}),
    });
  } finally {
    session.finish();
  }
  const verdict = decideVerdict(run.result, policy);
  const imageId = flags.imageId === undefined ? {} : { imageId: flags.imageId };
  const context = { stdout: io.stdout, env: io.env, verbose: flags.verbose, ...imageId };
  const renderers = await loadRunRenderers(
    reports.map((request) => request.name),
    context,
  );
  await writeReports(reports, renderers, { ...run.result, verdict }, verdict, io.stdout);
  return run.interrupted ? INTERRUPTED_EXIT : verdict.exitCode;
}
