import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DriftReportSchema, type DriftReport } from '../../src/drift/diff-schema.js';
import { isRoot } from '../support/environment.js';
import { runCli } from '../support/cli.js';
import { handMadeSnapshot } from '../support/drift-snapshots.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-drift-targets-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));
const path = (name: string) => join(work, name);

function write(name: string, text: string): string {
  writeFileSync(path(name), text);
  return path(name);
}

function report(stdout: string): DriftReport {
  return DriftReportSchema.parse(JSON.parse(stdout));
}

/**
 * `driftspec drift` chooses live hosts as `driftspec run` does (src/cli/select-targets.ts): the
 * arguments, then the inventory hosts `--limit` selects, in file order; with --wait, --no-degraded,
 * --concurrency and --host-timeout. Unreachable addresses (a closed port on 127.0.0.1) show which
 * hosts were chosen without any machine; the local machine shows a host that is compared.
 */
describe('driftspec drift: target selection as in driftspec run', function () {
  this.timeout(120_000);
  let baseline: string;
  let inventory: string;
  before(() => {
    baseline = write('baseline.json', JSON.stringify(handMadeSnapshot()));
    inventory = write(
      'fleet.yaml',
      [
        'defaults:',
        '  user: root',
        'hosts:',
        '  web-1: { url: "ssh://127.0.0.1:1", tags: [web] }',
        '  web-2: { host: 127.0.0.2, port: 1 }',
        '  db-1: { host: 127.0.0.3, port: 1 }',
        'groups:',
        '  web: [web-1, web-2]',
        '  databases: [db-1]',
        '',
      ].join('\n'),
    );
  });
  const unreachable = ['--known-hosts', '/dev/null', '--connect-timeout', '5', '--format', 'json'];

  it('--inventory with --limit: only the selected hosts, in file order, each with its inventory entry', async () => {
    const run = await cli(
      'drift',
      '--baseline',
      baseline,
      '--inventory',
      inventory,
      '--limit',
      'db-1,web',
      ...unreachable,
    );
    expect(run.code, run.stderr).to.equal(8);
    const hosts = report(run.stdout).hosts;
    expect(hosts.map((h) => [h.target, h.state, h.inventory])).to.deep.equal([
      ['ssh://root@127.0.0.1:1', 'incomplete', { name: 'web-1', groups: ['web'], tags: ['web'] }],
      ['ssh://root@127.0.0.2:1', 'incomplete', { name: 'web-2', groups: ['web'], tags: [] }],
      ['ssh://root@127.0.0.3:1', 'incomplete', { name: 'db-1', groups: ['databases'], tags: [] }],
    ]);
    expect(
      hosts.every((h) => /^unreachable: .*refused/.test(h.reason!)),
      hosts.map((h) => h.reason).join('\n'),
    ).to.equal(true);
  });

  it('without --limit every inventory host; arguments (targets and snapshot files) come first', async () => {
    const run = await cli(
      'drift',
      '--baseline',
      baseline,
      baseline,
      'ssh://root@127.0.0.4:1',
      '--inventory',
      inventory,
      ...unreachable,
    );
    const hosts = report(run.stdout).hosts;
    expect(hosts.map((h) => [h.target, h.inventory?.name])).to.deep.equal([
      ['ssh://root@10.0.0.5:22', undefined],
      ['ssh://root@127.0.0.4:1', undefined],
      ['ssh://root@127.0.0.1:1', 'web-1'],
      ['ssh://root@127.0.0.2:1', 'web-2'],
      ['ssh://root@127.0.0.3:1', 'db-1'],
    ]);
    expect(hosts[0]!.state).to.equal('no-drift');
    expect(report(run.stdout).mode).to.equal('live');
    expect(run.code).to.equal(8);
  });

  it('the baseline as the first argument and the hosts from the inventory alone', async () => {
    const run = await cli('drift', baseline, '--inventory', inventory, '--limit', 'web-2', ...unreachable);
    expect(report(run.stdout).hosts.map((h) => h.inventory?.name)).to.deep.equal(['web-2']);
    expect(run.code).to.equal(8);
  });

  it('--wait retries a host that does not answer, and says how long it waited', async () => {
    const started = Date.now();
    const run = await cli(
      'drift',
      '--baseline',
      baseline,
      '--inventory',
      inventory,
      '--limit',
      'web-1',
      '--wait',
      '3s',
      ...unreachable,
    );
    const host = report(run.stdout).hosts[0]!;
    expect(host.state).to.equal('incomplete');
    expect(host.reason).to.match(
      new RegExp(
        /^unreachable: ssh:\/\/root@127\.0\.0\.1:1 did not answer SSH within --wait 3s: [2-9]\d* connection/.source +
          / attempts, the last: .*refused/.source,
      ),
    );
    expect(Date.now() - started).to.be.greaterThan(2500);
    expect(run.code).to.equal(8);
  });

  it('--host-timeout bounds a host that accepts the connection and never answers', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const run = await cli(
        'drift',
        '--baseline',
        baseline,
        `ssh://root@127.0.0.1:${port}`,
        '--known-hosts',
        '/dev/null',
        '--connect-timeout',
        '60',
        '--host-timeout',
        '2',
        '--format',
        'json',
      );
      const host = report(run.stdout).hosts[0]!;
      expect(host.reason).to.equal(
        `unreachable: ssh://root@127.0.0.1:${port} did not finish within the 2 s host timeout (connecting, logging ` +
          `in and the snapshot probe)`,
      );
      expect(run.code).to.equal(8);
    } finally {
      silent.close();
    }
  });

  it('--concurrency 1 still compares every host', async () => {
    const run = await cli(
      'drift',
      '--baseline',
      baseline,
      '--inventory',
      inventory,
      '--concurrency',
      '1',
      ...unreachable,
    );
    expect(report(run.stdout).hosts).to.have.length(3);
  });

  describe('mistakes in the selection are refused before any host is contacted', () => {
    const cases: Array<[string, () => string[], number, RegExp]> = [
      [
        '--limit without --inventory',
        () => ['--limit', 'web', 'ssh://root@127.0.0.1:1'],
        64,
        /--limit selects hosts of an inventory: add --inventory <file>/,
      ],
      [
        'a --limit name the inventory does not have',
        () => ['--inventory', inventory, '--limit', 'webb'],
        64,
        new RegExp(
          /--limit: "webb" is neither a host nor a group of .*fleet\.yaml; it has groups all, web, databases/.source +
            / and hosts web-1, web-2, db-1/.source,
        ),
      ],
      [
        'a host named as an argument and in the inventory',
        () => ['ssh://root@127.0.0.1:1', '--inventory', inventory],
        64,
        /ssh:\/\/root@127\.0\.0\.1:1 is both an argument and inventory host "web-1"; name each host once/,
      ],
      [
        '--no-degraded without --wait',
        () => ['--inventory', inventory, '--no-degraded'],
        64,
        /--no-degraded is a rule for --wait: add --wait <duration>/,
      ],
      ['a --wait that is not a duration', () => ['--inventory', inventory, '--wait', 'soon'], 64, /--wait/],
      [
        'a --concurrency of 0',
        () => ['--inventory', inventory, '--concurrency', '0'],
        64,
        /expected a whole number of at least 1, got "0"/,
      ],
      [
        'a --host-timeout of -1',
        () => ['--inventory', inventory, '--host-timeout', '-1'],
        64,
        /expected a positive number of seconds, got "-1"/,
      ],
      [
        'an inventory with a mistake',
        () => ['--inventory', write('bad-fleet.yaml', 'hosts:\n  web-1:\n    adress: 10.0.0.1\n')],
        78,
        /bad-fleet\.yaml:3:5: hosts\.web-1: unknown key "adress"/,
      ],
      ['a missing inventory', () => ['--inventory', path('none.yaml')], 78, /none\.yaml: inventory file not found/],
    ];
    for (const [what, args, code, message] of cases) {
      it(what, async () => {
        const run = await cli('drift', '--baseline', baseline, ...args());
        expect(run.code, run.stdout + run.stderr).to.equal(code);
        expect(run.stderr).to.match(message);
        expect(run.stdout).to.equal('');
      });
    }
  });

  it('an inventory host that is this machine, snapshotted and compared with its own baseline: no drift', async () => {
    const snapshot = await cli(
      'snapshot',
      'local',
      '--files',
      '/etc/hostname',
      '--files',
      '/etc/passwd',
      '-o',
      path('local.json'),
      '--allow-incomplete',
    );
    expect(snapshot.code, snapshot.stderr).to.equal(0);
    const local = write(
      'local-fleet.yaml',
      'hosts:\n  here: { url: local, tags: [laptop] }\n  far: { host: 127.0.0.1, port: 1 }\ngroups:\n  mine: [here]\n',
    );
    const run = await cli(
      'drift',
      '--baseline',
      path('local.json'),
      '--inventory',
      local,
      '--limit',
      'mine',
      '--format',
      'json',
    );
    const hosts = report(run.stdout).hosts;
    expect(hosts.map((h) => [h.target, h.inventory])).to.deep.equal([
      ['local', { name: 'here', groups: ['mine'], tags: ['laptop'] }],
    ]);
    // Without root some data cannot be read: then the host is incomplete, never "no drift".
    expect(hosts[0]!.state).to.equal(isRoot() ? 'no-drift' : 'incomplete');
    expect(run.code, run.stderr).to.equal(isRoot() ? 0 : 8);
  });
});
