import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { file, planSpecs, spec } from '../../src/dsl/index.js';
import { runHost } from '../../src/engine/run-host.js';
import {
  AUTH_ATTEMPTS,
  BOOT_QUERY_ID,
  backoffDelay,
  bootQuery,
  canHealWhileBooting,
  execWhenReady,
  judgeBoot,
  parseBootFrame,
  type BootReport,
} from '../../src/engine/wait.js';
import { createRegistry } from '../../src/resources/index.js';
import { LocalTarget } from '../../src/targets/local.js';
import { TargetUnreachableError, UnreachableKinds } from '../../src/targets/target.js';
import { frame } from '../support/frames.js';
import {
  execResult,
  FakeClock,
  framedOutput,
  HOST_FRAME_TEXT,
  ScriptedTarget,
  type Answer,
} from '../support/fake-target.js';

const COMMAND_TIMEOUT_MS = 300_000;

function refused(): TargetUnreachableError {
  return new TargetUnreachableError('refused', 'cannot connect to 10.0.0.5:22: connection refused [ECONNREFUSED]');
}

/** An exec that reached a host whose boot wait reported `boot`. */
function booted(boot: string): Answer {
  return () =>
    execResult(
      framedOutput([
        { id: 'host', stdout: HOST_FRAME_TEXT },
        { id: BOOT_QUERY_ID, stdout: boot },
      ]),
    );
}

const RUNNING = 'cloud-init: absent\nsystemd: running\nfailed-units:\n';
const STARTING = 'cloud-init: absent\nsystemd: starting\nfailed-units:\n';
const DEGRADED = 'cloud-init: absent\nsystemd: degraded\nfailed-units:\nbroken.service\n';

function report(overrides: Partial<BootReport>): BootReport {
  return { cloudInit: null, systemd: { state: 'running', failedUnits: [] }, ...overrides };
}

