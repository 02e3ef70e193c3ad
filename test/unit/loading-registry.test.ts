import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { lookupResource } from '../../src/plan/build.js';
import { loadPlan } from '../../src/plan/load.js';
import { RESOURCES } from '../../src/resources/index.js';
import { CHECK_LOADERS, createCheckRegistry } from '../../src/resources/loaders.js';

/**
 * `run`, `plan` and `promote` load a kind's definition only when a spec names it
 * (src/resources/loaders.ts); the list of loaders must stay the list of RESOURCES.
 */
describe('the loading registry of kinds for checks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'driftspec-loading-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const specFile = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('has a loader for every built-in kind, in the order of RESOURCES, giving its definition', async () => {
    expect([...CHECK_LOADERS.keys()]).to.deep.equal(RESOURCES.map((resource) => resource.type));
    for (const resource of RESOURCES) {
      const loaded = await CHECK_LOADERS.get(resource.type)!();
      expect(loaded.type).to.equal(resource.type);
      expect(loaded.summary, resource.type).to.equal(resource.summary);
      expect(Object.keys(loaded.matchers), resource.type).to.deep.equal(Object.keys(resource.matchers));
      expect(Object.keys(loaded.facts), resource.type).to.deep.equal(Object.keys(resource.facts));
      expect(loaded.inventory, resource.type).to.equal(undefined);
    }
  });

  it('holds only the kinds a YAML spec names, its onlyIf conditions included', async () => {
    const registry = createCheckRegistry();
    const path = specFile(
      'two-kinds.yaml',
      [
        'spec: two-kinds',
        'controls:',
        '  - id: web',
        '    onlyIf: { file: /etc/nginx }',
        '    checks:',
        '      - { package: nginx, installed: true }',
        '',
      ].join('\n'),
    );
    const plan = await loadPlan([path], { registry, cacheDir: dir });
    expect(plan.checks.map((check) => check.resource)).to.include('package');
    expect([...registry.keys()].sort()).to.deep.equal(['file', 'package']);
  });

  it('names every kind, loaded or not, when a check starts with an unknown key', async () => {
    const registry = createCheckRegistry();
    const path = specFile('unknown.yaml', 'spec: unknown\nchecks:\n  - { pakage: nginx, installed: true }\n');
    const error = await loadPlan([path], { registry, cacheDir: dir }).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error?.message).to.contain('unknown.yaml:3');
    expect(error?.message).to.contain(RESOURCES.map((resource) => resource.type).join(', '));
  });

  it('refuses, as a fault of driftspec, a kind used before it was loaded', () => {
    expect(() => lookupResource(createCheckRegistry(), 'package')).to.throw(Error, 'used before it was loaded');
    expect(() => lookupResource(createCheckRegistry(), 'no_such_kind')).to.throw('unknown resource "no_such_kind"');
  });
});
