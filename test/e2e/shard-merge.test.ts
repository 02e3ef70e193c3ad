import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { EXIT } from '../../src/gate/exit-codes.js';
import type { RunResult } from '../../src/results/schema.js';
import { runCli, type CliRun } from '../support/cli.js';
import { comparableJunit, comparableRun } from '../support/shard-compare.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

/** Inventory names; by their hash web-a and web-b are in shard 2 of 2, web-c in shard 1. */
const NAMES = ['web-a', 'web-b', 'web-c'] as const;

const SPEC = `spec: sharded-fleet
version: 1.0.0
controls:
  - id: base-01
    impact: high
    checks:
      - file: /etc/hostname
        content: { matches: '^img[0-9]+$', flags: m }
      - package: openssh-server
        installed: true
      - service: ssh
        running: true
      - user: root
        shell: /bin/bash
  - id: base-02
    impact: low
    checks:
      - file: /etc/driftspec-shard-marker
        exists: true
`;

describe('a sharded sweep of booted instances: 2 shard processes merged equal one run', function () {
  this.timeout(180_000);
  const bed = useTestbed({ base: 90, count: NAMES.length });
  const work = mkdtempSync(join(tmpdir(), 'driftspec-shards-e2e-'));
  const home = join(work, 'home');
  const at = (name: string) => join(work, name);
  const cli = (...args: string[]): Promise<CliRun> => runCli(args, at('cache'), { HOME: home });

  before(function () {
    if (bed.instances.length !== NAMES.length) return this.skip();
    mkdirSync(home);
    writeFileSync(at('spec.yaml'), SPEC);
    writeFileSync(at('known_hosts'), bed.instances.map((i) => readFileSync(i.knownHostsPath, 'utf8')).join(''));
    writeFileSync(at('inventory.yaml'), inventoryFor(bed.instances));
    // One host differs: the low-impact check passes there only.
    bed.instances[1]!.inContainer(['touch', '/etc/driftspec-shard-marker']);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const runArgs = [
    'run',
    at('spec.yaml'),
    '--inventory',
    at('inventory.yaml'),
    '--limit',
    'all',
    '--known-hosts',
    at('known_hosts'),
    '--connect-timeout',
    '10',
    '-q',
  ];

  it('the merged JSON, JUnit and exit code equal the single run, check for check', async () => {
    const single = await cli(...runArgs, '-r', `json:${at('single.json')}`, '-r', `junit:${at('single.xml')}`);
    expect(single.stderr).to.equal('');
    const shards = await Promise.all(
      [1, 2].map((k) => cli(...runArgs, '--shard', `${k}/2`, '-r', `json:${at(`shard-${k}.json`)}`)),
    );
    for (const shard of shards) expect(shard.stderr).to.equal('');
    const shard1 = JSON.parse(readFileSync(at('shard-1.json'), 'utf8')) as RunResult;
    const shard2 = JSON.parse(readFileSync(at('shard-2.json'), 'utf8')) as RunResult;
    expect(shard1.hosts.map((h) => h.inventory?.name)).to.deep.equal(['web-c']);
    expect(shard2.hosts.map((h) => h.inventory?.name)).to.deep.equal(['web-a', 'web-b']);
    expect(shard1.hosts[0]!.execCount).to.equal(1);

    const merged = await cli(
      'merge',
      at('shard-2.json'),
      at('shard-1.json'),
      '-q',
      '-r',
      `json:${at('merged.json')}`,
      '-r',
      `junit:${at('merged.xml')}`,
    );
    expect(merged.stderr).to.equal('');
    const singleRun = JSON.parse(readFileSync(at('single.json'), 'utf8')) as RunResult;
    const mergedRun = JSON.parse(readFileSync(at('merged.json'), 'utf8')) as RunResult;
    expect(singleRun.hosts.map((h) => [h.inventory?.name, h.status, h.host?.hostname])).to.deep.equal(
      bed.instances.map((instance, i) => [NAMES[i], 'completed', instance.name]),
    );
    expect(singleRun.counts).to.deep.equal({ passed: 13, failed: 2, error: 0, skipped: 0 });
    expect(comparableRun(mergedRun)).to.deep.equal(comparableRun(singleRun));
    expect(comparableJunit(readFileSync(at('merged.xml'), 'utf8'))).to.equal(
      comparableJunit(readFileSync(at('single.xml'), 'utf8')),
    );
    expect(merged.code).to.equal(single.code).and.equal(EXIT.failed);
  });

  it('refuses the shards of another sweep (a --limit that selects other hosts): exit 79', async () => {
    const other = await cli(
      ...runArgs.map((arg) => (arg === 'all' ? 'web-a,web-b' : arg)),
      '--shard',
      '1/2',
      '-r',
      `json:${at('other-1.json')}`,
    );
    expect(other.code, other.stderr).to.equal(0);
    const merged = await cli('merge', at('other-1.json'), at('shard-2.json'));
    expect(merged.code).to.equal(EXIT.shards);
    expect(merged.stderr).to.contain('have different host selections (other inventories, --limit or --target)');
  });
});

function inventoryFor(instances: readonly TestInstance[]): string {
  const head = ['defaults:', '  user: root', `  identity: ${JSON.stringify(instances[0]!.keyPath)}`, 'hosts:'];
  const hosts = NAMES.flatMap((name, i) => [`  ${name}:`, `    host: ${instances[i]!.address}`]);
  return `${[...head, ...hosts].join('\n')}\n`;
}
