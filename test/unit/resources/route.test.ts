import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import { canonicalDestination, parseRouteTable, routeResource } from '../../../src/resources/route/index.js';
import { routeInventory, type SnapshotRoute } from '../../../src/resources/route/inventory.js';
import { parseProcRoute } from '../../../src/resources/route/proc.js';
import { frame, hostFacts, recordedFrame } from '../../support/frames.js';
import { judgeFrame, parseError, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry([routeResource]);
const route = resourceFunction(routeResource);
const viaIp = recordedFrame('recorded/network/routes-ip.json');
const viaProc = recordedFrame('recorded/network/routes-proc.json');
const host = hostFacts();

const route4 = (destination: string, gateways: string[], devices: string[], metric = 0, type = 'unicast') => ({
  family: 'ipv4',
  destination,
  gateways,
  devices,
  metric,
  type,
});
const route6 = (destination: string, gateways: string[], devices: string[], metric: number) => ({
  ...route4(destination, gateways, devices, metric),
  family: 'ipv6',
});

/** The routes test/fixtures/recorded/network/record.mts sets up in its network namespace. */
const EXPECTED = [
  route4('default', ['192.0.2.1'], ['eth0']),
  route4('192.0.2.0/24', [], ['eth0']),
  route4('192.0.2.99/32', [], ['eth0']),
  route4('198.51.100.0/24', ['192.0.2.254'], ['eth0'], 100),
  route4('203.0.113.0/24', [], [], 0, 'blackhole'),
  route6('fd00::/64', [], ['eth0'], 256),
  route6('fe80::/64', [], ['peer0'], 256),
  route6('fe80::/64', [], ['eth0'], 256),
  route6('default', ['fd00::1'], ['eth0'], 1024),
];

describe('route resource', () => {
  it('reads `ip -j route` and /proc/net/route + ipv6_route as recorded on one machine to the same table', () => {
    expect(parseRouteTable(viaIp, host)).to.deep.equal({ source: 'ip', routes: EXPECTED, ipv6: true });
    expect(parseRouteTable(viaProc, host)).to.deep.equal({ source: 'proc', routes: EXPECTED, ipv6: true });
  });

  it('reads /proc/net/route in the byte order of a big-endian machine', () => {
    const routes = parseProcRoute(['eth0\tC0000200\t00000000\t0001\t0\t0\t5\tFFFFFF00\t0\t0\t0'], false);
    expect(routes[0]).to.deep.include({ destination: '192.0.2.0/24', metric: 5 });
  });

  it('writes destinations one way: default, prefix always written, IPv6 in RFC 5952 form', () => {
    expect(canonicalDestination('0.0.0.0/0')).to.equal('default');
    expect(canonicalDestination('::/0')).to.equal('default');
    expect(canonicalDestination('10.0.0.1')).to.equal('10.0.0.1/32');
    expect(canonicalDestination('FD00:0::/64')).to.equal('fd00::/64');
    expect(canonicalDestination('10.0.0.0/33')).to.equal(undefined);
    expect(canonicalDestination('example.com')).to.equal(undefined);
    expect(canonicalDestination('10.0.0.0/24', 'ipv6')).to.equal(undefined);
  });

  for (const [name, recorded] of [
    ['ip', viaIp],
    ['proc', viaProc],
  ] as const) {
    it(`judges gateway, device and metric of both families (${name})`, () => {
      const body = () => {
        route('default').exists().gateway('192.0.2.1').device('eth0');
        route('default', { family: 'ipv6' }).gateway('fd00::1').metric(1024);
        route('::/0').gateway('fd00::1');
        route('192.0.2.0/24').device('eth0').routeType('unicast');
        route('fd00:0:0:0::/64').exists();
        route('10.0.0.0/8').not.exists();
        route('192.0.2.99').device('eth0');
        route('198.51.100.0/24').gateway('192.0.2.254').metric(100);
        route('203.0.113.0/24').routeType('blackhole');
      };
      expect(statuses(judgeFrame(registry, body, recorded))).to.deep.equal(Array(14).fill('passed'));
    });
  }

  it('fails with the evidence, and an attribute of a missing route is never a pass, negated or not', () => {
    const lines = resultLines(
      judgeFrame(
        registry,
        () => {
          route('default').gateway('192.0.2.254');
          route('10.0.0.0/8').not.gateway('192.0.2.1');
          route('192.0.2.0/24').gateway('192.0.2.1');
          route('default', { family: 'ipv6' }).not.exists();
        },
        viaIp,
      ),
    );
    expect(lines).to.deep.equal([
      'failed: expected route default to have gateway "192.0.2.254", but got "192.0.2.1"',
      'failed: expected route 10.0.0.0/8 not to have gateway "192.0.2.1", ' +
        'but there is no such ipv4 route (per `ip -j route`)',
      'failed: expected route 192.0.2.0/24 to have gateway "192.0.2.1", ' +
        'but it has no gateway (a directly connected route)',
      'failed: expected route default not to exist, but it exists (default via fd00::1 dev eth0 metric 1024)',
    ]);
  });

  it('errors: no source, IPv6 missing from the kernel, a destination of the other family', () => {
    expect(
      parseError(() =>
        parseRouteTable(frame('', 3, 'neither ip -j (iproute2) nor /proc/net/route is available'), host),
      ),
    ).to.match(/neither ip -j/);
    expect(parseError(() => parseRouteTable(frame('[]\n'), host))).to.match(/unexpected output/);
    const noIpv6 = frame('@@source ip\n[]\n@@no-ipv6\n');
    const results = judgeFrame(registry, () => route('default', { family: 'ipv6' }).not.exists(), noIpv6);
    expect(resultLines(results)).to.deep.equal([
      'error: could not check route default: the target has no IPv6 (no /proc/net/ipv6_route)',
    ]);
    const wrongFamily = judgeFrame(registry, () => route('10.0.0.0/8', { family: 'ipv6' }).not.exists(), viaIp);
    expect(statuses(wrongFamily)).to.deep.equal(['error']);
  });

  it('lists the routes for a snapshot by family and destination', () => {
    const listing = routeInventory.listing as { read: (...a: unknown[]) => { items: SnapshotRoute[] } };
    const items = listing.read(viaIp, { host, ignored: (name: string) => name === 'ipv6 fe80::/64' }).items;
    expect(items.map(routeInventory.identity)).to.deep.equal([
      'ipv4 default',
      'ipv4 192.0.2.0/24',
      'ipv4 192.0.2.99/32',
      'ipv4 198.51.100.0/24',
      'ipv4 203.0.113.0/24',
      'ipv6 fd00::/64',
      'ipv6 default',
    ]);
    expect(routeInventory.attributes).to.deep.equal(['gateways', 'devices', 'metric', 'type']);
  });
});
