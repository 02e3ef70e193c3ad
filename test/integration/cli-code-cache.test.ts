import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../support/cli.js';

const SPEC = new URL('../../bench/specs/checks-50.yaml', import.meta.url).pathname;

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
