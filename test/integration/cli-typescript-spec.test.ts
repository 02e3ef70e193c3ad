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
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { BIN, runCli, type CliRun } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TS_SPEC = join(ROOT, 'bench/specs/checks-50.ts');
const YAML_SPEC = join(ROOT, 'bench/specs/checks-50.yaml');
const RECORD_MODULE_LOADS = join(ROOT, 'test/support/record-module-loads.mjs');
const PACKAGE_ENTRY = pathToFileURL(join(ROOT, 'dist/src/index.js')).href;
/** What a spec's `import … from 'driftspec'` reaches: the DSL, without the programmatic API. */
/** The DSL a compiled spec gets (src/dsl/lazy-api.ts): its resource functions made as a spec needs them. */
const DSL_ENTRY = pathToFileURL(join(ROOT, 'dist/src/dsl/lazy-api.js')).href;
const FULL_DSL = pathToFileURL(join(ROOT, 'dist/src/dsl/index.js')).href;

/**
 * A copy of bin/driftspec whose dist/ holds the compiled modules but no bundle: the CLI falls back
 * to running the modules one by one, as it does when tsc ran without the bundler.
 */
function binWithoutBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-no-bundle-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  copyFileSync(BIN, join(dir, 'bin', 'driftspec'));
  symlinkSync(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'));
  return join(dir, 'bin', 'driftspec');
}

interface LoggedRun extends CliRun {
  /** Every module Node's loader loaded, by URL. */
  modules: string[];
}

async function runLogged(bin: string, args: readonly string[], cacheDir: string): Promise<LoggedRun> {
  const log = join(mkdtempSync(join(tmpdir(), 'driftspec-module-log-')), 'modules');
  writeFileSync(log, '');
  const run = await runCli(
    args,
    cacheDir,
    { DRIFTSPEC_TEST_MODULE_LOG: log },
    { bin, nodeArgs: ['--import', RECORD_MODULE_LOADS] },
  );
  return { ...run, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

/** Names, sizes, inodes and modification times of the compiled specs: unchanged means nothing was compiled again. */
function specCacheState(cacheDir: string): string[] {
  return readdirSync(cacheDir)
    .filter((name) => !name.endsWith('.v8cache'))
    .sort()
    .map((name) => {
      const stat = statSync(join(cacheDir, name));
      return `${name}:${stat.size}:${stat.ino}:${stat.mtimeMs}`;
    });
}

function compiledSpecLoads(run: LoggedRun): string[] {
  return run.modules.filter((url) => /\.mjs\?driftspec-api=[0-9a-f]+$/.test(url));
}

describe('TypeScript specs in the compiled CLI', () => {
  it('reach the bundle’s own DSL (not the package entry again), else dist/src/dsl/lazy-api.js; one build', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-ts-spec-'));
    const compiling = await runLogged(BIN, ['plan', TS_SPEC], cacheDir);
    expect(compiling.code, compiling.stderr).to.equal(0);
    const compiled = specCacheState(cacheDir);
    expect(compiled).to.have.length(2);

    const bundled = await runLogged(BIN, ['plan', TS_SPEC], cacheDir);
    expect(bundled).to.include({ code: 0, stdout: compiling.stdout });
    expect(compiledSpecLoads(bundled)).to.have.length(1);
    expect(bundled.modules).to.not.include(PACKAGE_ENTRY);
    expect(bundled.modules.filter((url) => /\/dist\/src\/(dsl|resources|plan)\//.test(url))).to.deep.equal([]);

    const fallback = await runLogged(binWithoutBundle(), ['plan', TS_SPEC], cacheDir);
    expect(fallback).to.include({ code: 0, stdout: compiling.stdout });
    expect(compiledSpecLoads(fallback)).to.have.length(1);
    expect(fallback.modules).to.include(DSL_ENTRY);
    expect(fallback.modules).to.not.include(PACKAGE_ENTRY);
    expect(fallback.modules).to.not.include(FULL_DSL);
    expect(specCacheState(cacheDir)).to.deep.equal(compiled);

    const again = await runLogged(BIN, ['plan', TS_SPEC], cacheDir);
    expect(again).to.include({ code: 0, stdout: compiling.stdout });
    expect(specCacheState(cacheDir)).to.deep.equal(compiled);

    const yaml = JSON.parse((await runLogged(BIN, ['plan', YAML_SPEC], cacheDir)).stdout) as { checks: unknown[] };
    expect((JSON.parse(compiling.stdout) as { checks: unknown[] }).checks).to.deep.equal(yaml.checks);
  });

  it('names an import driftspec does not export, in the bundle and in the fallback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-ts-missing-'));
    const spec = join(dir, 'missing.ts');
    writeFileSync(
      spec,
      "import { spec, fiel } from 'driftspec';\nexport default spec('x', () => { fiel('/x').exists(); });\n",
    );
    for (const bin of [BIN, binWithoutBundle()]) {
      const run = await runLogged(bin, ['plan', spec], mkdtempSync(join(tmpdir(), 'driftspec-ts-spec-')));
      expect(run.code, bin).to.equal(78);
      expect(run.stderr, bin).to.match(
        /missing\.ts:1:16: driftspec has no export named "fiel" \(it exports: .*\bfile\b.*\bspec\b/,
      );
    }
  });

  it('names the TypeScript line of a runtime error, with and without --enable-source-maps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-ts-throws-'));
    const spec = join(dir, 'throws.ts');
    writeFileSync(
      spec,
      "import { spec, pkg } from 'driftspec';\n\ninterface Named { name: string }\nconst names: Named[] = [];\n" +
        "export default spec('x', () => {\n  pkg(names[0]!.name).installed();\n});\n",
    );
    const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-ts-spec-'));
    for (const nodeOptions of ['', '--enable-source-maps']) {
      const run = await runCli(['plan', spec], cacheDir, { NODE_OPTIONS: nodeOptions });
      expect(run.code, nodeOptions).to.equal(78);
      expect(run.stderr, nodeOptions).to.match(
        /throws\.ts:6:\d+: the spec body threw: Cannot read properties of undefined/,
      );
      expect(run.stderr, nodeOptions).not.to.match(/\.mjs/);
    }
  });
});
