import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const LAYERS = ['unit', 'integration', 'e2e'] as const;
type Layer = (typeof LAYERS)[number];
const LAYER_FILES = [
  ...LAYERS.map((layer) => `.mocharc.${layer}.json`),
  'test/support/private-tmpdir.ts',
  'test/support/unit-layer-guard.ts',
  'test/support/machine-state-guard.ts',
  'test/support/init-services.ts',
];

interface MochaRun {
  code: number | null;
  output: string;
}

function runMocha(cwd: string, layer: Layer, ...args: string[]): MochaRun {
  const run = spawnSync(process.execPath, [MOCHA, '--config', `.mocharc.${layer}.json`, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: run.status, output: run.stdout + run.stderr };
}

/** The test files a layer's configuration selects, relative to `cwd`, read from a dry run. */
function selectedFiles(cwd: string, layer: Layer): string[] {
  const output = join(mkdtempSync(join(tmpdir(), 'driftspec-layers-report-')), 'report.json');
  const run = runMocha(cwd, layer, '--dry-run', '--reporter', 'json', '--reporter-option', `output=${output}`);
  expect(run.code, run.output).to.equal(0);
  const report = JSON.parse(readFileSync(output, 'utf8')) as { tests: { file: string }[] };
  rmSync(dirname(output), { recursive: true });
  return [...new Set(report.tests.map((test) => relative(cwd, test.file)))].sort();
}

function testFilesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.test.ts') && !path.startsWith('fixtures/'))
    .map((path) => join('test', path))
    .sort();
}

/** A scratch project with the layer configuration and the given test files, removed by the returned function. */
function scratchProject(files: Record<string, string>): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-layers-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const path of LAYER_FILES) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    copyFileSync(join(ROOT, path), join(dir, path));
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const PASSING = "import { expect } from 'chai';\ndescribe('x', () => it('passes', () => expect(1).to.equal(1)));\n";

describe('test layers', function () {
  this.timeout(120_000);

  it('puts every test file of the suite in exactly one layer', () => {
    const byLayer = new Map(LAYERS.map((layer) => [layer, selectedFiles(ROOT, layer)]));
    const selected = [...byLayer.values()].flat();
    expect(
      selected.filter((file, i) => selected.indexOf(file) !== i),
      'files in two layers',
    ).to.deep.equal([]);
    expect([...selected].sort()).to.deep.equal(testFilesBelow(join(ROOT, 'test')));
  });

  it('chooses the layer by folder, and by a .integration/.e2e name suffix anywhere', () => {
    const project = scratchProject(
      Object.fromEntries(
        [
          'test/unit/a.test.ts',
          'test/unit/b.integration.test.ts',
          'test/reliability/c.test.ts',
          'test/reliability/d.integration.test.ts',
          'test/reliability/e.e2e.test.ts',
          'test/integration/f.test.ts',
          'test/e2e/g.test.ts',
        ].map((path) => [path, PASSING]),
      ),
    );
    try {
      expect(selectedFiles(project.dir, 'unit')).to.deep.equal(['test/reliability/c.test.ts', 'test/unit/a.test.ts']);
      expect(selectedFiles(project.dir, 'integration')).to.deep.equal([
        'test/integration/f.test.ts',
        'test/reliability/d.integration.test.ts',
        'test/unit/b.integration.test.ts',
      ]);
      expect(selectedFiles(project.dir, 'e2e')).to.deep.equal(['test/e2e/g.test.ts', 'test/reliability/e.e2e.test.ts']);
    } finally {
      project.remove();
    }
  });

  it('fails a unit test that starts a process, even when the code under test swallows the refusal', () => {
    const project = scratchProject({
      'test/unit/clean.test.ts': PASSING,
      'test/unit/spawns.test.ts': [
        "import { execFile } from 'node:child_process';",
        "describe('spawning', () => it('starts true and ignores what happens', () => {",
        "  try { execFile('true'); } catch {}",
        '}));',
        '',
      ].join('\n'),
    });
    try {
      const run = runMocha(project.dir, 'unit');
      expect(run.code, run.output).to.not.equal(0);
      expect(run.output).to.include('a unit test called child_process.execFile("true")');
      expect(run.output).to.include('starts true and ignores what happens');
      rmSync(join(project.dir, 'test/unit/spawns.test.ts'));
      const clean = runMocha(project.dir, 'unit');
      expect(clean.code, clean.output).to.equal(0);
    } finally {
      project.remove();
    }
  });

  it('fails an integration run that leaves a process running', () => {
    const project = scratchProject({
      'test/integration/leaves-a-process.test.ts': [
        "import { spawn } from 'node:child_process';",
        "import { writeFileSync } from 'node:fs';",
        "describe('leaking', () => it('starts sleep and forgets it', () => {",
        "  const child = spawn('sleep', ['60'], { stdio: 'ignore' });",
        "  writeFileSync('sleep.pid', String(child.pid));",
        '  child.unref();',
        '}));',
        '',
      ].join('\n'),
    });
    try {
      const run = runMocha(project.dir, 'integration');
      expect(run.code, run.output).to.not.equal(0);
      expect(run.output).to.match(/a test left a process running: \d+ \(sleep\)/);
    } finally {
      try {
        process.kill(Number(readFileSync(join(project.dir, 'sleep.pid'), 'utf8')));
      } catch {
        // never started, or already ended
      }
      project.remove();
    }
  });
});
