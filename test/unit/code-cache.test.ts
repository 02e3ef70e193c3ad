import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import {
  CACHED_COMMANDS,
  CACHES_KEPT_PER_COMMAND,
  IMPORT_PARAMETER,
  loadBundle,
  wrapBundle,
} from '../../src/cli/code-cache.js';
import { main } from '../../src/cli/main.js';

/**
 * A small CommonJS bundle in a fresh folder, wrapped as the build writes it; enough functions that
 * V8's cache data has a body to damage.
 */
function bundleFile(body: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'driftspec-bundle-')), 'bundle.cjs');
  const helpers = Array.from(
    { length: 50 },
    (_, i) => `function helper${i}(x) { return [x, ${i}, String(x).repeat(${i % 3})].join('-'); }`,
  ).join('\n');
  writeFileSync(
    path,
    wrapBundle(
      `"use strict";\n${helpers}\n${body}\nexports.sum = 0;\nfor (let i = 0; i < 50; i++) exports.sum += ` +
        `helper0(i).length;\n`,
    ),
  );
  return path;
}

/**
 * The same bundle at another path: V8 keeps what it compiled in this process by source and file
 * name, and would not even look at the cache data when asked for the same script twice.
 */
function copyOf(bundle: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'driftspec-bundle-')), 'bundle.cjs');
  copyFileSync(bundle, path);
  return path;
}

/**
 * The copies above stand for one installation: the cache key includes the installation path,
 * which defaults to the bundle's own path.
 */
const ONE_INSTALLATION = { installation: '/opt/driftspec/dist/driftspec-cli.cjs' };

function freshCacheDir(): string {
  return mkdtempSync(join(tmpdir(), 'driftspec-code-cache-'));
}

