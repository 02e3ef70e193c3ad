import { expect } from 'chai';
import { diffSnapshots } from '../../src/drift/diff.js';
import type { HostDrift } from '../../src/drift/diff-schema.js';
import { interfaceOfKey } from '../../src/resources/kernel-parameter/inventory.js';
import { handMadeSnapshot, withChanges } from '../support/drift-snapshots.js';

const NOW = new Date('2025-06-02T12:00:00Z');

/** The kernel parameters of one interface, as `sysctl -a` names them. */
function interfaceParameters(name: string, forwarding = '0'): Record<string, string> {
  return {
    [`net.ipv4.conf.${name}.forwarding`]: forwarding,
    [`net.ipv4.conf.${name}.rp_filter`]: '2',
    [`net.ipv4.neigh.${name}.mcast_solicit`]: '3',
    [`net.ipv6.conf.${name}.disable_ipv6`]: '0',
    [`net.ipv6.neigh.${name}.retrans_time_ms`]: '1000',
  };
}

function kernelDrift(host: HostDrift): string[] {
  const kind = host.kinds.find((k) => k.kind === 'kernelParameters')!;
  return [
    ...kind.added.map((i) => `+ ${i.key}`),
    ...kind.removed.map((i) => `- ${i.key}`),
    ...kind.changed.map((i) => `~ ${i.key}`),
  ];
}

describe('drift of interface kernel parameters', () => {
  const base = handMadeSnapshot();
  const withEth0 = withChanges(base, (s) => Object.assign(s.kernelParameters, interfaceParameters('eth0')));

  it('names the interface of net.*.conf.<if>.* and net.*.neigh.<if>.* keys; all and default are none', () => {
    expect(interfaceOfKey('net.ipv4.conf.veth1a2b.forwarding')).to.equal('veth1a2b');
    expect(interfaceOfKey('net.ipv6.neigh.eth0/100.retrans_time_ms')).to.equal('eth0/100');
    expect(interfaceOfKey('net.mpls.conf.eth0.input')).to.equal('eth0');
    expect(interfaceOfKey('net.ipv4.conf.all.forwarding')).to.equal(undefined);
    expect(interfaceOfKey('net.ipv6.conf.default.disable_ipv6')).to.equal(undefined);
    expect(interfaceOfKey('net.ipv4.ip_forward')).to.equal(undefined);
    expect(interfaceOfKey('net.core.somaxconn')).to.equal(undefined);
  });

  it('leaves out the parameters of an interface only one side has, both ways', () => {
    const candidate = withChanges(withEth0, (s) => Object.assign(s.kernelParameters, interfaceParameters('veth9f3c')));
    expect(kernelDrift(diffSnapshots(withEth0, candidate, { now: NOW }))).to.deep.equal([]);
    expect(kernelDrift(diffSnapshots(candidate, withEth0, { now: NOW }))).to.deep.equal([]);
    const host = diffSnapshots(withEth0, candidate, { now: NOW });
    expect(host.state).to.equal('no-drift');
    expect(host.notCompared).to.deep.equal([]);
  });

  it('still compares the interfaces both sides have, all and default, and every other key', () => {
    const candidate = withChanges(withEth0, (s) => {
      Object.assign(s.kernelParameters, interfaceParameters('veth9f3c', '1'));
      s.kernelParameters['net.ipv4.conf.eth0.forwarding'] = '1';
      s.kernelParameters['net.ipv4.conf.all.forwarding'] = '1';
      s.kernelParameters['net.ipv4.conf.default.rp_filter'] = '1';
      s.kernelParameters['net.ipv4.ip_forward'] = '1';
      // A parameter a newer kernel adds for an interface both sides have is drift too.
      s.kernelParameters['net.ipv4.conf.eth0.arp_evict_nocarrier'] = '1';
    });
    expect(kernelDrift(diffSnapshots(withEth0, candidate, { now: NOW })).sort()).to.deep.equal([
      '+ net.ipv4.conf.all.forwarding',
      '+ net.ipv4.conf.default.rp_filter',
      '+ net.ipv4.conf.eth0.arp_evict_nocarrier',
      '~ net.ipv4.conf.eth0.forwarding',
      '~ net.ipv4.ip_forward',
    ]);
  });
});
