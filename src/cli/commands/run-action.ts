import { join } from 'node:path';
import { loadRunRenderers, REPORT_FORMAT_NAMES } from '../../../reporters/formats.js';
import { writeReports } from '../../../reporters/output.js';
import { RUN_PROGRESS } from '../../../reporters/progress.js';
import { runHostTimeoutMs } from '../../engine/budget.js';
import { runPlanInterruptibly } from '../../engine/run.js';
import { planRun } from '../../controls/host-plans.js';
import { loadGatePolicy } from '../../gate/policy.js';
import { decideVerdict } from '../../gate/verdict.js';
import { expandSpecArguments } from '../../plan/spec-paths.js';
import { createRegistry } from '../../resources/index.js';
import type { HostResult } from '../../results/schema.js';
import { loadSudoSettings, type SudoSettings } from '../../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../../targets/ssh-settings.js';
import { packageRoot, toolVersion } from '../../version.js';
import { specCacheDir } from '../../io/spec-cache-dir.js';
import { startFleetSession } from '../fleet-session.js';
import { INTERRUPTED_EXIT } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { checkWaitFlags, selectTargets, type SelectedTargets } from '../select-targets.js';
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
  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  checkWaitFlags(flags);
  const reports = reporterRequests(flags, REPORT_FORMAT_NAMES);
  const policy = flags.policy === undefined ? undefined : loadGatePolicy(flags.policy, io.cwd);
  const sudo = loadSudoSettings(flags, io.env);
  const { targets, inventory, vars } = runTargets(flags, io, sshSettings, sudo);
  const planning = await planRun(paths, {
    registry,
    cacheDir: specCacheDir(io.env),
    ...(flags.inputFile === undefined ? {} : { inputFile: flags.inputFile }),
    ...(flags.input ? { inputFlags: flags.input } : {}),
    ...(flags.inventory === undefined ? {} : { hosts: { vars, inventory: flags.inventory } }),
    targets,
    ...(flags.controls ? { controls: flags.controls } : {}),
    ...(flags.tags ? { tags: flags.tags } : {}),
    ...(flags.waivers === undefined ? {} : { waivers: flags.waivers }),
    today: new Date(),
    cwd: io.cwd,
  });
  const { plan, waivers, selection } = planning;
  const hostPlans = await planning.planHosts();
  // The cli report on stdout lists the warnings itself; anything else gets them on stderr too.
  const cliOnStdout = reports.some((request) => request.name === 'cli' && request.path === undefined);
  if (!cliOnStdout) for (const warning of waivers?.warnings ?? []) io.stderr.write(`driftspec: warning: ${warning}\n`);
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
      ...(waivers ? { waivers } : {}),
      ...(selection ? { selection } : {}),
      hostPlan: (target) => hostPlans(target) ?? planning,
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

/** `--target`s first, then the inventory's hosts that `--limit` selects; `local` when neither is given. */
function runTargets(
  flags: RunFlags,
  io: CliIo,
  sshSettings: () => SshSettings,
  sudo: SudoSettings | undefined,
): SelectedTargets {
  const addresses = flags.target ?? (flags.inventory === undefined ? [{ kind: 'local' as const }] : []);
  return selectTargets(addresses, flags, { io, sshSettings, sudo, named: 'a --target' });
}
