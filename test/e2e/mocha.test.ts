import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../support/cli.js';
import { FIXTURES, report, reporterArgs, runMocha, timeless } from '../support/mocha-run.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';
import { requireXmllint, schemaErrors } from '../support/xmllint.js';

// test/fixtures/mocha/fleet.test.mjs (25 assertions per host) on two booted instances, taken from
// an inventory through DRIFTSPEC_INVENTORY; sshd counts the sessions each instance served.

/** DEBUG1 makes sshd log "Starting session: command for USER" once per session: the exec count, read on the server. */
function countSessions({ upperDir }: { upperDir: string }): void {
  mkdirSync(join(upperDir, 'etc/ssh/sshd_config.d'), { recursive: true });
  writeFileSync(join(upperDir, 'etc/ssh/sshd_config.d/50-driftspec-mocha.conf'), 'LogLevel DEBUG1\n');
}

function journalCursor(instance: TestInstance): string {
  const output = instance.inContainer(['journalctl', '-t', 'sshd', '-n', '1', '--show-cursor', '-o', 'cat']);
  const cursor = /^-- cursor: (.+)$/m.exec(output)?.[1];
  if (!cursor) throw new Error(`no journal cursor in: ${output}`);
  return cursor;
}

/** Sessions sshd started after `cursor`, once every connection of the run was closed. */
async function sessionsAfter(instance: TestInstance, cursor: string, connections: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = instance
      .inContainer(['journalctl', '-t', 'sshd', `--after-cursor=${cursor}`, '-o', 'cat'])
      .split('\n')
      .filter(Boolean);
    const closed = lines.filter((line) => /^Disconnected from user root /.test(line)).length;
    if (closed >= connections || Date.now() > deadline)
      return lines.filter((line) => line.startsWith('Starting session:'));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A change made the way an operator makes it: a command over SSH. */
function overSsh(instance: TestInstance, command: string): void {
  const run = spawnSync(
    'ssh',
    [
      ...['-i', instance.keyPath, '-o', `UserKnownHostsFile=${instance.knownHostsPath}`],
      ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', `root@${instance.address}`, command],
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (run.status !== 0) throw new Error(`ssh ${command}: ${run.stderr}`);
}

/** Each testcase of a JUnit report: its names, its outcome and message, its check id; not the evidence. */
function testcases(xml: string): string[] {
  return [...timeless(xml).matchAll(/<testcase [^>]*>[\s\S]*?<\/testcase>/g)].map(([testcase]) =>
    testcase.replace(/(<system-out><!\[CDATA\[check: \S+)[\s\S]*?\]\]>/, '$1]]>'),
  );
}

describe('driftspec/mocha on two booted instances', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 226, count: 2, prepare: countSessions });
  const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-mocha-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const inventory = join(work, 'inventory.yaml');
  const env = () => ({ DRIFTSPEC_INVENTORY: inventory });

  /** The JUnit report of `driftspec run` for the same checks on the same inventory, which must end with `code`. */
  async function cliJunit(name: string, code: number): Promise<string> {
    const path = join(work, name);
    const spec = join(FIXTURES, 'fleet.spec.mjs');
    const cli = await runCli(
      ['run', spec, '--inventory', inventory, '--reporter', `junit:${path}`],
      join(work, 'cache'),
    );
    expect(cli.code, cli.stderr).to.equal(code);
    return readFileSync(path, 'utf8');
  }

  before(() => {
    const hosts = bed.instances.map(
      (instance) =>
        `  ${instance.name}:\n    url: ${instance.url}\n    identity: ${instance.keyPath}\n` +
        `    hostKey: ${instance.hostKeyFingerprint}\n`,
    );
    writeFileSync(inventory, `hosts:\n${hosts.join('')}`);
  });

  it('runs 50 assertions across two hosts in exactly one exec per host, counted by sshd', async function () {
    requireXmllint(this);
    const cursors = bed.instances.map(journalCursor);
    const junit = join(work, 'mocha.xml');
    const run = runMocha([...reporterArgs(work, { junit, console: 'spec' }), 'fleet.test.mjs'], env());
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.contain('50 passing');
    for (const [index, instance] of bed.instances.entries()) {
      const sessions = await sessionsAfter(instance, cursors[index]!, 1);
      expect(sessions, `${instance.name}: ${sessions.join('\n')}`).to.have.length(1);
    }
    const result = report(work);
    expect(result.hosts.map((host) => [host.target, host.execCount, host.counts.passed])).to.deep.equal(
      bed.instances.map((instance) => [instance.url, 1, 25]),
    );
    expect(schemaErrors(junit)).to.equal(null);
    const cli = await cliJunit('cli.xml', 0);
    expect(timeless(readFileSync(junit, 'utf8'))).to.equal(timeless(cli));
  });

  it('fails exactly the assertions a change over SSH broke, with readable messages', async function () {
    requireXmllint(this);
    const changed = bed.instances[0]!;
    overSsh(changed, 'chmod 0600 /etc/passwd && mv /etc/debian_version /etc/debian_version.moved');
    try {
      const junit = join(work, 'changed.xml');
      const run = runMocha([...reporterArgs(work, { junit, console: 'spec' }), 'fleet.test.mjs'], env());
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stdout).to.contain('48 passing');
      expect(run.stdout).to.contain('2 failing');
      expect(run.stdout).to.contain(`file /etc/passwd should have mode 0644 (on ${changed.url})`);
      expect(run.stdout).to.contain('expected file /etc/passwd to have mode 0644, but got 0600');
      expect(run.stdout).to.contain(`file /etc/debian_version should be of type file (on ${changed.url})`);
      const failed = report(work).hosts.flatMap((host) =>
        host.results.filter((check) => check.status !== 'passed').map((check) => `${host.target} ${check.checkId}`),
      );
      expect(failed).to.deep.equal([`${changed.url} fleet#2`, `${changed.url} fleet#25`]);
      expect(schemaErrors(junit)).to.equal(null);
      const cli = await cliJunit('cli-changed.xml', 1);
      expect(testcases(readFileSync(junit, 'utf8'))).to.deep.equal(testcases(cli));
      expect(testcases(readFileSync(junit, 'utf8'))).to.have.length(50);
    } finally {
      overSsh(changed, 'chmod 0644 /etc/passwd && mv /etc/debian_version.moved /etc/debian_version');
    }
  });
});
