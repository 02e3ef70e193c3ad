import { expect } from 'chai';
import { dns, http, planSpecs, remoteHost, spec } from '../../src/dsl/index.js';
import { runHost } from '../../src/engine/run-host.js';
import { createRegistry } from '../../src/resources/index.js';
import { LocalTarget } from '../../src/targets/local.js';
import { DNS_SERVER_ADDRESS, DNS_ZONE } from '../fixtures/recorded/network/zone.js';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { startHttpServers, type TestHttpServers } from '../support/http-server.js';
import { outcomes } from '../support/local.js';

const registry = createRegistry();

/** The host, dns and http resources through the real probe on this machine, against servers on loopback. */
describe('host, dns and http on this machine', function () {
  this.timeout(60_000);
  let servers: TestHttpServers;
  let dnsServer: DnsServer | undefined;
  before(async () => {
    servers = await startHttpServers();
    if (isRoot()) dnsServer = await startDnsServer(DNS_ZONE, DNS_SERVER_ADDRESS, 53);
  });
  after(async () => {
    await servers.close();
    await dnsServer?.close();
  });

  async function judge(body: () => void): Promise<string[]> {
    const plan = planSpecs([{ definition: spec('net', body) }], registry);
    return outcomes(await runHost(plan, new LocalTarget(), { registry, commandTimeoutMs: 30_000 }));
  }

  it('http: a self-signed certificate is an error by default, also under not; insecure reads the answer', async () => {
    const results = await judge(() => {
      http(`${servers.https}/`).status(200);
      http(`${servers.https}/`).not.status(500);
      http(`${servers.https}/`, { insecure: true }).status(200).body('hello driftspec\n');
      http(`${servers.http}/loop`, { followRedirects: true }).status(302);
      http(`${servers.http}/slow`, { timeout: 1 }).not.status(200);
      http(`${servers.http}/big`, { maxBodyBytes: 100 }).body({ matches: '^x{100}$' });
    });
    expect(results.map((r) => r.slice(0, r.indexOf(':')))).to.deep.equal([
      'error',
      'error',
      'passed',
      'passed',
      'error',
      'error',
      'passed',
    ]);
    expect(results[0]).to.match(/TLS certificate could not be verified \(set insecure: true/);
    expect(results[4]).to.match(/too many redirects/);
    expect(results[5]).to.match(/no answer within the timeout/);
  });

  it('host: reachable on the server port, not on a closed one', async () => {
    const port = Number(new URL(servers.http).port);
    const results = await judge(() => {
      remoteHost('127.0.0.1', { port, timeout: 3 }).reachable();
      remoteHost('127.0.0.1', { port: 1, timeout: 3 }).not.reachable();
      remoteHost('localhost').resolvable();
    });
    expect(
      results.every((r) => r.startsWith('passed')),
      results.join('\n'),
    ).to.equal(true);
  });

  it('dns: records through dig from the test server', async function () {
    if (!isRoot()) return requireInCi(this, 'the test DNS server listens on port 53');
    const results = await judge(() => {
      dns('www.example.test', { server: DNS_SERVER_ADDRESS }).records({ contains: ['192.0.2.10', '192.0.2.11'] });
      dns('missing.example.test', { server: DNS_SERVER_ADDRESS }).not.resolvable();
      dns('x.refused', { server: DNS_SERVER_ADDRESS }).not.resolvable();
    });
    expect(results.map((r) => r.slice(0, r.indexOf(':')))).to.deep.equal(['passed', 'passed', 'error']);
  });
});
