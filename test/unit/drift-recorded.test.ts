import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { diffSnapshots } from '../../src/drift/diff.js';
import type { HostDrift } from '../../src/drift/diff-schema.js';
import { parseIgnoreFile } from '../../src/drift/ignore.js';
import { parseSnapshot, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { judgeDrift } from '../../src/gate/drift-policy.js';
import { SUDO_FILES } from '../support/drift-e2e.js';

function recorded(name: string): Snapshot {
  const file = fileURLToPath(new URL(`../fixtures/drift/recorded/${name}.json.gz`, import.meta.url));
  return parseSnapshot(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')), name);
}

/** What two stock test-bed instances differ in (test/e2e/drift.test.ts explains each). */
const TESTBED_IGNORES = parseIgnoreFile(
  `ignore:
  - { kind: mounts, keys: /, attributes: options }
  - paths: /etc/hosts
`,
  'testbed-ignore.yaml',
);

function differences(host: HostDrift): string[] {
  return host.kinds.flatMap((k) => [
    ...k.added.map((i) => `${k.kind} + ${i.key}`),
    ...k.removed.map((i) => `${k.kind} - ${i.key}`),
    ...k.changed.map((i) => `${k.kind} ~ ${i.key} ${i.changes.map((c) => c.attribute).join(',')}`),
  ]);
}

describe('drift on recorded snapshots of booted instances', () => {
  const stock = recorded('stock');
  const changed = recorded('changed');
  const now = new Date('2026-11-27T00:00:00Z');

  it('a snapshot against itself: no drift in 1,100 files, 144 packages, 900 kernel parameters', () => {
    const host = diffSnapshots(stock, stock, { now });
    expect(host.state).to.equal('no-drift');
    expect(stock.files.length).to.be.greaterThan(1000);
  });

  it('two instances: only the per-instance files, which the ignore file names', () => {
    const bare = diffSnapshots(stock, changed, { now });
    expect(differences(bare)).to.include.members(['mounts ~ / options', 'files ~ /etc/hosts sha256']);
    const host = diffSnapshots(stock, changed, { now, ignore: TESTBED_IGNORES });
    expect(differences(host).sort()).to.deep.equal(
      [
        'packages - sudo:amd64',
        'services + extra-listener',
        'services ~ cron active,sub',
        'services - sudo',
        'listeners + tcp6 [::]:8081',
        'users + extra',
        'groups + extra',
        'files + /etc/subgid-',
        'files + /etc/subuid-',
        ...[
          '/etc/group',
          '/etc/group-',
          '/etc/gshadow',
          '/etc/gshadow-',
          '/etc/passwd',
          '/etc/passwd-',
          '/etc/shadow',
          '/etc/shadow-',
          '/etc/subgid',
          '/etc/subuid',
        ].map((f) => `files ~ ${f} size,sha256`),
        'files ~ /etc/nginx/nginx.conf size,sha256',
        'files ~ /usr/bin/tee mode',
        ...SUDO_FILES.map((f) => `files - ${f}`),
      ].sort(),
    );
    const listener = host.kinds.find((k) => k.kind === 'listeners')!.added[0]!;
    expect(listener.record).to.deep.equal({
      protocol: 'tcp6',
      address: '::',
      port: 8081,
      processes: ['systemd-socket-'],
    });
    expect(host.kinds.find((k) => k.kind === 'services')!.added[0]!.record).to.deep.include({
      name: 'extra-listener',
      enabled: 'transient',
      active: 'active',
      sub: 'running',
    });
  });

  it('the default gate: exit 7, the listener, the user and the SUID file blocked by their built-in rules', () => {
    const host = diffSnapshots(stock, changed, { now, ignore: TESTBED_IGNORES });
    const report = judgeDrift({
      schemaVersion: 1,
      tool: { name: 'driftspec', version: '0.1.0' },
      generatedAt: now.toISOString(),
      mode: 'snapshots',
      baseline: {
        target: stock.target,
        takenAt: stock.takenAt,
        toolVersion: '0.1.0',
        hostname: 'img120',
        os: 'Debian',
        complete: true,
      },
      hosts: [host],
      warnings: [],
    });
    expect(report.verdict!.exitCode).to.equal(7);
    const rules = report.hosts[0]!.kinds.flatMap((k) =>
      [...k.added, ...k.changed]
        .filter((i) => i.gate?.rule.endsWith('(built-in rule)'))
        .map((i) => `${i.key}: ${i.gate!.rule}`),
    );
    expect(rules).to.deep.equal([
      'tcp6 [::]:8081: new listening port (built-in rule)',
      'extra: new user (built-in rule)',
      '/usr/bin/tee: new SUID/SGID file (built-in rule)',
    ]);
  });
});
