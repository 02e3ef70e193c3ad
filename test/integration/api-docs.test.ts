import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';

// Every example of docs/api.md, run as a user would: the ```ts blocks as ES modules (through tsx,
// against the sources), the ```js blocks as CommonJS scripts (against the built package), in a
// folder holding the files the page's ```yaml blocks name in their first line.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = readFileSync(join(REPO, 'docs', 'api.md'), 'utf8');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function fencedBlocks(language: string): string[] {
  const fence = '```';
  return [...PAGE.matchAll(new RegExp(`^${fence}${language}\\n([\\s\\S]*?)^${fence}`, 'gm'))].map((match) => match[1]!);
}

function recordedSnapshot(name: string): Buffer {
  return gunzipSync(readFileSync(join(REPO, 'test', 'fixtures', 'drift', 'recorded', `${name}.json.gz`)));
}

describe('docs/api.md', function () {
  this.timeout(60_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-api-docs-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    for (const block of fencedBlocks('yaml')) {
      const name = /^# ([\w.-]+)\n/.exec(block)?.[1];
      expect(name, `a yaml block names its file in its first line:\n${block}`).to.be.a('string');
      writeFileSync(join(work, name!), block);
    }
    writeFileSync(join(work, 'baseline.json'), recordedSnapshot('stock'));
    writeFileSync(join(work, 'candidate.json'), recordedSnapshot('changed'));
  });

  it('has examples for every function and both module systems', () => {
    const code = [...fencedBlocks('ts'), ...fencedBlocks('js')].join('\n');
    for (const name of ['run', 'plan', 'snapshot', 'drift', 'require'])
      expect(code).to.match(new RegExp(`\\b${name}\\(`));
    expect(fencedBlocks('js')).to.have.length(1);
    expect(PAGE, 'only ts, js and yaml blocks: each one is run').not.to.match(/^```(?!ts\n|js\n|yaml\n|$)/m);
  });

  const examples = [
    ...fencedBlocks('ts').map((code) => ({ code, kind: 'ts' as const })),
    ...fencedBlocks('js').map((code) => ({ code, kind: 'js' as const })),
  ];
  for (const [index, { code, kind }] of examples.entries()) {
    const firstLine = code.split('\n').find((line) => line.startsWith('import') || line.startsWith('const'));
    it(`example ${index + 1} (${kind}) runs: ${firstLine}`, () => {
      const file = join(work, `example-${index + 1}.${kind === 'ts' ? 'mts' : 'cjs'}`);
      const source =
        kind === 'ts'
          ? code.replace(
              /from 'driftspec'/g,
              `from ${JSON.stringify(pathToFileURL(join(REPO, 'src', 'index.ts')).href)}`,
            )
          : code.replace(
              /require\('driftspec'\)/g,
              `require(${JSON.stringify(join(REPO, 'dist', 'src', 'index.js'))})`,
            );
      expect(source, 'the example imports driftspec').not.to.equal(code);
      writeFileSync(file, source);
      const args = kind === 'ts' ? ['--import', TSX, file] : [file];
      const run = spawnSync(process.execPath, args, {
        cwd: work,
        encoding: 'utf8',
        timeout: 50_000,
        env: { ...process.env, DRIFTSPEC_CACHE_DIR: join(work, 'cache'), SSH_AUTH_SOCK: '' },
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
      expect(run.stdout.trim(), 'the example printed what it found').not.to.equal('');
    });
  }
});
