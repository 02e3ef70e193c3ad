import { expect } from 'chai';
import { checkProbeScript, sharedProbeScript } from '../../../src/engine/check-probe.js';
import type { QueryPlan } from '../../../src/engine/queries.js';
import type { ProbeQuery } from '../../../src/probe/script.js';

const QUERIES: ProbeQuery[] = [{ id: 'q1', script: 'uname -r' }];

describe('engine: the probe script that a fleet shares', () => {
  it('is the script of the plan, made once for booted targets and once for images', () => {
    const plan: QueryPlan = { queries: QUERIES, factByCheck: new Map() };
    const booted = sharedProbeScript(plan, {});
    expect(booted).to.equal(checkProbeScript(QUERIES, {}));
    expect(sharedProbeScript(plan, { booted: false })).to.equal(checkProbeScript(QUERIES, { booted: false }));
    expect(booted).to.not.equal(checkProbeScript(QUERIES, { booted: false }));
    expect([...plan.scripts!.keys()]).to.deep.equal([true, false]);
  });

  it('is taken from the plan once made: no host builds it again', () => {
    const plan: QueryPlan = { queries: QUERIES, factByCheck: new Map(), scripts: new Map([[true, 'made before']]) };
    expect(sharedProbeScript(plan, { booted: true })).to.equal('made before');
  });
});
