import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { RESOURCES } from '../../src/resources/index.js';
import { fencedBlocks as blocksOf, typecheckBlocks } from '../support/doc-examples.js';
import { isRoot, requireInCi } from '../support/environment.js';

// Every ```ts block of docs/chai.md, run as the mocha test file it is, against the sources and
// this machine: each must pass all its tests.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = readFileSync(join(REPO, 'docs', 'chai.md'), 'utf8');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const MOCHA = join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js');
const IMPORTS: Record<string, string> = {
  'driftspec/chai': pathToFileURL(join(REPO, 'src', 'chai', 'index.ts')).href,
  chai: pathToFileURL(join(REPO, 'node_modules', 'chai', 'index.js')).href,
};

const fencedBlocks = (language: string): string[] => blocksOf(PAGE, language);

describe('docs/chai.md', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-chai-docs-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  before(function () {
    if (!isRoot()) requireInCi(this, 'the examples read /etc/shadow');
  });

  it('has examples, and only ts blocks or plain text', () => {
    expect(fencedBlocks('ts')).to.have.length.of.at.least(4);
    expect(PAGE, 'only ts blocks or plain text: each ts block is run').not.to.match(/^```(?!ts\n|$)/m);
  });

  it('lists every word of every resource in its table', () => {
    for (const resource of RESOURCES) {
      const row = PAGE.split('\n').find((line) =>
        line.includes(`| [${resource.type}](resources/${resource.type}.md) |`),
      );
      expect(row, `a row for ${resource.type}`).to.be.a('string');
      for (const name of [...Object.keys(resource.matchers), ...Object.keys(resource.shortcuts)])
        expect(row, `${resource.type}.${name}`).to.contain(`\`${name}\``);
    }
  });

  it('type-checks every example as written, against the sources (each @ts-expect-error must be one)', () => {
    const tsc = typecheckBlocks(fencedBlocks('ts'), join(work, 'typed'), {
      'driftspec/chai': [join(REPO, 'src', 'chai', 'index.ts')],
      chai: [join(REPO, 'node_modules', '@types', 'chai')],
    });
    expect(tsc.status, tsc.stdout).to.equal(0);
  });

  for (const [index, code] of fencedBlocks('ts').entries()) {
    const title = /^\s*(?:it|describe)\('([^']+)'/m.exec(code)?.[1];
    it(`example ${index + 1} passes: ${title}`, () => {
      const source = code.replace(/from '(driftspec\/chai|chai)'/g, (_, name: string) => `from '${IMPORTS[name]}'`);
      expect(source, 'the example imports driftspec/chai').to.contain(IMPORTS['driftspec/chai']);
      const file = join(work, `example-${index + 1}.test.mts`);
      writeFileSync(file, source);
      const run = spawnSync(process.execPath, ['--import', TSX, MOCHA, '--no-config', '--timeout', '60000', file], {
        cwd: work,
        encoding: 'utf8',
        timeout: 100_000,
        env: { ...process.env, SSH_AUTH_SOCK: '' },
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
      expect(run.stdout).to.match(/\d+ passing/);
      expect(run.stdout).not.to.match(/failing|pending/);
    });
  }
});
