import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { connection } from '../support/drift-e2e.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-accounts-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

const SPEC = `spec: accounts
checks:
  - account_database: local
    uniqueUids: true
    onlyRootHasUidZero: true
    primaryGroupsExist: true
    shadowed: true
    noEmptyPasswords: true
`;

async function run(instance: TestInstance): Promise<string[]> {
  const json = join(work, `run-${Math.random().toString(36).slice(2)}.json`);
  const args = ['run', join(work, 'accounts.yaml'), '-t', instance.url, ...connection(instance), '-r', `json:${json}`];
  const ran = await cli(...args);
  expect(ran.code, ran.stderr).to.be.oneOf([0, 1]);
  const result = RunResultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  expect(result.hosts[0]!.execCount).to.equal(1);
  expect(JSON.stringify(result)).not.to.match(/\$[0-9a-z]+\$/);
  return result.hosts[0]!.results.map((check) => `${check.status}: ${check.message}`);
}

describe('account_database on a booted instance', function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 46, count: 1 });
  const instance = (): TestInstance => bed.instances[0]!;
  writeFileSync(join(work, 'accounts.yaml'), SPEC);

  it('passes on the stock image, then names a second uid 0 and a user without a password', async () => {
    expect((await run(instance())).filter((line) => !line.startsWith('passed'))).to.deep.equal([]);
    instance().inContainer([
      'sh',
      '-c',
      'useradd -o -u 0 -g 0 -M toor && useradd -m alice && echo alice:secret | chpasswd && passwd -d toor',
    ]);
    expect((await run(instance())).filter((line) => !line.startsWith('passed'))).to.deep.equal([
      'failed: expected the local account database to have unique uids, but uid 0: root, toor',
      'failed: expected the local account database to give uid 0 to root alone, but toor has uid 0',
      'failed: expected the local account database to have no account without a password, but no password: ' +
        'toor (shadow)',
    ]);
  });
});