describe('code cache of the bundled CLI', () => {
  it('writes a cache after the first load and uses it from the second on', () => {
    const bundle = bundleFile('exports.answer = () => 42;');
    const cacheDir = freshCacheDir();
    const first = loadBundle(bundle, { cacheDir, command: 'plan', ...ONE_INSTALLATION });
    expect(first.cache).to.equal('absent');
    expect((first.exports.answer as () => number)()).to.equal(42);
    expect(existsSync(first.cachePath)).to.equal(false);
    first.writeCache!();
    expect(existsSync(first.cachePath)).to.equal(true);

    const second = loadBundle(copyOf(bundle), { cacheDir, command: 'plan', ...ONE_INSTALLATION });
    expect(second.cachePath).to.equal(first.cachePath);
    expect(second.cache).to.equal('used');
    expect(second.writeCache).to.equal(undefined);
    expect((second.exports.answer as () => number)()).to.equal(42);
  });

  it('ignores a damaged cache file, still runs the bundle and writes the cache again', () => {
    const bundle = bundleFile('exports.answer = () => 42;');
    const cacheDir = freshCacheDir();
    const first = loadBundle(bundle, { cacheDir, command: 'run', ...ONE_INSTALLATION });
    first.writeCache!();
    const intact = readFileSync(first.cachePath);
    // Bytes flipped in the middle of V8's data: V8 itself would take this and crash.
    const damaged = Buffer.from(intact);
    for (let i = Math.floor(damaged.length / 2); i < Math.floor(damaged.length / 2) + 16; i++) damaged[i]! ^= 0xff;
    for (const content of [
      damaged,
      intact.subarray(0, intact.length - 100),
      Buffer.from('not a cache'),
      Buffer.alloc(0),
    ]) {
      writeFileSync(first.cachePath, content);
      const loaded = loadBundle(copyOf(bundle), { cacheDir, command: 'run', ...ONE_INSTALLATION });
      expect(loaded.cache, `${content.length} bytes`).to.equal('corrupt');
      expect((loaded.exports.answer as () => number)()).to.equal(42);
      loaded.writeCache!();
      expect(loadBundle(copyOf(bundle), { cacheDir, command: 'run', ...ONE_INSTALLATION }).cache).to.equal('used');
    }
  });

  it('ignores a cache that V8 refuses (made for another source) and writes it again', () => {
    const cacheDir = freshCacheDir();
    const other = loadBundle(bundleFile('exports.answer = () => 41;'), { cacheDir, command: 'run' });
    other.writeCache!();
    const bundle = bundleFile('exports.answer = () => 42; exports.more = true;');
    const target = loadBundle(bundle, { cacheDir, command: 'run', ...ONE_INSTALLATION }).cachePath;
    copyFileSync(other.cachePath, target);
    const loaded = loadBundle(copyOf(bundle), { cacheDir, command: 'run', ...ONE_INSTALLATION });
    expect(loaded.cache).to.equal('rejected');
    expect((loaded.exports.answer as () => number)()).to.equal(42);
    loaded.writeCache!();
    expect(loadBundle(copyOf(bundle), { cacheDir, command: 'run', ...ONE_INSTALLATION }).cache).to.equal('used');
  });

  it('keeps one cache per command, one for everything else, and a new one for a changed bundle', () => {
    const cacheDir = freshCacheDir();
    const bundle = bundleFile('exports.answer = () => 42;');
    const path = (command: string | undefined) => loadBundle(bundle, { cacheDir, command }).cachePath;
    expect(path('run')).to.match(/\/cli-run-[0-9a-f]{24}\.v8cache$/);
    expect(path('plan')).to.match(/\/cli-plan-[0-9a-f]{24}\.v8cache$/);
    expect(path('--version')).to.match(/\/cli-other-[0-9a-f]{24}\.v8cache$/);
    expect(path(undefined)).to.equal(path('--version'));
    expect(path('/etc/passwd')).to.equal(path('--version'));
    const changed = bundleFile('exports.answer = () => 43;');
    expect(loadBundle(changed, { cacheDir, command: 'run' }).cachePath).to.not.equal(path('run'));
  });

  it('keeps the caches of the builds written last, per command, and removes older ones as it writes', () => {
    const cacheDir = freshCacheDir();
    const write = (answer: number, command: string) => {
      const loaded = loadBundle(bundleFile(`exports.answer = () => ${answer};`), { cacheDir, command });
      loaded.writeCache!();
      // Modification times a second apart: the order does not rest on the file system's clock resolution.
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, answer));
      utimesSync(loaded.cachePath, at, at);
      return loaded.cachePath;
    };
    const runCaches = [1, 2, 3, 4, 5].map((answer) => write(answer, 'run'));
    const planCache = write(6, 'plan');
    const kept = readdirSync(cacheDir).filter((name) => name.startsWith('cli-run-'));
    expect(kept).to.have.length(CACHES_KEPT_PER_COMMAND);
    expect(kept.map((name) => join(cacheDir, name)).sort()).to.deep.equal(runCaches.slice(-3).sort());
    expect(existsSync(planCache)).to.equal(true);
  });

  it('keeps the caches of two installations of the same bundle apart: stack traces name their own files', () => {
    const cacheDir = freshCacheDir();
    const bundle = bundleFile('exports.where = () => new Error("here").stack;');
    const other = copyOf(bundle);
    const first = loadBundle(bundle, { cacheDir, command: 'run' });
    first.writeCache!();
    const second = loadBundle(other, { cacheDir, command: 'run' });
    expect(second.cachePath).to.not.equal(first.cachePath);
    expect(second.cache).to.equal('absent');
    expect((second.exports.where as () => string)())
      .to.include(other)
      .and.not.include(bundle);
    second.writeCache!();
    const sameInstallation = loadBundle(copyOf(bundle), { cacheDir, command: 'run', installation: other });
    expect(sameInstallation.cachePath).to.equal(second.cachePath);
  });

  it('hands the bundle the import function for what it does not contain', async () => {
    const imported: string[] = [];
    const bundle = bundleFile(`exports.load = (specifier) => ${IMPORT_PARAMETER}(specifier);`);
    const loaded = loadBundle(bundle, {
      cacheDir: freshCacheDir(),
      command: 'run',
      importModule: async (specifier) => {
        imported.push(specifier);
        return { specifier };
      },
    });
    expect(await (loaded.exports.load as (s: string) => Promise<unknown>)('esbuild')).to.deep.equal({
      specifier: 'esbuild',
    });
    expect(imported).to.deep.equal(['esbuild']);
  });

  it('has a cache of its own for every command the CLI has', async () => {
    let help = '';
    const stdout = new Writable({
      write: (chunk, _encoding, done) => {
        help += String(chunk);
        done();
      },
    });
    const code = await main(['--help'], { stdout, stderr: stdout, env: {}, cwd: process.cwd() });
    expect(code).to.equal(0);
    const commands = [...help.split('Commands:')[1]!.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
      .map((match) => match[1])
      .filter((name) => name !== 'help');
    expect(commands).to.have.members([...CACHED_COMMANDS]);
  });
});
