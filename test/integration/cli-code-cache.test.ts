import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { BIN, runCli } from '../support/cli.js';

const SPEC = new URL('../../bench/specs/checks-50.yaml', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;

function cacheFiles(cacheDir: string): string[] {
  return readdirSync(cacheDir)
    .filter((name) => name.endsWith('.v8cache'))
    .sort();
}

/** Bytes, inode and modification time: unchanged means the run did not write the file again. */
function fileState(path: string): string {
  const stat = statSync(path);
  return `${stat.ino}:${stat.mtimeMs}:${readFileSync(path).toString('base64')}`;
}

describe('CLI code cache (compiled CLI)', () => {
  it('is written by the first run of a command, used by the next, and written again when damaged', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-code-cache-'));
    const first = await runCli(['plan', SPEC], cacheDir);
    expect(first.code, first.stderr).to.equal(0);
    const [planCache, ...others] = cacheFiles(cacheDir);
    expect(others).to.deep.equal([]);
    expect(planCache).to.match(/^cli-plan-[0-9a-f]{24}\.v8cache$/);
    const path = join(cacheDir, planCache!);
    const written = fileState(path);

    const second = await runCli(['plan', SPEC], cacheDir);
    expect(second).to.deep.equal(first);
    expect(fileState(path)).to.equal(written);

    const intact = readFileSync(path);
    const damaged = Buffer.from(intact);
    for (let i = Math.floor(damaged.length / 2); i < Math.floor(damaged.length / 2) + 64; i++) damaged[i]! ^= 0xff;
    for (const content of [damaged, Buffer.from('not a cache')]) {
      writeFileSync(path, content);
      const afterDamage = await runCli(['plan', SPEC], cacheDir);
      expect(afterDamage).to.deep.equal(first);
      expect(
        readFileSync(path).equals(content),
        `${content.length} bytes written back: ${afterDamage.stderr}`,
      ).to.equal(false);
      const rewritten = fileState(path);
      expect(await runCli(['plan', SPEC], cacheDir)).to.deep.equal(first);
      expect(fileState(path)).to.equal(rewritten);
    }
    expect(cacheFiles(cacheDir)).to.deep.equal([planCache]);
  });

  it('keeps a cache per command, and writes none for a run refused for bad input', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-code-cache-'));
    expect(await runCli(['plan', '/nonexistent/spec.yaml'], cacheDir)).to.include({ code: 78 });
    expect(await runCli(['run', '--no-such-flag'], cacheDir)).to.include({ code: 64 });
    expect(cacheFiles(cacheDir)).to.deep.equal([]);
    expect(await runCli(['--version'], cacheDir)).to.include({ code: 0 });
    expect(await runCli(['schema', 'plan'], cacheDir)).to.include({ code: 0 });
    expect(cacheFiles(cacheDir).map((name) => name.replace(/-[0-9a-f]{24}\.v8cache$/, ''))).to.deep.equal([
      'cli-other',
      'cli-schema',
    ]);
  });
});

/** bin/driftspec installed in another place, with the same package.json, dist/ (the bundle) and node_modules. */
function installedElsewhere(): string {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-installed-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(BIN, join(dir, 'bin', 'driftspec'));
  for (const name of ['package.json', 'dist', 'node_modules']) symlinkSync(join(ROOT, name), join(dir, name));
  return join(dir, 'bin', 'driftspec');
}

describe('CLI spec cache: a YAML spec read by this build', () => {
  const yamlEntries = (cacheDir: string) => readdirSync(cacheDir).filter((name) => name.startsWith('yaml-'));

  it('is read from the cache by the next plan and run of the same text, and by no other build', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-spec-cache-'));
    const first = await runCli(['plan', SPEC], cacheDir);
    expect(first.code, first.stderr).to.equal(0);
    const [entry, ...others] = yamlEntries(cacheDir);
    expect(others).to.deep.equal([]);
    expect(await runCli(['plan', SPEC], cacheDir)).to.deep.equal(first);
    // A spec named otherwise in the entry: the plan that shows the name was made from the cache.
    const path = join(cacheDir, entry!);
    const intact = readFileSync(path, 'utf8');
    const renamed = JSON.parse(intact) as { file: { spec: string } };
    renamed.file.spec = 'named in the cache';
    writeFileSync(path, JSON.stringify(renamed));
    const fromCache = await runCli(['plan', SPEC], cacheDir);
    expect(JSON.parse(fromCache.stdout).specs[0].name).to.equal('named in the cache');
    const run = await runCli(['run', SPEC, '--format', 'json'], cacheDir);
    expect(run.stdout, run.stderr).to.include('"name": "named in the cache"');
    // Another installation of the CLI is another build: it reads the text, and keeps its own entry.
    const other = await runCli(['plan', SPEC], cacheDir, {}, { bin: installedElsewhere() });
    expect(other).to.deep.equal(first);
    expect(yamlEntries(cacheDir)).to.have.length(2);
  });
});
