import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SpecError } from '../../src/inputs/input-error.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { createRegistry } from '../../src/resources/index.js';
import { createCheckRegistry } from '../../src/resources/loaders.js';
import { fixturePath } from '../support/frames.js';

const registry = createRegistry();
const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-cache-'));

function withoutSources(plan: Plan): Plan {
  return { ...plan, specs: plan.specs.map(({ source: _source, ...info }) => info) };
}

async function loadYamlText(text: string): Promise<Plan> {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-spec-'));
  const path = join(dir, 'spec.yaml');
  writeFileSync(path, text);
  return loadPlan([path], { registry, cacheDir });
}

async function specError(text: string): Promise<string> {
  try {
    await loadYamlText(text);
  } catch (error) {
    expect(error).to.be.instanceOf(SpecError);
    return (error as Error).message;
  }
  throw new Error('expected the spec to be rejected');
}

describe('spec loading', () => {
  it('gives identical plans for a TypeScript spec and its YAML twin', async () => {
    const fromTs = await loadPlan([fixturePath('specs/mini.ts')], { registry, cacheDir });
    const fromYaml = await loadPlan([fixturePath('specs/mini.yaml')], { registry, cacheDir });
    expect(withoutSources(fromTs)).to.deep.equal(withoutSources(fromYaml));
    expect(fromTs.checks.map((c) => c.id)).to.deep.equal([
      'fs-01#1',
      'fs-01#2',
      'fs-01#3',
      'fs-01#4',
      'fs-01#5',
      'mini#1',
    ]);
  });

  it('gives identical plans for a TypeScript spec and its YAML twin that use eventually', async () => {
    const fromTs = await loadPlan([fixturePath('specs/eventually.ts')], { registry, cacheDir });
    const fromYaml = await loadPlan([fixturePath('specs/eventually.yaml')], { registry, cacheDir });
    expect(withoutSources(fromTs)).to.deep.equal(withoutSources(fromYaml));
    expect(fromYaml.checks.map((c) => c.eventually)).to.deep.equal([
      { timeoutMs: 60_000, intervalMs: 2000 },
      { timeoutMs: 60_000, intervalMs: 2000 },
      { timeoutMs: 30_000, intervalMs: 1000 },
      { timeoutMs: 90_000, intervalMs: 1000 },
      { timeoutMs: 10_000, intervalMs: 500 },
      undefined,
    ]);
  });

  it('gives identical plans for the bundled spec and its TypeScript twin', async () => {
    const specs = fileURLToPath(new URL('../../specs/', import.meta.url));
    const fromTs = await loadPlan([join(specs, 'debian-web-server.ts')], { registry, cacheDir });
    const fromYaml = await loadPlan([join(specs, 'debian-web-server.yaml')], { registry, cacheDir });
    expect(withoutSources(fromTs)).to.deep.equal(withoutSources(fromYaml));
    expect(fromYaml.checks.length).to.be.greaterThan(40);
  });

  it('takes type-only and namespace imports from driftspec; the compiled spec loads only via the loader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-ts-'));
    const ownCacheDir = mkdtempSync(join(tmpdir(), 'driftspec-cache-'));
    const path = join(dir, 'typed.ts');
    writeFileSync(
      path,
      [
        "import type { Plan, CheckResult } from 'driftspec';",
        "import { spec, file, type ControlMeta, type SpecDefinition } from 'driftspec';",
        "import * as driftspec from 'driftspec';",
        "const meta: ControlMeta = { impact: 'high' };",
        'const unused: Plan | CheckResult | undefined = undefined;',
        "const definition: SpecDefinition = spec('typed', () => { driftspec.control('c', meta, () => " +
          "file('/etc/passwd').exists()); void unused; });",
        'export default definition;',
        '',
      ].join('\n'),
    );
    const plan = await loadPlan([path], { registry, cacheDir: ownCacheDir });
    expect(plan.checks.map((c) => [c.id, c.resource, c.subject])).to.deep.equal([['c#1', 'file', '/etc/passwd']]);
    const compiled = readdirSync(ownCacheDir).filter((name) => name.endsWith('.mjs'));
    expect(compiled).to.have.length(1);
    expect(readFileSync(join(ownCacheDir, compiled[0]!), 'utf8')).to.not.match(/\bimport\b.*\bfrom\b/);
    await import(pathToFileURL(join(ownCacheDir, compiled[0]!)).href).then(
      () => expect.fail('a compiled spec loaded outside the spec loader'),
      (error: Error) => expect(error.message).to.equal("a compiled spec is loaded only by driftspec's spec loader"),
    );
  });

  it('makes only the resource functions a TypeScript spec uses, and its registry loads only their kinds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-ts-'));
    const ownCacheDir = mkdtempSync(join(tmpdir(), 'driftspec-cache-'));
    const path = join(dir, 'two-kinds.ts');
    writeFileSync(
      path,
      [
        "import { spec, file, pkg, service } from 'driftspec';",
        "export default spec('two-kinds', () => { file('/etc/passwd').exists(); pkg('bash').installed(); });",
        'export const alsoExported = service;',
        '',
      ].join('\n'),
    );
    const checkRegistry = createCheckRegistry();
    for (const round of ['compiled', 'cached']) {
      const plan = await loadPlan([path], { registry: checkRegistry, cacheDir: ownCacheDir });
      expect(
        plan.checks.map((c) => c.resource),
        round,
      ).to.deep.equal(['file', 'package']);
    }
    // The spec exports `service` too: kept, and loaded, though the spec makes no check of it.
    expect([...checkRegistry.keys()].sort()).to.deep.equal(['file', 'package', 'service']);
    const compiled = readdirSync(ownCacheDir).filter((name) => name.endsWith('.mjs'));
    const code = readFileSync(join(ownCacheDir, compiled[0]!), 'utf8');
    expect(code).to.contain('driftspecExport("pkg")');
    expect(code).to.not.contain('driftspecExport("user")');
  });

  it('reads 0644 in YAML as the octal mode a person means', async () => {
    const plan = await loadYamlText('spec: s\nchecks:\n  - file: /etc/passwd\n    mode: 0644\n');
    expect(plan.checks[0]!.args).to.equal(0o644);
  });

  it('turns `false` on a predicate into a negated check', async () => {
    const plan = await loadYamlText('spec: s\nchecks:\n  - file: /x\n    exists: false\n');
    expect(plan.checks[0]).to.include({ matcher: 'exists', negated: true });
  });

  describe('malformed specs name the file, line and what was expected', () => {
    it('a YAML syntax error', async () => {
      const message = await specError('spec: s\nchecks:\n  - file: [/etc/passwd\n    mode: 0644\n');
      expect(message).to.match(/spec\.yaml:\d+:\d+: YAML syntax error/);
    });

    it('an unknown resource', async () => {
      const message = await specError('spec: s\nchecks:\n  - fiel: /etc/passwd\n    mode: 0644\n');
      expect(message).to.match(/spec\.yaml:3:5: a check must start with a resource key \(one of: .*file/);
    });

    it('an unknown matcher', async () => {
      const message = await specError('spec: s\nchecks:\n  - file: /etc/passwd\n    colour: red\n');
      expect(message).to.match(
        /spec\.yaml:4:5: unknown key "colour" for a file check; expected one of: exists, type, mode/,
      );
    });

    it('a value of the wrong type', async () => {
      const message = await specError('spec: s\nchecks:\n  - file: /etc/passwd\n    type: folder\n');
      expect(message).to.match(/spec\.yaml:4:5: invalid file\.type expected value/);
    });

    it('a relative path, at the subject line rather than at the first matcher', async () => {
      const message = await specError('spec: s\nchecks:\n  - file: etc/passwd\n    exists: true\n');
      expect(message).to.match(/spec\.yaml:3:5: invalid file name: .*absolute/);
    });

    it('invalid options, at the options line', async () => {
      const message = await specError(
        'spec: s\nchecks:\n  - file: /etc/passwd\n    exists: true\n    options: {x: 1}\n',
      );
      expect(message).to.match(/spec\.yaml:5:5: invalid file options: /);
    });

    it('an unknown top-level key', async () => {
      const message = await specError('spec: s\ncontrol:\n  - id: x\n');
      expect(message).to.match(/spec\.yaml:2:1: unknown key "control"/);
    });

    it('a control without checks and a bad impact', async () => {
      expect(await specError('spec: s\ncontrols:\n  - id: c1\n    checks: []\n')).to.match(
        /spec\.yaml:4:5: .*at least one check/,
      );
      expect(
        await specError(
          'spec: s\ncontrols:\n  - id: c1\n    impact: severe\n    checks:\n      - file: /x\n        exists: true\n',
        ),
      ).to.match(/spec\.yaml:4:5: controls\.0\.impact/);
    });

    it('a duplicate control id and a duplicate key', async () => {
      const twice =
        'spec: s\ncontrols:\n  - id: c1\n    checks: [{ file: /x, exists: true }]\n  - id: c1\n    checks: [{ file: ' +
        '/y, exists: true }]\n';
      expect(await specError(twice)).to.match(/spec\.yaml:5:5: control "c1" is defined twice/);
      expect(await specError('spec: s\nspec: t\nchecks: []\n')).to.match(
        /spec\.yaml:2:1: YAML syntax error: Map keys must be unique/,
      );
    });

    it('a missing file and an unsupported extension', async () => {
      await loadPlan(['/nonexistent/spec.yaml'], { registry, cacheDir }).then(
        () => expect.fail('loaded a missing file'),
        (error: Error) => expect(error.message).to.equal('/nonexistent/spec.yaml: spec file not found'),
      );
      await loadPlan(['/etc/hostname'], { registry, cacheDir }).then(
        () => expect.fail('loaded a file without an extension'),
        (error: Error) => expect(error.message).to.match(/unsupported spec file type/),
      );
    });

    it('a TypeScript spec that imports a name driftspec does not export', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'driftspec-ts-'));
      writeFileSync(
        join(dir, 'missing.ts'),
        "import { spec, control, Fil } from 'driftspec';\nexport default spec('x', () => { control('c', () => " +
          "Fil('/x')); });\n",
      );
      await loadPlan([join(dir, 'missing.ts')], { registry, cacheDir }).then(
        () => expect.fail('loaded a spec importing a missing name'),
        (error: Error) =>
          expect(error.message).to.match(
            /missing\.ts:1:25: driftspec has no export named "Fil" \(it exports: [^)]*\bcontrol, [^)]*\bfile, /,
          ),
      );
    });

    it('a TypeScript spec that does not compile, or uses an unknown matcher', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'driftspec-ts-'));
      writeFileSync(
        join(dir, 'broken.ts'),
        "import { spec } from 'driftspec';\nexport default spec('x', () => { let = ; });\n",
      );
      writeFileSync(
        join(dir, 'wrong.ts'),
        "import { spec, file } from 'driftspec';\nexport default spec('x', () => { (file('/x') as " +
          "any).colour('red'); });\n",
      );
      await loadPlan([join(dir, 'broken.ts')], { registry, cacheDir }).then(
        () => expect.fail('loaded a broken spec'),
        (error: Error) => expect(error.message).to.match(/broken\.ts:2:\d+: /),
      );
      await loadPlan([join(dir, 'wrong.ts')], { registry, cacheDir }).then(
        () => expect.fail('loaded a spec with an unknown matcher'),
        (error: Error) =>
          expect(error.message).to.match(
            /wrong\.ts:2:\d+: the spec body threw: file\(\.\.\.\)\.colour is not a function/,
          ),
      );
    });

    describe('a runtime error names the line of the TypeScript source, never the bundle', () => {
      const dir = mkdtempSync(join(tmpdir(), 'driftspec-ts-lines-'));
      writeFileSync(
        join(dir, 'helper.ts'),
        'interface Port { n: number }\n\nexport function portOf(text: string): Port {\n' +
          "  throw new Error('no port in ' + text);\n}\n",
      );
      const specs = {
        body:
          "import { spec, pkg } from 'driftspec';\n\ntype T = string;\n" +
          "export default spec('x', () => {\n  pkg('bash').instaled();\n});\n",
        load:
          "import { spec } from 'driftspec';\n\nconst broken: string[] = JSON.parse('{');\n" +
          "export default spec('x', () => {});\n",
        imported:
          "import { spec, port } from 'driftspec';\nimport { portOf } from './helper.js';\n\n" +
          "export default spec('x', () => {\n  port(portOf('web').n).listening();\n});\n",
      };
      for (const [name, text] of Object.entries(specs)) writeFileSync(join(dir, `${name}.ts`), text);
      const expected = {
        body: /^\S*body\.ts:5:15: the spec body threw: pkg\(\.\.\.\)\.instaled is not a function$/,
        load: /^\S*load\.ts:3:\d+: failed while loading: /,
        imported: /^\S*imported\.ts: \S*helper\.ts:4:9: the spec body threw: no port in web$/,
      };

      async function loadError(name: keyof typeof specs): Promise<string> {
        return loadPlan([join(dir, `${name}.ts`)], { registry, cacheDir }).then(
          () => expect.fail(`loaded ${name}.ts`),
          (error: Error) => error.message,
        );
      }

      for (const name of Object.keys(specs) as Array<keyof typeof specs>) {
        it(`${name}: from the compiler, then from the cache in another working directory`, async () => {
          expect(await loadError(name)).to.match(expected[name]);
          const before = process.cwd();
          process.chdir(tmpdir());
          try {
            expect(await loadError(name)).to.match(expected[name]);
          } finally {
            process.chdir(before);
          }
        });
      }
    });
  });
});
