import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { fencedBlocks as blocksOf, typecheckBlocks } from '../support/doc-examples.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { PLUGIN, REPORTER } from '../support/mocha-run.js';

// Every ```ts block of docs/mocha.md, run as the mocha test file it is against this machine, with
// the page's .mocharc.json (driftspec/mocha and its reporter from dist/: npm run build first).

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = readFileSync(join(REPO, 'docs', 'mocha.md'), 'utf8');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const MOCHA = join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js');
const IMPORTS: Record<string, string> = {
  'driftspec/chai': pathToFileURL(join(REPO, 'dist', 'src', 'chai', 'index.js')).href,
  'driftspec/mocha': pathToFileURL(PLUGIN).href,
  chai: pathToFileURL(join(REPO, 'node_modules', 'chai', 'index.js')).href,
};

const fencedBlocks = (language: string): string[] => blocksOf(PAGE, language);

/** The page's .mocharc.json, its package names replaced by the files of this checkout (reports go to cwd). */
function mocharc(): Record<string, unknown> {
  const config = JSON.parse(fencedBlocks('json')[0]!) as Record<string, unknown>;
  expect(config.require).to.deep.equal(['driftspec/mocha']);
  expect(config.reporter).to.equal('driftspec/mocha/reporter');
  return { ...config, require: [PLUGIN], reporter: REPORTER, spec: [] };
}

describe('docs/mocha.md', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-mocha-docs-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  before(function () {
    if (!isRoot()) requireInCi(this, 'the examples read /etc/shadow');
  });

  it('has examples, and only ts, json or plain text blocks', () => {
    expect(fencedBlocks('ts')).to.have.length.of.at.least(3);
    expect(fencedBlocks('json')).to.have.length(1);
    expect(PAGE, 'only ts and json blocks or plain text: each is run').not.to.match(/^```(?!ts\n|json\n|$)/m);
  });

  it('type-checks every example as written, against the sources', () => {
    const tsc = typecheckBlocks(
      fencedBlocks('ts'),
      join(work, 'typed'),
      {
        'driftspec/chai': [join(REPO, 'src', 'chai', 'index.ts')],
        'driftspec/mocha': [join(REPO, 'src', 'mocha', 'index.ts')],
        chai: [join(REPO, 'node_modules', '@types', 'chai')],
      },
      ['node', 'mocha'],
    );
    expect(tsc.status, tsc.stdout).to.equal(0);
  });

  for (const [index, code] of fencedBlocks('ts').entries()) {
    const title = /^\s*describe\('([^']+)'/m.exec(code)?.[1];
    it(`example ${index + 1} passes with the page's .mocharc.json, in one exec per host: ${title}`, () => {
      const dir = join(work, `example-${index + 1}`);
      mkdirSync(dir, { recursive: true });
      const source = code.replace(
        /from '(driftspec\/chai|driftspec\/mocha|chai)'/g,
        (_, name: string) => `from '${IMPORTS[name]}'`,
      );
      writeFileSync(join(dir, 'example.test.mts'), source);
      writeFileSync(join(dir, '.mocharc.json'), JSON.stringify(mocharc()));
      // The waivers file an example names: one waiver, of a control no example has.
      writeFileSync(join(dir, 'waivers.yaml'), 'ssh-99:\n  justification: kept for another host\n');
      const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DRIFTSPEC_')));
      const run = spawnSync(process.execPath, ['--import', TSX, MOCHA, 'example.test.mts'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 100_000,
        env: { ...clean, SSH_AUTH_SOCK: '' },
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
      expect(run.stdout).to.match(/\d+ passing/);
      expect(run.stdout).not.to.match(/failing|pending/);
      expect(run.stderr).to.equal('');
      const result = RunResultSchema.parse(JSON.parse(readFileSync(join(dir, 'reports', 'infra.json'), 'utf8')));
      expect(result.hosts.map((host) => [host.target, host.execCount])).to.deep.equal([['local', 1]]);
      expect(result.counts.passed).to.be.greaterThan(0);
      expect(result.verdict).to.include({ verdict: 'passed', exitCode: 0 });
      expect(readFileSync(join(dir, 'reports', 'infra.xml'), 'utf8')).to.match(/^<\?xml /);
    });
  }

  it('shows the warning for a subject first named in a test word for word', () => {
    const shown = /^driftspec: warning: .*$/m.exec(PAGE)?.[0];
    expect(shown).to.be.a('string');
    const dir = join(work, 'late');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'late.test.mjs'),
      `import * as chai from '${IMPORTS.chai}';\nimport driftspecChai from '${IMPORTS['driftspec/chai']}';\n` +
        `import { useHost } from '${IMPORTS['driftspec/mocha']}';\nchai.use(driftspecChai);\n` +
        "describe('late', () => { const local = useHost('local');\n" +
        "  it('has a shell', async () => { await chai.expect(local.file('/bin/sh')).to.exist; }); });\n",
    );
    const run = spawnSync(process.execPath, [MOCHA, '--no-config', '--require', PLUGIN, 'late.test.mjs'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 100_000,
    });
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.stderr.trim()).to.equal(shown);
  });
});
