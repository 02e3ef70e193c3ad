// `--wait`: reach a host that is still booting, then let its boot finish before the probe looks.
import { isSpecError } from '../inputs/input-error.js';
import { formatDuration } from '../plan/duration.js';
import { parseProbeOutput, type Frame } from '../probe/frames.js';
import { HOST_QUERY_ID } from '../probe/host.js';
import { shellQuote } from '../probe/quote.js';
import type { ProbeQuery } from '../probe/script.js';
import { checkProbeScript } from './check-probe.js';
import {
  TargetUnreachableError,
  type ExecResult,
  type PhaseListener,
  type Target,
  type UnreachableKind,
} from '../targets/target.js';

/** Time as the waiting code sees it; tests pass a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface WaitOptions {
  /** How long the host may take to answer SSH and finish booting. */
  timeoutMs: number;
  /** Accept systemd's `degraded` (and cloud-init's "done with recoverable errors"); refused with --no-degraded. */
  allowDegraded: boolean;
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

/** Exponential backoff between connection attempts: 0.5 s, 1 s, 2 s, 4 s, then 5 s, each with jitter. */
export const BACKOFF = { initialMs: 500, factor: 2, maxMs: 5000 } as const;

/**
 * The pause before retry number `attempt` (0-based): the capped exponential step, scaled by a
 * random factor in [0.5, 1) so that many instances booted together do not knock in lockstep.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * BACKOFF.factor ** attempt);
  return Math.round(step * (0.5 + random() / 2));
}

/**
 * Authentication failures retried at most this many times: on a fresh instance the key may be
 * installed by cloud-init or a guest agent after sshd starts, and pam_nologin refuses every
 * login but root's until boot reaches systemd-user-sessions. A wrong key stops being retried
 * here instead of burning the whole wait (Packer's ssh_handshake_attempts has the same default).
 */
export const AUTH_ATTEMPTS = 10;

/**
 * Which unreachable kinds can heal while a machine boots. Never a host key mismatch (that is
 * what an attack looks like), nor a name that does not resolve or an unexplained failure.
 */
export function canHealWhileBooting(kind: UnreachableKind, authFailures: number): boolean {
  if (kind === 'refused' || kind === 'timeout' || kind === 'network') return true;
  if (kind === 'auth') return authFailures < AUTH_ATTEMPTS;
  return false;
}

/** The probe query that waits for the boot, in the same session as the probe itself. */
export const BOOT_QUERY_ID = 'boot';

/**
 * Waits for cloud-init, then for systemd, each bounded by what is left of the wait (`timeout`
 * where it exists), and reports what they said. It judges nothing: TypeScript reads the report.
 * Older systemd (before 240) knows no `--wait` and prints nothing, so the state is asked again
 * without it; TypeScript then keeps waiting across execs.
 */
export function bootQuery(budgetSeconds: number): ProbeQuery {
  const budget = shellQuote(Math.max(1, Math.ceil(budgetSeconds)));
  return {
    id: BOOT_QUERY_ID,
    // The checks' queries start once it has waited for the boot to end.
    alone: true,
    script: `ds_boot_budget=${budget}
ds_boot_end=$(( $(date +%s) + ds_boot_budget ))
ds_bounded() {
  ds_left=$(( ds_boot_end - $(date +%s) ))
  [ "$ds_left" -gt 0 ] || ds_left=1
  if ds_has timeout; then timeout "$ds_left" "$@"; else "$@"; fi
}
if ds_has cloud-init; then
  echo 'cloud-init:'
  ds_bounded cloud-init status --wait 2>&1
  echo "cloud-init-exit: $?"
else
  echo 'cloud-init: absent'
fi
if [ "$DS_INIT" = systemd ] && ds_has systemctl; then
  ds_state=$(ds_bounded systemctl is-system-running --wait 2>/dev/null)
  [ -n "$ds_state" ] || ds_state=$(systemctl is-system-running 2>&1)
  printf 'systemd: %s\\n' "$ds_state"
  echo 'failed-units:'
  systemctl list-units --failed --no-legend --plain 2>/dev/null | awk '{print $1}'
else
  echo 'systemd: absent'
fi`,
  };
}

export interface BootReport {
  /** Null when cloud-init is not installed. */
  cloudInit: { status: string | null; exitCode: number | null } | null;
  /** Null when systemd is not the init system. */
  systemd: { state: string; failedUnits: string[] } | null;
}

/**
 * The boot query's report; an error when it did not report both, so a broken wait never reads as "nothing to
 * wait for".
 */
