import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { connection } from '../support/drift-e2e.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';
import { STOCK_SETUID_FILES } from '../testbed/stock-image.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-search-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

const SPEC = `spec: search
checks:
  - file_search: /
    options: { condition: setuid, type: file }
    onlyPaths: { paths: [${STOCK_SETUID_FILES.join(', ')}] }
  - file_search: /etc
    options: { condition: world-writable, type: file }
    empty: true
  - file_search: /
    options: { condition: no-owner, exclude: [/proc, /sys] }
    empty: true
`;

async function run(instance: TestInstance): Promise<string[]> {
  const json = join(work, `run-${Math.random().toString(36).slice(2)}.json`);
  const ran = await cli(
    'run',
    join(work, 'search.yaml'),
    '-t',
    instance.url,
    ...connection(instance),
    '-r',
    `json:${json}`,
  );
  expect(ran.code, ran.stderr).to.be.oneOf([0, 1]);
  const result = RunResultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  expect(result.hosts[0]!.execCount).to.equal(1);
  return result.hosts[0]!.results.map((check) => `${check.status}: ${check.message}`);
}

describe('file_search on a booted instance', function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 44, count: 1 });
  const instance = (): TestInstance => bed.instances[0]!;
  writeFileSync(join(work, 'search.yaml'), SPEC);

  it('passes on the stock image, then names a planted setuid file, a world-writable and an unowned one', async () => {
    expect((await run(instance())).filter((line) => !line.startsWith('passed'))).to.deep.equal([]);
    instance().inContainer([
      'sh',
      '-c',
      'cp /usr/bin/true /usr/local/bin/backdoor && chmod 4755 /usr/local/bin/backdoor && ' +
        'touch /etc/open && chmod 666 /etc/open && touch /srv/orphan && chown 4242:4242 /srv/orphan',
    ]);
    expect(await run(instance())).to.deep.equal([
      'failed: expected search for setuid files under / to find only allowed paths (11 allowed), but it also found ' +
        '/usr/local/bin/backdoor',
      'failed: expected search for world-writable files under /etc to find nothing, but it found 1: /etc/open',
      'failed: expected search for files without a known owner under / to find nothing, but it found 1: /srv/orphan',
    ]);
  });
});
