import { diffSnapshots, unreachableHostDrift } from '../../src/drift/diff.js';
import { DRIFT_REPORT_SCHEMA_VERSION, type DriftReport } from '../../src/drift/diff-schema.js';
import type { Snapshot } from '../../src/drift/snapshot-schema.js';
import { countStatuses, type CheckStatus, type HostResult, type RunResult } from '../../src/results/schema.js';
import { handMadeSnapshot, withChanges } from './drift-snapshots.js';

/** The spec the run results below checked, as a YAML spec file (two checks: s#1, s#2). */
export const SPEC_YAML =
  'spec: s\nversion: 1.0.0\nchecks:\n  - file: /etc/passwd\n    exists: true\n  - file: /etc/group\n    exists: true\n';

/** One host of a run: its status, and the status of each of the spec's two checks. */
export interface HostOutline {
  target?: string;
  status?: HostResult['status'];
  checks?: [CheckStatus, CheckStatus];
}

/** A run result of SPEC_YAML over the hosts outlined (by default one host that passed). */
export function runResultOf(hosts: HostOutline[] = [{}]): RunResult {
  const hostResults = hosts.map((outline, index): HostResult => {
    const statuses = outline.checks ?? ['passed', 'passed'];
    const results = statuses.map((status, i) => ({
      checkId: `s#${i + 1}`,
      control: null,
      title: `check ${i + 1}`,
      resource: 'file',
      subject: i === 0 ? '/etc/passwd' : '/etc/group',
      matcher: 'exists',
      negated: false,
      status,
      message: status,
    }));
    return {
      target: outline.target ?? `ssh://10.0.0.${index + 1}`,
      status: outline.status ?? 'completed',
      ...(outline.status === 'unreachable' ? { reason: 'connection refused' } : {}),
      startedAt: '2026-01-01T00:00:00.000+00:00',
      durationMs: 10,
      execCount: 1,
      counts: countStatuses(results),
      results,
      evidence: {},
    };
  });
  return {
    schemaVersion: 1,
    tool: { name: 'driftspec', version: '0.1.0' },
    startedAt: '2026-01-01T00:00:00.000+00:00',
    finishedAt: '2026-01-01T00:00:01.000+00:00',
    specs: [{ name: 's', version: '1.0.0' }],
    controls: [],
    counts: countStatuses(hostResults.flatMap((host) => host.results)),
    hosts: hostResults,
  };
}

export const BASELINE: Snapshot = handMadeSnapshot();
const NOW = new Date('2026-01-01T00:00:00Z');

/** A drift report of one candidate: the baseline changed by `change`, or an unreachable host. */
export function driftReportOf(change: ((snapshot: Snapshot) => void) | 'unreachable' = () => {}): DriftReport {
  const host =
    change === 'unreachable'
      ? unreachableHostDrift('ssh://10.0.0.1', 'connection refused')
      : diffSnapshots(BASELINE, withChanges(BASELINE, change), { now: NOW });
  return {
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: '0.1.0' },
    generatedAt: '2026-01-01T00:00:00.000+00:00',
    mode: 'snapshots',
    baseline: {
      target: BASELINE.target,
      takenAt: BASELINE.takenAt,
      toolVersion: '0.1.0',
      hostname: 'golden',
      os: 'Debian GNU/Linux 12 (bookworm)',
      complete: true,
    },
    hosts: [host],
    warnings: [],
  };
}

export const addUser = (snapshot: Snapshot) =>
  snapshot.users.push({ name: 'extra', uid: 1001, gid: 1001, home: '/home/extra', shell: '/bin/sh', gecos: '' });
export const upgradeOpenssl = (snapshot: Snapshot) =>
  (snapshot.packages.find((p) => p.name === 'openssl')!.version = '3.0.13-1~deb12u1');
