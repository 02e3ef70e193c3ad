import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadPlan } from '../../src/plan/load.js';
import type { SpecFile } from '../../src/plan/spec-file.js';
import { cachedSpecFile, storeSpecFile, YAML_SPECS_KEPT } from '../../src/plan/yaml-cache.js';
import { createRegistry } from '../../src/resources/index.js';

const SPEC = `spec: cached
controls:
  - id: files
    checks:
      - file: /etc/hostname
        mode: 0644
      - file: /etc/passwd
        exists: true
checks:
  - package: openssh-server
    installed: true
`;

describe('YAML specs kept between runs by the build that read them', () => {
  const registry = createRegistry();

  function setUp(text = SPEC): { dir: string; path: string; entries: () => string[] } {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-yaml-cache-'));
    const path = join(dir, 'spec.yaml');
    writeFileSync(path, text);
    const entries = () => readdirSync(join(dir, 'cache')).filter((name) => name.startsWith('yaml-'));
    return { dir, path, entries };
  }
  const plan = (path: string, dir: string, buildId?: string) =>
    loadPlan([path], { registry, cacheDir: join(dir, 'cache'), ...(buildId ? { buildId } : {}) });

  /** Names the spec differently in the one entry: a plan that shows the name was made from the cache. */
  function tamper(dir: string, entry: string): void {
    const path = join(dir, 'cache', entry);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"spec":"cached"', '"spec":"from the cache"'));
  }

  it('plans a text read before from the cache, the same plan as read anew, the octal mode as written', async () => {
    const { dir, path, entries } = setUp();
    const first = await plan(path, dir, 'build-a');
    expect(entries()).to.have.length(1);
    expect(statSync(join(dir, 'cache', entries()[0]!)).mode & 0o777).to.equal(0o600);
    expect(await plan(path, dir, 'build-a')).to.deep.equal(first);
    expect(JSON.stringify(first)).to.include('should have mode 0644');
    tamper(dir, entries()[0]!);
    expect((await plan(path, dir, 'build-a')).specs.map((s) => s.name)).to.deep.equal(['from the cache']);
  });

  it('is used by no other build and for no other text; without a build it is neither read nor written', async () => {
    const { dir, path, entries } = setUp();
    await plan(path, dir, 'build-a');
    tamper(dir, entries()[0]!);
    expect((await plan(path, dir, 'build-b')).specs.map((s) => s.name)).to.deep.equal(['cached']);
    expect((await plan(path, dir)).specs.map((s) => s.name)).to.deep.equal(['cached']);
    writeFileSync(path, `${SPEC}# edited\n`);
    expect((await plan(path, dir, 'build-a')).specs.map((s) => s.name)).to.deep.equal(['cached']);
    expect(entries()).to.have.length(3);
  });

  it('reads the text again where an entry is damaged, and writes it anew', async () => {
    const { dir, path, entries } = setUp();
    const first = await plan(path, dir, 'build-a');
    const entry = join(dir, 'cache', entries()[0]!);
    const intact = readFileSync(entry, 'utf8');
    const otherKey = intact.replace(/"key":"[0-9a-f]/, (key) => `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`);
    for (const damaged of [intact.slice(0, intact.length / 2), 'not json', otherKey, '{"key":1}']) {
      writeFileSync(entry, damaged);
      expect(await plan(path, dir, 'build-a')).to.deep.equal(first);
      expect(readFileSync(entry, 'utf8')).to.equal(intact);
    }
  });

  it('names the same file:line:column for a mistake found while planning from the cache', async () => {
    const { dir, path } = setUp(`${SPEC}  - service: ssh\n    runing: true\n`);
    const message = () =>
      plan(path, dir, 'build-a').then(
        () => 'planned',
        (error: Error) => error.message,
      );
    const anew = await message();
    expect(anew).to.match(/spec\.yaml:13:5: unknown key "runing" for a service check/);
    expect(readdirSync(join(dir, 'cache'))).to.have.length(1);
    expect(await message()).to.equal(anew);
  });

  it('keeps no value JSON would not give back as it is', () => {
    const cache = { dir: mkdtempSync(join(tmpdir(), 'driftspec-yaml-cache-')), buildId: 'build-a' };
    const file = (value: unknown) => ({ spec: 's', checks: [{ command: 'true', stdout: value }] }) as SpecFile;
    for (const [index, value] of [Infinity, Number.NaN, -0, undefined].entries()) {
      storeSpecFile(cache, `text ${index}`, file(value));
      expect(cachedSpecFile(cache, `text ${index}`)).to.equal(undefined);
    }
    expect(readdirSync(cache.dir)).to.deep.equal([]);
    storeSpecFile(cache, 'text', file(1.5));
    expect(cachedSpecFile(cache, 'text')).to.deep.equal(file(1.5));
  });

  it(`keeps the ${YAML_SPECS_KEPT} entries written last`, () => {
    const cache = { dir: mkdtempSync(join(tmpdir(), 'driftspec-yaml-cache-')), buildId: 'build-a' };
    const file = { spec: 's', checks: [{ command: 'true', exit_status: 0 }] } as SpecFile;
    const texts = Array.from({ length: YAML_SPECS_KEPT + 2 }, (_, i) => `text ${i}`);
    for (const [i, text] of texts.entries()) {
      const before = new Set(readdirSync(cache.dir));
      storeSpecFile(cache, text, file);
      // Written a second apart: a file system's clock may not tell writes a moment apart.
      const written = readdirSync(cache.dir).filter((name) => !before.has(name));
      expect(written).to.have.length(1);
      utimesSync(join(cache.dir, written[0]!), 1000 + i, 1000 + i);
    }
    expect(readdirSync(cache.dir)).to.have.length(YAML_SPECS_KEPT);
    expect(cachedSpecFile(cache, texts[0]!)).to.equal(undefined);
    expect(cachedSpecFile(cache, texts[1]!)).to.equal(undefined);
    expect(cachedSpecFile(cache, texts[2]!)).to.deep.equal(file);
    expect(cachedSpecFile(cache, texts.at(-1)!)).to.deep.equal(file);
  });
});
