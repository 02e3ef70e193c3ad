import { z } from 'zod';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { diffSnapshots } from '../../src/drift/diff.js';
import { renderYaml, specFromSnapshot } from '../../src/drift/generate.js';
import { snapshotSchemaFor, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { SnapshotCollector } from '../../src/drift/snapshot.js';
import { resourceFunction } from '../../src/dsl/spec.js';
import { evaluateCheck } from '../../src/engine/evaluate.js';
import { factQueryFor } from '../../src/engine/queries.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Frame } from '../../src/probe/frames.js';
import { HOST_QUERY_ID } from '../../src/probe/host.js';
import { createRegistry, RESOURCES } from '../../src/resources/index.js';
import { inventoryParts } from '../../src/resources/inventory-part.js';
import { execResult, framedOutput, HOST_FRAME_TEXT } from '../support/fake-target.js';
import { hostFacts } from '../support/frames.js';
import { judgeFrame, resultLines } from '../support/judge.js';
import { kernelModuleResource } from '../fixtures/resources/kernel-module/index.js';
import { kernelModuleInventory } from '../fixtures/resources/kernel-module/inventory.js';

/**
 * A kind of state that driftspec does not ship, added from a fixture folder with one registry
 * line, gets checks, snapshot items, drift and generated checks: nothing else names it.
 */
const registry = createRegistry([...RESOURCES, { ...kernelModuleResource, inventory: kernelModuleInventory }]);
const parts = inventoryParts(registry.values());

const MODULES = 'overlay 151552 0 - Live 0x0000000000000000\nbridge 311296 1 br_netfilter, Live 0x0000000000000000\n';
const modulesFrame = (stdout: string): Frame => ({
  id: 'kernel-modules',
  exitCode: 0,
  stdout: Buffer.from(stdout),
  stderr: Buffer.alloc(0),
});

/** A snapshot probe's output where only the host and the modules were read. */
function snapshotOf(modules: string): Snapshot {
  const collector = new SnapshotCollector(
    {
      target: 'ssh://root@10.0.0.5:22',
      takenAt: '2026-01-02T03:04:05.000Z',
      toolVersion: '0.1.0',
      fileRoots: ['/etc'],
      ignores: { paths: [], mounts: [], kernelParameters: [] },
      timeoutMs: 1000,
    },
    parts,
  );
  collector.push(
    framedOutput([
      { id: HOST_QUERY_ID, stdout: HOST_FRAME_TEXT },
      { id: 'snapshot-kernel-modules', stdout: modules },
    ]),
  );
  return collector.finish(execResult(Buffer.alloc(0)));
}

describe('a resource from a fixture folder, through the registry alone', () => {
  it('its check is judged from a probe frame', () => {
    const kernelModule = resourceFunction(kernelModuleResource);
    const results = judgeFrame(
      registry,
      () => {
        kernelModule('overlay').loaded();
        kernelModule('vfat').loaded();
      },
      modulesFrame(MODULES),
    );
    expect(resultLines(results)).to.deep.equal([
      'passed: kernel module overlay should be loaded',
      'failed: expected kernel module vfat to be loaded, but it is not loaded',
    ]);
  });

  it('the snapshot records its items in the field its part names, and the schema has that field', () => {
    const snapshot = snapshotOf(MODULES) as Snapshot & { kernelModules: unknown };
    expect(snapshot.kernelModules).to.deep.equal([
      { name: 'bridge', size: 311296, state: 'Live' },
      { name: 'overlay', size: 151552, state: 'Live' },
    ]);
    expect(snapshot.gaps.filter((gap) => (gap.kind as string) === 'kernelModules')).to.deep.equal([]);
    const fileSchema = z.toJSONSchema(snapshotSchemaFor(parts), { io: 'input' }) as { properties: object };
    expect(Object.keys(fileSchema.properties)).to.include('kernelModules');
  });

  it('drift compares its items: added, removed and changed', () => {
    const before = snapshotOf(MODULES);
    const after = snapshotOf('overlay 151553 0 - Live 0x0\nvfat 20480 0 - Live 0x0\n');
    const drift = diffSnapshots(before, after, { now: new Date('2026-01-03T00:00:00Z'), parts });
    const modules = drift.kinds.find((kind) => (kind.kind as string) === 'kernelModules')!;
    expect(modules.added.map((item) => item.key)).to.deep.equal(['vfat']);
    expect(modules.removed.map((item) => item.key)).to.deep.equal(['bridge']);
    expect(modules.changed.map((item) => [item.key, item.changes])).to.deep.equal([
      ['overlay', [{ attribute: 'size', old: 151552, new: 151553 }]],
    ]);
  });

  it('generate writes its checks, which load as a spec and pass on the same machine', async () => {
    const spec = specFromSnapshot(snapshotOf(MODULES), { parts });
    const control = spec.controls.find((c) => c.id === 'kernel-modules')!;
    expect(control.checks).to.deep.equal([
      { resource: 'kernelModule', subject: 'bridge', matchers: [['loaded', true]] },
      { resource: 'kernelModule', subject: 'overlay', matchers: [['loaded', true]] },
    ]);
    expect(spec.header).to.include('   kernel modules: loaded as recorded;');
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-fixture-resource-'));
    try {
      writeFileSync(join(dir, 'spec.yaml'), renderYaml(spec));
      const plan = await loadPlan([join(dir, 'spec.yaml')], { registry, cacheDir: join(dir, 'cache') });
      const checks = plan.checks.filter((check) => check.resource === 'kernelModule');
      expect(checks.map((check) => check.subject)).to.deep.equal(['bridge', 'overlay']);
      const judged = checks.map((check) => {
        const value = factQueryFor(check, registry).parse(modulesFrame(MODULES), hostFacts());
        return evaluateCheck(check, { ok: true, value }, hostFacts(), registry).status;
      });
      expect(judged).to.deep.equal(['passed', 'passed']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