export function parseBootFrame(frame: Frame): BootReport {
  const lines = frame.stdout.toString('utf8').split('\n');
  let cloudInit: BootReport['cloudInit'] = null;
  let systemd: BootReport['systemd'] = null;
  let cloudInitSeen = false;
  let systemdSeen = false;
  let section: 'cloud-init' | 'failed-units' | undefined;
  for (const line of lines) {
    if (line === 'cloud-init: absent') {
      cloudInitSeen = true;
    } else if (line === 'cloud-init:') {
      cloudInitSeen = true;
      cloudInit = { status: null, exitCode: null };
      section = 'cloud-init';
    } else if (line.startsWith('cloud-init-exit: ') && cloudInit) {
      cloudInit.exitCode = Number(line.slice('cloud-init-exit: '.length));
      section = undefined;
    } else if (section === 'cloud-init' && cloudInit) {
      // `cloud-init status --wait` prints dots while it waits, then `status: done`.
      const status = /^\.*\s*status:\s*(.+?)\s*$/.exec(line);
      if (status) cloudInit.status = status[1]!;
    } else if (line.startsWith('systemd: ')) {
      systemdSeen = true;
      const state = line.slice('systemd: '.length).trim();
      systemd = state === 'absent' ? null : { state, failedUnits: [] };
      section = undefined;
    } else if (line === 'failed-units:') {
      section = 'failed-units';
    } else if (section === 'failed-units' && systemd && line.trim()) {
      systemd.failedUnits.push(line.trim());
    }
  }
  if (!cloudInitSeen || !systemdSeen) {
    const stderr = frame.stderr.toString('utf8').trim().slice(0, 300);
    throw new Error(
      `the boot wait on the host did not report the ${cloudInitSeen ? 'systemd state' : 'cloud-init status'} (exit ` +
        `${frame.exitCode}${stderr ? `: ${stderr}` : ''})`,
    );
  }
  return { cloudInit, systemd };
}

export type BootVerdict = { kind: 'ready' } | { kind: 'booting'; state: string } | { kind: 'refused'; message: string };

const SYSTEMD_BOOTING = new Set(['initializing', 'starting', 'unknown']);
const CLOUD_INIT_BOOTING = new Set(['running', 'not started', 'not run']);

/** Ready, still booting (wait on), or a state that waiting will not fix. */
export function judgeBoot(report: BootReport, allowDegraded: boolean): BootVerdict {
  const cloudInit = judgeCloudInit(report.cloudInit, allowDegraded);
  if (cloudInit.kind !== 'ready') return cloudInit;
  return judgeSystemd(report.systemd, allowDegraded);
}

function judgeCloudInit(cloudInit: BootReport['cloudInit'], allowDegraded: boolean): BootVerdict {
  if (!cloudInit) return { kind: 'ready' };
  const { status, exitCode } = cloudInit;
  if (status === null || CLOUD_INIT_BOOTING.has(status))
    return { kind: 'booting', state: `cloud-init ${status ?? 'gave no status'}` };
  if (status === 'error' || exitCode === 1)
    return {
      kind: 'refused',
      message:
        `cloud-init reported an error (status: ${status}, exit ${exitCode}); see "cloud-init status --long" ` +
        `on the host`,
    };
  // Since cloud-init 23.4, exit 2 means done with recoverable errors: the same policy as degraded.
  if (exitCode === 2 && !allowDegraded)
    return {
      kind: 'refused',
      message:
        'cloud-init finished with recoverable errors (exit 2), and --no-degraded refuses that; see "cloud-init ' +
        'status --long" on the host',
    };
  if (status === 'done' || status === 'disabled') return { kind: 'ready' };
  return { kind: 'booting', state: `cloud-init ${status}` };
}

function judgeSystemd(systemd: BootReport['systemd'], allowDegraded: boolean): BootVerdict {
  if (!systemd) return { kind: 'ready' };
  const { state, failedUnits } = systemd;
  if (state === 'running' || state === 'offline') return { kind: 'ready' };
  if (state === 'degraded') {
    if (allowDegraded) return { kind: 'ready' };
    const units = failedUnits.length > 0 ? `failed units: ${failedUnits.join(', ')}` : 'see "systemctl --failed"';
    return { kind: 'refused', message: `systemd finished booting degraded (${units}), and --no-degraded refuses that` };
  }
  if (state === 'maintenance' || state === 'stopping')
    return {
      kind: 'refused',
      message:
        `systemd is in state "${state}": the host is ` +
        `${state === 'stopping' ? 'shutting down' : 'in rescue or emergency mode'}`,
    };
  if (SYSTEMD_BOOTING.has(state)) return { kind: 'booting', state: `systemd ${state}` };
  return { kind: 'booting', state: `systemd state unreadable: ${JSON.stringify(state.slice(0, 200))}` };
}

export type FirstExec =
  | { ok: true; exec: ExecResult; execCount: number; boot?: { query: ProbeQuery; frame: Frame } }
  | { ok: false; status: 'unreachable' | 'error'; reason: string; reasonKind?: UnreachableKind; execCount: number };

