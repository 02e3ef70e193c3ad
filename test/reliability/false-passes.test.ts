import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { file, pkg, planSpecs, spec } from '../../src/dsl/index.js';
import { SpecError } from '../../src/inputs/input-error.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { fileResource } from '../../src/resources/file/index.js';
import { createRegistry } from '../../src/resources/index.js';
import { partsFrame } from '../support/frames.js';
import { judgeFrame, statuses } from '../support/judge.js';

// Issue 18, false passes #3 (ambiguous modes) and #20 (unparseable version constraints): each
// case was accepted before and let a negated check pass; now the spec is refused where it is
// written. (#1 and #2, forged framing, are in forged-framing*.test.ts.)

const registry = createRegistry();

describe('reliability: false passes refused at load', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'driftspec-false-passes-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function loadYaml(checks: string): Promise<Plan> {
    const path = join(dir, 'spec.yaml');
    writeFileSync(path, `spec: s\nchecks:\n${checks}`);
    return loadPlan([path], { registry, cacheDir: dir });
  }

  async function yamlError(checks: string): Promise<string> {
    try {
      await loadYaml(checks);
    } catch (error) {
      expect(error).to.be.instanceOf(SpecError);
      return (error as Error).message;
    }
    throw new Error('expected the spec to be refused');
  }

  function dslError(body: () => void): string {
    try {
      planSpecs([{ definition: spec('t', body) }], registry);
    } catch (error) {
      expect(error).to.be.instanceOf(SpecError);
      return (error as Error).message;
    }
    throw new Error('expected the spec to be refused');
  }

  describe('#3 a mode without its leading zero', () => {
    for (const [label, item] of [
      ['mode: 777', '    mode: 777\n'],
      ['not: {mode: 777}', '    not: { mode: 777 }\n'],
      ['mode: 999', '    mode: 999\n'],
      ['mode: { oneOf: [0640, 644] }', '    mode: { oneOf: [0640, 644] }\n'],
      ['mode: "rwx"', '    mode: "rwx"\n'],
      ['morePermissiveThan: { mode: 777 }', '    morePermissiveThan: { mode: 777 }\n'],
    ] as const) {
      it(`refuses YAML ${label} with the file and line`, async () => {
        const message = await yamlError(`  - file: /tmp/x\n${item}`);
        expect(message).to.match(/spec\.yaml:\d+:\d+/);
        expect(message).to.match(/ambiguous as a mode|not an octal mode/);
      });
    }

    it('refuses the DSL mode(777), not.mode(777) and morePermissiveThan({ mode: 777 }) the same way', () => {
      expect(dslError(() => file('/tmp/x').mode(777))).to.match(/ambiguous as a mode.*'0640'/);
      expect(dslError(() => file('/tmp/x').not.mode(777))).to.match(/ambiguous as a mode/);
      expect(dslError(() => file('/tmp/x').morePermissiveThan({ mode: 777 }))).to.match(/ambiguous as a mode/);
      expect(dslError(() => file('/tmp/x').mode('999'))).to.match(/not an octal mode/);
    });

    it('reads every unambiguous spelling as the same octal mode, in YAML and the DSL', async () => {
      const yaml = await loadYaml(
        ['0777', '"0777"', '"777"', '0o777', "'0o777'"].map((v) => `  - file: /tmp/x\n    mode: ${v}\n`).join(''),
      );
      const dsl = planSpecs(
        [{ definition: spec('t', () => file('/tmp/x').mode(0o777).mode('0777').mode('777')) }],
        registry,
      );
      for (const check of [...yaml.checks, ...dsl.checks]) expect(check.args).to.equal(0o777);
    });

    it('a 0777 file fails not.mode("777") and passes mode("777")', () => {
      const stat = partsFrame([{ name: 'stat', stdout: '81ff:0:0:0:0:1:root:root:/tmp/x\n' }]);
      const results = judgeFrame(
        createRegistry([fileResource]),
        () => file('/tmp/x').not.mode('777').mode('777'),
        stat,
      );
      expect(statuses(results)).to.deep.equal(['failed', 'passed']);
    });
  });

  describe('#20 a version constraint no package manager can read', () => {
    it('refuses YAML installed: { version: ">= ??bad" } with the file and line', async () => {
      const message = await yamlError('  - package: openssh-server\n    installed: { version: ">= ??bad" }\n');
      expect(message).to.match(/spec\.yaml:\d+:\d+/);
      expect(message).to.match(/"\?\?bad" has a character no package manager uses/);
    });

    it('refuses the DSL installed({ version: ">= ??bad" }), and keeps real constraints', () => {
      expect(dslError(() => pkg('openssh-server').installed({ version: '>= ??bad' }))).to.match(
        /no package manager uses/,
      );
      expect(dslError(() => pkg('openssh-server').not.installed({ version: '< 2.0, >= a?b' }))).to.match(/clause 2/);
      const plan = planSpecs(
        [{ definition: spec('t', () => pkg('openssh-server').installed({ version: '>= 1:9.2p1-2~bpo12+1' })) }],
        registry,
      );
      expect(plan.checks).to.have.length(1);
    });
  });
});
