import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema, type CheckResult } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-grouped-'));

/**
 * Checks whose subjects share grouped queries (one dpkg-query, getent, stat, grep, systemctl
 * show for all of them), with present, absent, aliased, masked and unreadable subjects.
 */
const CHECKS = [
  ...['openssh-server', 'nginx-light', 'no-such-package', 'libc6', 'cron', 'also-missing'].map(
    (name) => `  - package: ${name}\n    installed: true`,
  ),
  ...['ssh', 'nosuch', 'cron', 'sshd', 'procps', 'nginx', 'hwclock.service'].map(
    (name) => `  - service: ${name}\n    enabled: true\n    running: true`,
  ),
  ...['root', 'nobody', 'no-such-user', 'www-data'].map((name) => `  - user: ${name}\n    uid: 0`),
  ...['root', 'shadow', 'no-such-group'].map((name) => `  - group: ${name}\n    gid: 0`),
  ...['/etc/passwd', '/etc/shadow', '/nonexistent', '/etc/passwd/x', '/bin', '/tmp'].map(
    (path) => `  - file: ${path}\n    mode: '0644'\n    linkTarget: usr/bin`,
  ),
  ...['kernel.randomize_va_space', 'net.ipv4.tcp_rmem', 'net.ipv4.no_such', 'vm.compact_memory', 'net.ipv4'].map(
    (key) => `  - kernel_parameter: ${key}\n    value: '2'`,
  ),
];

function specOf(name: string, checks: readonly string[]): string {
  const path = join(work, `${name}.yaml`);
  writeFileSync(path, `spec: ${name}\nchecks:\n${checks.join('\n')}\n`);
  return path;
}

async function run(instance: TestInstance, spec: string): Promise<CheckResult[]> {
  const args = [
    'run',
    spec,
    '--format',
    'json',
    '--target',
    instance.url,
    '-i',
    instance.keyPath,
    '--known-hosts',
    instance.knownHostsPath,
    '--no-ssh-config',
  ];
  const result = await runCli(args, join(work, 'cache'));
  expect(result.code, result.stderr).to.be.oneOf([0, 1, 2]);
  const parsed = RunResultSchema.parse(JSON.parse(result.stdout));
  expect(parsed.hosts[0]!.status, parsed.hosts[0]!.reason).to.equal('completed');
  return parsed.hosts[0]!.results;
}

const outcome = (r: CheckResult) => ({
  subject: r.subject,
  matcher: r.matcher,
  status: r.status,
  actual: r.actual,
  message: r.message,
});

describe('grouped fact queries on a booted instance', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 180, count: 1 });

  it('judge every subject exactly as a query of its own would', async () => {
    const [instance] = bed.instances;
    const together = await run(instance!, specOf('together', CHECKS));
    const alone: CheckResult[] = [];
    for (const [index, check] of CHECKS.entries())
      alone.push(...(await run(instance!, specOf(`alone-${index}`, [check]))));
    expect(together.map(outcome)).to.deep.equal(alone.map(outcome));
    // The subjects really were read, not all errors alike.
    const status = (subject: string | number, matcher: string) =>
      together.find((r) => r.subject === subject && r.matcher === matcher)?.status;
    expect(status('openssh-server', 'installed')).to.equal('passed');
    expect(status('no-such-package', 'installed')).to.equal('failed');
    expect(status('ssh', 'running')).to.equal('passed');
    expect(status('nosuch', 'enabled')).to.equal('failed');
    expect(status('root', 'uid')).to.equal('passed');
    expect(status('no-such-user', 'uid')).to.equal('failed');
    expect(status('/etc/passwd', 'mode')).to.equal('passed');
    expect(status('/bin', 'linkTarget')).to.equal('passed');
    expect(status('kernel.randomize_va_space', 'value')).to.equal('passed');
    expect(status('vm.compact_memory', 'value')).to.equal('error');
  });
});
