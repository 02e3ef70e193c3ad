import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { RunResultSchema, type CheckResult } from '../../src/results/schema.js';
import { DNS_ZONE } from '../fixtures/recorded/network/zone.js';
import { runCli } from '../support/cli.js';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { connection, differences } from '../support/drift-e2e.js';
import { startHttpServers, type TestHttpServers } from '../support/http-server.js';
import { countSessions, journalCursor, sessionsAfter } from '../support/sshd-log.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-network-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

/** The golden image with the clients the host, dns and http resources use. */
const NETWORK_CLIENTS = { install: ['curl', 'ca-certificates', 'bind9-dnsutils', 'netcat-openbsd', 'wget'] };

/**
 * interface, route, host, dns and http checked on a booted instance over SSH, against an HTTP,
 * an HTTPS (self-signed) and a DNS server listening on the host side of the instance's veth
 * (10.231.<index>.1); then drift of interfaces and routes after an address and a route are added.
 */
describe('network resources on a booted instance', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 90, count: 1, image: NETWORK_CLIENTS, prepare: countSessions });
  const instance = (): TestInstance => bed.instances[0]!;
  const hostSide = () => `10.231.${instance().index}.1`;
  let servers: TestHttpServers | undefined;
  let dns: DnsServer | undefined;

  before(async () => {
    servers = await startHttpServers(hostSide());
    dns = await startDnsServer(DNS_ZONE, hostSide(), 53);
  });
  after(async () => {
    await servers?.close();
    await dns?.close();
  });

  function specFile(): string {
    const net = `10.231.${instance().index}`;
    const port = new URL(servers!.http).port;
    const checks = [
      `- interface: eth0\n  exists: true\n  up: true\n  mtu: 1500\n  addresses: { contains: [${net}.2/30] }`,
      '- interface: lo\n  addresses: { contains: [127.0.0.1/8, ::1/128] }',
      '- interface: eth9\n  exists: false',
      `- route: ${net}.0/30\n  exists: true\n  device: eth0\n  routeType: unicast`,
      '- route: default\n  exists: false',
      `- host: ${instance().name}\n  resolvable: true\n  addresses: { contains: [127.0.1.1] }`,
      '- host: no-such-name.invalid\n  resolvable: false',
      `- host: ${net}.1\n  options: { port: ${port}, timeout: 3 }\n  reachable: true`,
      `- host: ${net}.1\n  options: { port: 1, timeout: 3 }\n  reachable: false`,
      `- dns: www.example.test\n  options: { server: ${net}.1, timeout: 3 }\n  records: { contains: [192.0.2.10] }`,
      `- dns: example.test\n  options: { server: ${net}.1, type: MX, timeout: 3 }\n` +
        '  records: { contains: [10 mail.example.test] }',
      `- dns: missing.example.test\n  options: { server: ${net}.1, timeout: 3 }\n  resolvable: false`,
      `- http: ${servers!.http}/\n  status: 200\n  body: { matches: hello }`,
      `- http: ${servers!.http}/moved\n  status: 301\n  headers: { contains: ['location: /'] }`,
      `- http: ${servers!.http}/moved\n  options: { followRedirects: true }\n  status: 200`,
      `- http: ${servers!.https}/\n  options: { insecure: true }\n  status: 200`,
      `- http: ${servers!.https}/\n  not: { status: 500 }`,
    ];
    const path = join(work, 'network.yaml');
    writeFileSync(path, `spec: network\nchecks:\n${checks.map((c) => c.replace(/^/gm, '  ')).join('\n')}\n`);
    return path;
  }

  it('judges every network check in one exec: passes, and an error where TLS does not verify', async () => {
    const cursor = journalCursor(instance());
    const run = await cli('run', specFile(), '-t', instance().url, ...connection(instance()), '--format', 'json');
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    const results = result.hosts[0]!.results;
    const line = (r: CheckResult) => `${r.status} ${r.resource} ${String(r.subject)} ${r.matcher}: ${r.message}`;
    const notPassed = results.filter((r) => r.status !== 'passed');
    expect(notPassed.map(line)).to.have.length(1);
    expect(notPassed[0]!.status).to.equal('error');
    expect(notPassed[0]!.message, notPassed[0]!.message).to.match(
      /curl exited 60 \(the server's TLS certificate could not be verified/,
    );
    expect(results.length).to.equal(25);
    expect(run.code, run.stderr).to.equal(2);
    const { sessions, log } = await sessionsAfter(instance(), cursor);
    expect(sessions, log).to.have.length(1);
  });

  it('drift shows an added address and an added route, old → new', async () => {
    const baseline = join(work, 'baseline.json');
    const snap = await cli(
      'snapshot',
      instance().url,
      ...connection(instance()),
      '-o',
      baseline,
      '--files',
      '/etc/hostname',
    );
    expect(snap.code, snap.stderr).to.equal(0);
    const before = JSON.parse(readFileSync(baseline, 'utf8')) as { interfaces: { name: string }[]; routes: unknown[] };
    expect(before.interfaces.map((i) => i.name)).to.deep.equal(['eth0', 'lo']);
    instance().inContainer(['ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'eth0']);
    instance().inContainer(['ip', 'route', 'add', '10.98.0.0/16', 'via', hostSide()]);
    const report = join(work, 'drift.json');
    const drift = await cli(
      'drift',
      '--baseline',
      baseline,
      instance().url,
      ...connection(instance()),
      '-r',
      `json:${report}`,
    );
    expect(drift.code, drift.stderr).to.not.equal(0);
    const host = DriftReportSchema.parse(JSON.parse(readFileSync(report, 'utf8'))).hosts[0]!;
    const network = differences(host).filter((d) => d.startsWith('interfaces') || d.startsWith('routes'));
    expect(network.sort()).to.deep.equal([
      'interfaces ~ eth0 addresses',
      'routes + ipv4 10.98.0.0/16',
      'routes + ipv4 10.99.0.0/24',
    ]);
    const eth0 = host.kinds.find((k) => k.kind === 'interfaces')!.changed[0]!;
    const [change] = eth0.changes;
    expect(change!.old).to.not.include('10.99.0.1/24');
    expect(change!.new).to.include('10.99.0.1/24');
  });
});
