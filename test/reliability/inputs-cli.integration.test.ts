import { expect } from 'chai';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

/** What a user sees for a hostile input file: the exit code and one line naming the file. */

const ALIASES = 'YAML aliases (*name) expand to more than 100 copies; write the values out';
const dir = mkdtempSync(join(tmpdir(), 'driftspec-inputs-cli-'));
const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-inputs-cli-cache-'));

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const NOT_UTF8 = 'not UTF-8: byte 0xE9 here is not valid UTF-8; save the file as UTF-8';
const STALLED =
  'the spec never finished loading: a top-level await (in the spec or a module it imports) ' +
  'waits on a promise that nothing is left to settle';
const STALLED_SPEC = [
  "import { spec, file } from 'driftspec';",
  'await new Promise(() => {});',
  "export default spec('s', () => file('/').exists());",
].join('\n');

/** A spec naming /etc/café with é as the Latin-1 byte 0xE9. */
const LATIN1_SPEC = Buffer.concat([
  Buffer.from('spec: s\nchecks:\n  - file: /etc/caf'),
  Buffer.from([0xe9]),
  Buffer.from('\n    exists: false\n'),
]);

const ALIAS_BOMB = [
  'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
  'errors: *i',
].join('\n');

describe('hostile input files at the command line', () => {
  it('a TypeScript spec whose top-level await never settles: exit 65 naming the spec', async () => {
    const spec = write('stalled.ts', STALLED_SPEC);
    const run = await runCli(['plan', spec], cacheDir);
    expect(run.code).to.equal(65);
    expect(run.stderr).to.equal(`driftspec: ${spec}: ${STALLED}\n`);
  });

  it('a spec with bytes that are not UTF-8: exit 78 at the byte', async () => {
    const spec = write('latin1.yaml', LATIN1_SPEC);
    const run = await runCli(['plan', spec], cacheDir);
    expect(run.code).to.equal(78);
    expect(run.stderr).to.equal(`driftspec: ${spec}:3:19: ${NOT_UTF8}\n`);
  });

  it('a spec over the size limit: exit 78 naming the limit', async () => {
    const spec = write('huge.yaml', '');
    truncateSync(spec, 50 * 1024 * 1024);
    const run = await runCli(['plan', spec], cacheDir);
    expect(run.code).to.equal(78);
    const limit = 'the file is 52428800 bytes, more than the limit of 4 MiB for a spec file';
    expect(run.stderr).to.equal(`driftspec: ${spec}: ${limit}\n`);
  });

  it('a policy that is an alias bomb: exit 78 naming the file, before any host is contacted', async () => {
    const policy = write('bomb.yaml', ALIAS_BOMB);
    const spec = write('ok.yaml', 'spec: s\nchecks:\n  - file: /\n    exists: true\n');
    const run = await runCli(['run', spec, '--policy', policy], cacheDir);
    expect(run.code).to.equal(78);
    expect(run.stderr).to.equal(`driftspec: ${policy}: ${ALIASES}\n`);
    expect(run.stdout).to.equal('');
  });
});