/** The probe's one exec, without waiting: an unreachable host is that host's result, never a throw. */
export async function execOnce(
  target: Target,
  queries: readonly ProbeQuery[],
  commandTimeoutMs: number,
  onPhase?: PhaseListener,
  script: string = checkProbeScript(queries, target),
): Promise<FirstExec> {
  try {
    return {
      ok: true,
      exec: await target.exec(script, {
        timeoutMs: commandTimeoutMs,
        ...(onPhase ? { onPhase } : {}),
      }),
      execCount: 1,
    };
  } catch (error) {
    if (isSpecError(error)) throw error;
    if (error instanceof TargetUnreachableError)
      return { ok: false, status: 'unreachable', reason: error.message, reasonKind: error.kind, execCount: 0 };
    return { ok: false, status: 'error', reason: describeError(error), execCount: 1 };
  }
}

/**
 * `--wait`: retries connecting with backoff while the failure can heal, and runs the boot wait as
 * the first query of the probe, so a host that answers and finishes booting costs one exec. A
 * second exec happens only when the boot was still in progress after the in-session wait
 * returned (systemd older than 240, an `unknown` state) or the connection broke mid-wait (a
 * reboot by cloud-init).
 */
export async function execWhenReady(
  target: Target,
  queries: readonly ProbeQuery[],
  commandTimeoutMs: number,
  wait: WaitOptions,
  onPhase?: PhaseListener,
): Promise<FirstExec> {
  const clock = wait.clock ?? systemClock;
  const random = wait.random ?? Math.random;
  const deadline = clock.now() + wait.timeoutMs;
  const waited = `--wait ${formatDuration(wait.timeoutMs)}`;
  let retries = 0;
  let attempts = 0;
  let authFailures = 0;
  let execCount = 0;
  for (;;) {
    const remainingMs = Math.max(0, deadline - clock.now());
    const boot = bootQuery(remainingMs / 1000);
    const script = checkProbeScript([boot, ...queries], target);
    attempts++;
    let exec: ExecResult;
    try {
      exec = await target.exec(script, { timeoutMs: remainingMs + commandTimeoutMs, ...(onPhase ? { onPhase } : {}) });
    } catch (error) {
      if (isSpecError(error)) throw error;
      if (!(error instanceof TargetUnreachableError))
        return { ok: false, status: 'error', reason: describeError(error), execCount: execCount + 1 };
      if (error.kind === 'auth') authFailures++;
      const tried = attempts === 1 ? '' : ` (${attempts} connection attempts in ${waited})`;
      if (!canHealWhileBooting(error.kind, authFailures)) {
        const why = error.kind === 'auth' ? `; gave up after ${authFailures} authentication failures` : '';
        return {
          ok: false,
          status: 'unreachable',
          reason: `${error.message}${tried}${why}`,
          reasonKind: error.kind,
          execCount,
        };
      }
      if (clock.now() >= deadline)
        return {
          ok: false,
          status: 'unreachable',
          reason:
            `${target.name} did not answer SSH within ${waited}: ${attempts} connection attempts, the last: ` +
            `${error.message}`,
          reasonKind: 'timeout',
          execCount,
        };
      await clock.sleep(Math.min(backoffDelay(retries++, random), deadline - clock.now()));
      continue;
    }
    execCount++;
    const frames = parseProbeOutput(exec.stdout).frames;
    const bootFrame = frames.get(BOOT_QUERY_ID);
    // No host frame: the probe itself could not start; runHost reports that as for any probe.
    if (!frames.has(HOST_QUERY_ID)) return { ok: true, exec, execCount };
    if (!bootFrame) {
      const why = exec.timedOut
        ? `the boot wait did not finish within ${waited}`
        : `the boot wait ended without a report (exit ${exec.exitCode ?? exec.signal})`;
      return { ok: false, status: 'error', reason: `${why}: waited for cloud-init and systemd`, execCount };
    }
    let report: BootReport;
    try {
      report = parseBootFrame(bootFrame);
    } catch (error) {
      return { ok: false, status: 'error', reason: (error as Error).message, execCount };
    }
    const verdict = judgeBoot(report, wait.allowDegraded);
    if (verdict.kind === 'ready') return { ok: true, exec, execCount, boot: { query: boot, frame: bootFrame } };
    if (verdict.kind === 'refused') return { ok: false, status: 'error', reason: verdict.message, execCount };
    if (clock.now() >= deadline)
      return {
        ok: false,
        status: 'error',
        reason:
          `the boot did not finish within ${waited}: waited for "cloud-init status --wait" and "systemctl ` +
          `is-system-running --wait"; last state seen: ${verdict.state}`,
        execCount,
      };
    await clock.sleep(Math.min(backoffDelay(retries++, random), deadline - clock.now()));
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
