import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runHost } from '../../src/engine/run-host.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { createRegistry, RESOURCES } from '../../src/resources/index.js';
import { LocalTarget } from '../../src/targets/local.js';
import { outcomes } from '../support/local.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { startServiceUntilRestored } from '../support/init-services.js';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { startHttpServers, type TestHttpServers } from '../support/http-server.js';
import { DNS_SERVER_ADDRESS, DNS_ZONE } from '../fixtures/recorded/network/zone.js';

const DOCS = fileURLToPath(new URL('../../docs/resources/', import.meta.url));
const registry = createRegistry();
const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-examples-cache-'));

/** The fenced blocks of one language in a Markdown page. */
function fencedBlocks(markdown: string, language: string): string[] {
  const pattern = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm');
  return [...markdown.matchAll(pattern)].map((m) => m[1]!);
}

function withoutSources(plan: Plan): Plan {
  return { ...plan, specs: plan.specs.map(({ source: _source, ...info }) => info) };
}

describe('docs/resources examples', () => {
  // The service examples check a running cron, as on a typical Debian server; the host, dns and
  // http examples ask servers on loopback, on the addresses their pages name.
  let restoreCron = () => {};
  let servers: TestHttpServers | undefined;
  let dnsServer: DnsServer | undefined;
  before(async () => {
    if (existsSync('/etc/init.d/cron') && isRoot()) restoreCron = startServiceUntilRestored('cron');
    servers = await startHttpServers('127.0.0.1', { http: 47080, https: 47443 });
    if (isRoot()) dnsServer = await startDnsServer(DNS_ZONE, DNS_SERVER_ADDRESS, 53);
  });
  after(async () => {
    restoreCron();
    await servers?.close();
    await dnsServer?.close();
  });

  it('documents every resource', () => {
    const pages = readdirSync(DOCS)
      .filter((f) => f.endsWith('.md'))
      .map((f) => f.replace(/\.md$/, ''));
    expect(pages.sort()).to.deep.equal(RESOURCES.map((r) => r.type).sort());
  });

  for (const resource of RESOURCES) {
    it(`${resource.type}: the YAML and TypeScript examples are twins and pass on this machine`, async function () {
      // Some examples read the whole system (package_integrity verifies every installed package).
      this.timeout(180_000);
      if (!isRoot()) return requireInCi(this, 'the examples read root-only facts');
      const markdown = readFileSync(join(DOCS, `${resource.type}.md`), 'utf8');
      const [yaml] = fencedBlocks(markdown, 'yaml');
      const [ts] = fencedBlocks(markdown, 'ts');
      expect(yaml, 'a ```yaml example').to.be.a('string');
      expect(ts, 'a ```ts example').to.be.a('string');
      const dir = mkdtempSync(join(tmpdir(), `driftspec-example-${resource.type}-`));
      writeFileSync(join(dir, 'example.yaml'), yaml!);
      writeFileSync(join(dir, 'example.ts'), ts!);
      const fromYaml = await loadPlan([join(dir, 'example.yaml')], { registry, cacheDir });
      const fromTs = await loadPlan([join(dir, 'example.ts')], { registry, cacheDir });
      expect(withoutSources(fromTs)).to.deep.equal(withoutSources(fromYaml));
      expect(fromYaml.checks.every((c) => c.resource === resource.type)).to.equal(true);
      const result = await runHost(fromYaml, new LocalTarget(), { registry, commandTimeoutMs: 150_000 });
      expect(result.results.length).to.be.greaterThan(0);
      expect(outcomes(result).filter((o) => !o.startsWith('passed'))).to.deep.equal([]);
    });
  }
});
