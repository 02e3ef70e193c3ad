import { expect } from 'chai';
import { dns, http, networkInterface, planSpecs, remoteHost, route, spec } from '../../../src/dsl/index.js';
import { needsRunningSystem } from '../../../src/engine/applicability.js';
import { createRegistry } from '../../../src/resources/index.js';

const registry = createRegistry();

describe('network resources on an image that is not booted', () => {
  it('every check of interface, route, host, dns and http needs a running system (not applicable on an image)', () => {
    const plan = planSpecs(
      [
        {
          definition: spec('net', () => {
            networkInterface('eth0').exists().up().operstate('up').mtu(1500).mac('02:00:00:00:00:01');
            networkInterface('eth0').hasAddress('10.0.0.2/24');
            route('default').exists().gateway('10.0.0.1').device('eth0').metric(0).routeType('unicast');
            remoteHost('db', { port: 5432 })
              .resolvable()
              .addresses({ contains: ['10.0.0.5'] })
              .reachable();
            dns('example.test', { type: 'MX' })
              .resolvable()
              .records({ contains: ['10 mail.example.test'] });
            http('http://127.0.0.1/').status(200).headers({ matches: '^server: ' }).body(/ok/);
          }),
        },
      ],
      registry,
    );
    expect(plan.checks).to.have.length(19);
    expect(plan.checks.filter((check) => !needsRunningSystem(check, registry)).map((c) => c.title)).to.deep.equal([]);
  });
});
