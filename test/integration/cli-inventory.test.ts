import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-inventory-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

describe('CLI: --inventory and --limit', function () {
  this.timeout(60_000);
  const spec = file('spec.yaml', 'spec: s\nchecks:\n  - file: /etc/passwd\n    exists: true\n');
  const inventory = file(
    'fleet.yaml',
    'hosts:\n  here:\n    url: local\n    tags: [laptop]\ngroups:\n  mine: [here]\n  nobody: []\n',
  );

  it('runs the hosts of an inventory and records their inventory entry', async () => {
    const run = await cli('run', spec, '--inventory', inventory, '--limit', 'mine', '--format', 'json');
    expect(run.code, run.stderr).to.equal(0);
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    expect(result.hosts.map((h) => [h.target, h.status, h.inventory])).to.deep.equal([
      ['local', 'completed', { name: 'here', groups: ['mine'], tags: ['laptop'] }],
    ]);
  });

  it('exits 78 for an invalid inventory, naming file, line and column', async () => {
    const bad = file('bad.yaml', 'hosts:\n  web-1:\n    adress: 10.0.0.1\n');
    const run = await cli('run', spec, '--inventory', bad);
    expect(run.code).to.equal(78);
    expect(run.stderr).to.equal(`driftspec: ${bad}:3:5: hosts.web-1: unknown key "adress"\n`);
    const missing = await cli('run', spec, '--inventory', join(work, 'none.yaml'));
    expect(missing.code).to.equal(78);
    expect(missing.stderr).to.include(`${join(work, 'none.yaml')}: inventory file not found`);
  });

  it('reads an inventory over 4 MiB host by host: --limit picks its hosts, names where a mistake is', async () => {
    const hosts = Array.from(
      { length: 80_000 },
      (_, i) => `  web-${i}: { host: 10.9.${i >> 8}.${i & 255}, port: 2222, tags: [web] }`,
    );
    hosts[79_998] = '  here:\n    url: local\n    tags: [laptop]';
    const large = file('large.yaml', `hosts:\n${hosts.join('\n')}\ngroups:\n  mine: [here]\n`);
    expect(statSync(large).size).to.be.above(4 * 1024 * 1024);
    const run = await cli('run', spec, '--inventory', large, '--limit', 'mine', '--format', 'json');
    expect(run.code, run.stderr).to.equal(0);
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    expect(result.hosts.map((h) => [h.target, h.inventory?.name])).to.deep.equal([['local', 'here']]);
    hosts[40_000] = '  web-40000: { host: 10.9.156.64, port: 22222222, tags: [web] }';
    const bad = file('large-bad.yaml', `hosts:\n${hosts.join('\n')}\n`);
    const refused = await cli('run', spec, '--inventory', bad, '--limit', 'here');
    expect(refused.code).to.equal(78);
    expect(refused.stderr).to.match(new RegExp(`^driftspec: ${bad}:40002:35: hosts\\.web-40000\\.port: Too big`));
  });

  it('exits 64 for a --limit that names nothing of the inventory, listing what exists', async () => {
    const run = await cli('run', spec, '--inventory', inventory, '--limit', 'mine,theirs');
    expect(run.code).to.equal(64);
    expect(run.stderr).to.include(
      `--limit: "theirs" is neither a host nor a group of ${inventory}; it has groups all, mine, nobody and hosts here`,
    );
    const empty = await cli('run', spec, '--inventory', inventory, '--limit', 'nobody');
    expect(empty.code).to.equal(64);
    expect(empty.stderr).to.include('selects no hosts');
  });

  it('exits 64 for --limit without --inventory, and for a bad --concurrency or --host-timeout', async () => {
    const limit = await cli('run', spec, '--limit', 'mine');
    expect(limit.code).to.equal(64);
    expect(limit.stderr).to.include('--limit selects hosts of an inventory: add --inventory <file>');
    for (const [flag, value] of [
      ['--concurrency', '0'],
      ['--concurrency', '2.5'],
      ['--host-timeout', '-1'],
    ] as const) {
      const run = await cli('run', spec, flag, value);
      expect(run.code, `${flag} ${value}`).to.equal(64);
    }
  });

  it('prints the inventory JSON Schema', async () => {
    const run = await cli('schema', 'inventory');
    expect(run.code).to.equal(0);
    const schema = JSON.parse(run.stdout) as { $id: string; required: string[]; properties: Record<string, unknown> };
    expect(schema.$id).to.equal('urn:driftspec:schema:inventory:1');
    expect(schema.required).to.deep.equal(['hosts']);
    expect(Object.keys(schema.properties)).to.deep.equal(['defaults', 'hosts', 'groups']);
  });
});