describe('--wait', () => {
  describe('backoff', () => {
    it('doubles from 0.5 s up to 5 s, each step scaled by a jitter factor in [0.5, 1)', () => {
      expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, () => 0))).to.deep.equal([
        250, 500, 1000, 2000, 2500, 2500, 2500,
      ]);
      expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, () => 0.999999))).to.deep.equal([
        500, 1000, 2000, 4000, 5000, 5000,
      ]);
      const steps = [500, 1000, 2000, 4000, 5000, 5000];
      for (let trial = 0; trial < 200; trial++) {
        steps.forEach((step, n) => {
          const delay = backoffDelay(n);
          expect(delay).to.be.within(step / 2, step);
        });
      }
    });
  });

  describe('which failures are retried', () => {
    it('retries refused, timeout and network; auth a limited number of times; never host-key, dns or other', () => {
      const healing = UnreachableKinds.filter((kind) => canHealWhileBooting(kind, 1));
      expect(healing).to.deep.equal(['refused', 'timeout', 'auth', 'network']);
      expect(canHealWhileBooting('auth', AUTH_ATTEMPTS - 1)).to.equal(true);
      expect(canHealWhileBooting('auth', AUTH_ATTEMPTS)).to.equal(false);
    });
  });

  describe('reading the boot state', () => {
    it('reads cloud-init (dots and all), the systemd state and the failed units', () => {
      const parsed = parseBootFrame(
        frame(
          'cloud-init:\n.....\nstatus: done\ncloud-init-exit: 0\nsystemd: ' +
            'degraded\nfailed-units:\na.service\nb.mount\n',
        ),
      );
      expect(parsed).to.deep.equal({
        cloudInit: { status: 'done', exitCode: 0 },
        systemd: { state: 'degraded', failedUnits: ['a.service', 'b.mount'] },
      });
      expect(parseBootFrame(frame('cloud-init: absent\nsystemd: absent\n'))).to.deep.equal({
        cloudInit: null,
        systemd: null,
      });
      expect(parseBootFrame(frame('cloud-init:\n....\ncloud-init-exit: 124\nsystemd: absent\n'))).to.deep.equal({
        cloudInit: { status: null, exitCode: 124 },
        systemd: null,
      });
    });

    it('never reads a boot wait that did not report as "nothing to wait for"', () => {
      expect(() => parseBootFrame(frame('', 2, 'sh: 3: arithmetic expression: expecting primary'))).to.throw(
        'the boot wait on the host did not report the cloud-init status (exit 2: sh: 3: arithmetic expression: ' +
          'expecting primary)',
      );
      expect(() => parseBootFrame(frame('cloud-init: absent\n', 1))).to.throw(/did not report the systemd state/);
    });

    it('judges systemd: running ready, degraded by policy, starting waits, maintenance and stopping refused', () => {
      expect(judgeBoot(report({}), true)).to.deep.equal({ kind: 'ready' });
      expect(judgeBoot(report({ systemd: null }), false)).to.deep.equal({ kind: 'ready' });
      expect(judgeBoot(report({ systemd: { state: 'degraded', failedUnits: ['x.service'] } }), true)).to.deep.equal({
        kind: 'ready',
      });
      const refusedDegraded = judgeBoot(report({ systemd: { state: 'degraded', failedUnits: ['x.service'] } }), false);
      expect(refusedDegraded).to.deep.include({ kind: 'refused' });
      expect((refusedDegraded as { message: string }).message).to.match(
        /degraded \(failed units: x\.service\), and --no-degraded refuses that/,
      );
      for (const state of ['starting', 'initializing', 'unknown'])
        expect(judgeBoot(report({ systemd: { state, failedUnits: [] } }), true)).to.deep.equal({
          kind: 'booting',
          state: `systemd ${state}`,
        });
      for (const state of ['maintenance', 'stopping'])
        expect(judgeBoot(report({ systemd: { state, failedUnits: [] } }), true).kind).to.equal('refused');
      expect(
        judgeBoot(report({ systemd: { state: 'Failed to connect to bus', failedUnits: [] } }), true),
      ).to.deep.equal({
        kind: 'booting',
        state: 'systemd state unreadable: "Failed to connect to bus"',
      });
    });

    it('judges cloud-init first: done/disabled ready, running waits, error refused, exit 2 per degraded policy', () => {
      const cloud = (status: string | null, exitCode: number | null) => report({ cloudInit: { status, exitCode } });
      expect(judgeBoot(cloud('done', 0), false)).to.deep.equal({ kind: 'ready' });
      expect(judgeBoot(cloud('disabled', 0), false)).to.deep.equal({ kind: 'ready' });
      expect(judgeBoot(cloud('running', 124), true)).to.deep.equal({ kind: 'booting', state: 'cloud-init running' });
      expect(judgeBoot(cloud(null, 124), true)).to.deep.equal({ kind: 'booting', state: 'cloud-init gave no status' });
      expect(judgeBoot(cloud('not started', 0), true).kind).to.equal('booting');
      expect(judgeBoot(cloud('error', 1), true)).to.deep.include({ kind: 'refused' });
      expect(judgeBoot(cloud('done', 2), true)).to.deep.equal({ kind: 'ready' });
      expect(judgeBoot(cloud('done', 2), false)).to.deep.include({ kind: 'refused' });
      const bothWaiting = {
        cloudInit: { status: 'running', exitCode: 124 },
        systemd: { state: 'starting', failedUnits: [] },
      };
      expect(judgeBoot(bothWaiting, true)).to.deep.equal({ kind: 'booting', state: 'cloud-init running' });
    });

    it('runs cloud-init and systemctl, bounded, and retries without --wait when systemd knows no --wait', function () {
      this.timeout(20_000);
      const bin = mkdtempSync(join(tmpdir(), 'driftspec-boot-'));
      const tool = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      tool('cloud-init', 'printf "...\\nstatus: done\\n"');
      tool(
        'systemctl',
        [
          'case "$*" in',
          '  "is-system-running --wait") echo "unknown option --wait" >&2; exit 1 ;;',
          '  is-system-running) echo starting; exit 1 ;;',
          '  list-units*) echo "late.service loaded failed failed Late" ;;',
          'esac',
        ].join('\n'),
      );
      const run = (budget: number) => {
        const script =
          `ds_has() { command -v "$1" >/dev/null 2>&1; ` +
          `}\nDS_INIT=systemd\nPATH=${bin}:$PATH\n${bootQuery(budget).script}\n`;
        const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
        return parseBootFrame(frame(result.stdout));
      };
      expect(run(10)).to.deep.equal({
        cloudInit: { status: 'done', exitCode: 0 },
        systemd: { state: 'starting', failedUnits: ['late.service'] },
      });
      tool('cloud-init', 'sleep 30');
      const started = Date.now();
      expect(run(1).cloudInit).to.deep.equal({ status: null, exitCode: 124 });
      expect(Date.now() - started).to.be.below(5000);
    });
  });

  describe('reaching the host', () => {
    const wait = (clock: FakeClock, overrides = {}) => ({
      timeoutMs: 60_000,
      allowDegraded: true,
      clock,
      random: () => 0,
      ...overrides,
    });

    it('retries a refused connection with backoff, then waits for the boot in the same exec', async () => {
      const clock = new FakeClock();
      const target = new ScriptedTarget([refused(), refused(), refused(), booted(RUNNING)], clock);
      const outcome = await execWhenReady(target, [], COMMAND_TIMEOUT_MS, wait(clock));
      expect(outcome.ok).to.equal(true);
      expect(outcome.execCount).to.equal(1);
      expect(clock.sleeps).to.deep.equal([250, 500, 1000]);
      expect(target.calls).to.have.length(4);
      for (const call of target.calls)
        expect(call.script).to.include('cloud-init status --wait').and.include('systemctl is-system-running --wait');
      // The exec may take what is left of the wait plus the probe's own timeout.
      expect(target.calls[3]!.timeoutMs).to.equal(60_000 - 1750 + COMMAND_TIMEOUT_MS);
    });

    it('never retries a host key mismatch, a name that does not resolve or an unexplained failure', async () => {
      for (const kind of ['host-key', 'dns', 'other'] as const) {
        const clock = new FakeClock();
        const target = new ScriptedTarget([new TargetUnreachableError(kind, `${kind} trouble`)], clock);
        const outcome = await execWhenReady(target, [], COMMAND_TIMEOUT_MS, wait(clock));
        expect(outcome).to.deep.equal({
          ok: false,
          status: 'unreachable',
          reason: `${kind} trouble`,
          reasonKind: kind,
          execCount: 0,
        });
        expect(target.calls).to.have.length(1);
      }
    });

    it(`gives up on authentication after ${AUTH_ATTEMPTS} refusals`, async () => {
      const clock = new FakeClock();
      const answers = Array.from(
        { length: AUTH_ATTEMPTS + 5 },
        () => new TargetUnreachableError('auth', '10.0.0.5:22 refused the login as "root"'),
      );
      const target = new ScriptedTarget(answers, clock);
      const outcome = await execWhenReady(target, [], COMMAND_TIMEOUT_MS, wait(clock, { timeoutMs: 600_000 }));
      expect(target.calls).to.have.length(AUTH_ATTEMPTS);
      expect(outcome).to.deep.include({ ok: false, status: 'unreachable', reasonKind: 'auth' });
      expect((outcome as { reason: string }).reason).to.match(
        new RegExp(
          `refused the login as "root" \\(${AUTH_ATTEMPTS} connection attempts in --wait 10m\\); gave up after ` +
            `${AUTH_ATTEMPTS} authentication failures`,
        ),
      );
    });

    it('is unreachable (timeout) when the deadline passes, saying how often it tried and the last error', async () => {
      const clock = new FakeClock();
      const target = new ScriptedTarget(Array.from({ length: 100 }, refused), clock, 100);
      const outcome = await execWhenReady(target, [], COMMAND_TIMEOUT_MS, wait(clock, { timeoutMs: 10_000 }));
      expect(outcome).to.deep.include({ ok: false, status: 'unreachable', reasonKind: 'timeout', execCount: 0 });
      const reason = (outcome as { reason: string }).reason;
      expect(reason).to.match(
        new RegExp(
          /^ssh:\/\/root@scripted:22 did not answer SSH within --wait 10s: \d+ connection attempts, the last:/.source +
            / cannot connect to 10\.0\.0\.5:22: connection refused/.source,
        ),
      );
      // No attempt starts after the deadline; the last one starts at it.
      expect(Math.max(...target.calls.map((call) => call.at))).to.equal(10_000);
      expect(reason).to.include(`${target.calls.length} connection attempts`);
    });

    it('execs again while the boot is still in progress after the in-session wait returned', async () => {
      const clock = new FakeClock();
      const target = new ScriptedTarget([booted(STARTING), booted(STARTING), booted(RUNNING)], clock);
      const outcome = await execWhenReady(target, [], COMMAND_TIMEOUT_MS, wait(clock));
      expect(outcome).to.deep.include({ ok: true, execCount: 3 });
    });

    it('is an error naming what it waited for and the last state when the boot does not finish in time', async () => {
      const clock = new FakeClock();
      const target = new ScriptedTarget(
        Array.from({ length: 100 }, () => booted(STARTING)),
        clock,
        1000,
      );
      const outcome = await execWhenReady(target, [], COMMAND_TIMEOUT_MS, wait(clock, { timeoutMs: 20_000 }));
      expect(outcome).to.deep.include({ ok: false, status: 'error' });
      expect((outcome as { reason: string }).reason).to.equal(
        'the boot did not finish within --wait 20s: waited for "cloud-init status --wait" and "systemctl ' +
          'is-system-running --wait"; last state seen: systemd starting',
      );
    });

    it('accepts degraded by default and refuses it with --no-degraded, naming the failed units', async () => {
      const clock = new FakeClock();
      expect(
        await execWhenReady(new ScriptedTarget([booted(DEGRADED)], clock), [], COMMAND_TIMEOUT_MS, wait(clock)),
      ).to.deep.include({ ok: true, execCount: 1 });
      const refusedOutcome = await execWhenReady(
        new ScriptedTarget([booted(DEGRADED)], clock),
        [],
        COMMAND_TIMEOUT_MS,
        wait(clock, { allowDegraded: false }),
      );
      expect(refusedOutcome).to.deep.equal({
        ok: false,
        status: 'error',
        reason: 'systemd finished booting degraded (failed units: broken.service), and --no-degraded refuses that',
        execCount: 1,
      });
    });

    it('is an error when the exec was killed during the boot wait', async () => {
      const clock = new FakeClock();
      const killed: Answer = () =>
        execResult(framedOutput([{ id: 'host', stdout: HOST_FRAME_TEXT }], false), { exitCode: null, timedOut: true });
      const outcome = await execWhenReady(
        new ScriptedTarget([killed], clock),
        [],
        COMMAND_TIMEOUT_MS,
        wait(clock, { timeoutMs: 5000 }),
      );
      expect(outcome).to.deep.include({ ok: false, status: 'error', execCount: 1 });
      expect((outcome as { reason: string }).reason).to.match(/^the boot wait did not finish within --wait 5s/);
    });
  });

  describe('runHost with --wait', () => {
    it('runs the checks in the same exec that waited for the boot, and keeps the boot report as evidence', async () => {
      const registry = createRegistry();
      const plan = planSpecs([{ definition: spec('w', () => file('/etc/passwd').exists()) }], registry);
      const clock = new FakeClock();
      const local = new LocalTarget();
      const target = new ScriptedTarget(
        [refused(), refused(), (script, options) => local.exec(script, options)],
        clock,
      );
      const result = await runHost(plan, target, {
        registry,
        commandTimeoutMs: 60_000,
        wait: { timeoutMs: 60_000, allowDegraded: true, clock, random: () => 0 },
      });
      expect(result.status).to.equal('completed');
      expect(result.execCount).to.equal(1);
      expect(result.results.map((r) => r.status)).to.deep.equal(['passed']);
      expect(result.evidence[BOOT_QUERY_ID]?.stdout).to.match(/^cloud-init: /m);
    });

    it('reports a host that never answered as unreachable, its checks not run', async () => {
      const registry = createRegistry();
      const plan = planSpecs([{ definition: spec('w', () => file('/etc/passwd').exists()) }], registry);
      const clock = new FakeClock();
      const target = new ScriptedTarget(Array.from({ length: 100 }, refused), clock, 10);
      const result = await runHost(plan, target, {
        registry,
        commandTimeoutMs: 60_000,
        wait: { timeoutMs: 3000, allowDegraded: true, clock, random: () => 0 },
      });
      expect(result).to.deep.include({ status: 'unreachable', reasonKind: 'timeout', execCount: 0 });
      expect(result.results[0]!.message).to.match(
        /^not checked: host unreachable: .* did not answer SSH within --wait 3s/,
      );
    });
  });
});
