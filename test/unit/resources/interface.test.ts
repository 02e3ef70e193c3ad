import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import { interfaceFactFor, interfaceResource, parseInterfaceTable } from '../../../src/resources/interface/index.js';
import { interfaceInventory } from '../../../src/resources/interface/inventory.js';
import { frame, hostFacts, recordedFrame } from '../../support/frames.js';
import { judgeFrame, parseError, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry([interfaceResource]);
const networkInterface = resourceFunction(interfaceResource);
const viaIp = recordedFrame('recorded/network/interfaces-ip.json');
const viaSys = recordedFrame('recorded/network/interfaces-sys.json');

describe('interface resource', () => {
  it('reads `ip -j addr` as recorded: state, MTU, MAC and addresses with prefixes', () => {
    const table = parseInterfaceTable(viaIp);
    expect(table.source).to.equal('ip');
    expect(interfaceFactFor(table, 'eth0')).to.deep.include({ exists: true, source: '`ip -j addr`' });
    const eth0 = table.interfaces.find((i) => i.name === 'eth0')!;
    expect(eth0).to.deep.include({ adminUp: true, operstate: 'up', mtu: 1400, mac: '02:00:00:00:00:02' });
    expect(eth0.addresses).to.deep.equal(['192.0.2.2/24', 'fd00::2/64', 'fe80::ff:fe00:2/64']);
    expect(table.interfaces.find((i) => i.name === 'lo')).to.deep.include({ operstate: 'unknown', mtu: 65536 });
    expect(interfaceFactFor(table, 'eth')).to.deep.equal({ exists: false, source: '`ip -j addr`' });
  });

  it('reads /sys/class/net and /proc/net/if_inet6 as recorded where ip is missing; IPv4 addresses are unknown', () => {
    const table = parseInterfaceTable(viaSys);
    expect(table.source).to.equal('sys');
    const eth0 = table.interfaces.find((i) => i.name === 'eth0')!;
    expect(eth0).to.deep.include({ adminUp: true, operstate: 'up', mtu: 1400, mac: '02:00:00:00:00:02' });
    expect([...eth0.addresses].sort()).to.deep.equal(['fd00::2/64', 'fe80::ff:fe00:2/64']);
    expect(table.interfaces.find((i) => i.name === 'down0')).to.deep.include({ adminUp: false, operstate: 'down' });
    expect(table.ipv4Unknown).to.match(/IPv4 addresses cannot be read without `ip -j`/);
  });

  it('judges both sources alike, and an address check without ip is an error, never a pass', () => {
    const body = () => {
      networkInterface('eth0').exists().up().mtu(1400).mac('02:00:00:00:00:02');
      networkInterface('lo').up();
      networkInterface('down0').not.up();
      networkInterface('nope0').not.exists();
      networkInterface('eth0').hasAddress('fd00::2/64');
    };
    expect(statuses(judgeFrame(registry, body, viaIp))).to.deep.equal(Array(8).fill('passed'));
    const sys = judgeFrame(registry, body, viaSys);
    expect(statuses(sys)).to.deep.equal([...Array(7).fill('passed'), 'error']);
    expect(sys[7]!.message).to.match(/IPv4 addresses cannot be read/);
  });

  it('fails with the evidence: a missing interface, a wrong MTU, an interface that is down', () => {
    const lines = resultLines(
      judgeFrame(
        registry,
        () => {
          networkInterface('nope0').up();
          networkInterface('nope0').not.mtu(9000);
          networkInterface('eth0').mtu(9000);
          networkInterface('down0').up();
          networkInterface('eth0').hasAddress('10.9.9.9/24');
        },
        viaIp,
      ),
    );
    expect(lines).to.deep.equal([
      'failed: expected interface nope0 to be up, but there is no such interface (per `ip -j addr`)',
      'failed: expected interface nope0 not to have MTU 9000, but there is no such interface (per `ip -j addr`)',
      'failed: expected interface eth0 to have MTU 9000, but got 1400',
      'failed: expected interface down0 to be up, but it is administratively down, operstate down',
      lines[4]!,
    ]);
    expect(lines[4]).to.match(/^failed: expected interface eth0 to have addresses containing/);
  });

  it('is an error when no source answers or the output is not what the query writes', () => {
    const none = frame('', 3, 'neither ip -j (iproute2) nor /sys/class/net is available');
    expect(parseError(() => parseInterfaceTable(none))).to.match(/neither ip -j/);
    expect(parseError(() => parseInterfaceTable(frame('@@source ip\n[{"ifname": 3}]\n')))).to.match(
      /unexpected output/,
    );
    expect(parseError(() => parseInterfaceTable(frame('@@source sys\nmtu=1\n')))).to.match(/unexpected line/);
    expect(parseError(() => parseInterfaceTable(frame('', 127, 'sh: ip: not found')))).to.match(/not found/);
  });

  it('refuses names Linux refuses', () => {
    for (const bad of ['', 'a/b', 'eth0:1', 'a b', 'sixteen-chars-xx', '..'])
      expect(interfaceResource.subject.safeParse(bad).success, bad).to.equal(false);
    expect(interfaceResource.subject.safeParse('enp0s31f6').success).to.equal(true);
  });

  it('lists every interface for a snapshot, veth* left out by default, addresses sorted or unknown', () => {
    const read = (f: typeof viaIp, ignored = (name: string) => name.startsWith('down') || name === 'peer0') =>
      (interfaceInventory.listing as { read: (...a: unknown[]) => { items: unknown[] } }).read(f, {
        host: hostFacts(),
        ignored,
      }).items;
    expect(read(viaIp)).to.deep.equal([
      { name: 'lo', up: true, mtu: 65536, mac: '00:00:00:00:00:00', addresses: ['127.0.0.1/8', '::1/128'] },
      {
        name: 'eth0',
        up: true,
        mtu: 1400,
        mac: '02:00:00:00:00:02',
        addresses: ['192.0.2.2/24', 'fd00::2/64', 'fe80::ff:fe00:2/64'],
      },
    ]);
    expect(read(viaSys).map((i) => (i as { addresses: unknown }).addresses)).to.deep.equal([null, null]);
    expect(interfaceInventory.ignore?.defaults).to.include('veth*');
    expect(interfaceInventory.unknownWhenNull).to.deep.equal(['addresses']);
  });
});
