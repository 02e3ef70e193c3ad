import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { renderCliReport } from '../../reporters/cli.js';
import { renderHtmlReport } from '../../reporters/html/run.js';
import { renderJsonReport } from '../../reporters/json.js';
import { renderJunitReport } from '../../reporters/junit.js';
import { renderMarkdownReport } from '../../reporters/markdown.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import { HostSpool, LAZY_FIELD_CHARS, memoryHostStore } from '../../src/results/host-spool.js';
import { RunResultSchema, type HostResult, type RunResult } from '../../src/results/schema.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

/** 30 hosts from the recorded golden run, with text JSON must escape and the odd inventory entry. */
function fleetResult(): RunResult {
  const golden = RunResultSchema.parse(JSON.parse(readFileSync(`${GOLDEN}run.json`, 'utf8')));
  const [completed, unreachable] = golden.hosts as [HostResult, HostResult];
  const hosts = Array.from({ length: 30 }, (_, i) => {
    const host = structuredClone(i % 4 === 3 ? unreachable : completed);
    host.target = `ssh://root@10.0.${i}.2:22`;
    if (i % 3 === 0) host.inventory = { name: `web-${i}`, groups: ['web'], tags: [`rack=${i}`] };
    const evidence = Object.values(host.evidence)[0];
    if (evidence) evidence.stdout += `€ 😀 \u2028 "quoted" \\ \t\u0001 \ud800 ${i}\n`;
    return host;
  });
  return { ...golden, hosts };
}

/** The same result with its hosts put into a spool in the order a fleet ends them (not the targets' order). */
function spooled(result: RunResult, parent: string): { spool: HostSpool; result: RunResult } {
  const spool = new HostSpool(result.hosts.length, parent);
  const order = result.hosts.map((_, i) => i).sort((a, b) => (a % 7) - (b % 7) || b - a);
  for (const index of order) spool.put(index, result.hosts[index]!);
  return { spool, result: { ...result, hosts: spool.hosts() } };
}

/** The /proc/self/fd entry of the spool file made in `dir`, which has been removed since (Linux). */
function openSpoolFile(dir: string): string | undefined {
  return readdirSync('/proc/self/fd')
    .map((fd) => join('/proc/self/fd', fd))
    .find((entry) => {
      try {
        return readlinkSync(entry) === `${join(dir, 'hosts.jsonl')} (deleted)`;
      } catch {
        return false;
      }
    });
}

describe('HostSpool: finished hosts in a temporary file', () => {
  const parent = mkdtempSync(join(tmpdir(), 'driftspec-spool-test-'));
  after(() => rmSync(parent, { recursive: true, force: true }));

  it('every report and the verdict are byte for byte those of the hosts kept in memory', () => {
    const inMemory = fleetResult();
    const { spool, result } = spooled(inMemory, parent);
    try {
      const verdict = decideVerdict(inMemory);
      expect(decideVerdict(result)).to.deep.equal(verdict);
      expect(renderJsonReport(result, verdict)).to.equal(renderJsonReport(inMemory, verdict));
      expect(renderJunitReport(result, verdict)).to.equal(renderJunitReport(inMemory, verdict));
      expect(renderMarkdownReport(result, verdict)).to.equal(renderMarkdownReport(inMemory, verdict));
      expect(renderHtmlReport(result, verdict)).to.equal(renderHtmlReport(inMemory, verdict));
      for (const verbose of [false, true]) {
        const options = { color: false, verbose };
        expect(renderCliReport(result, verdict, options)).to.equal(renderCliReport(inMemory, verdict, options));
      }
    } finally {
      spool.close();
    }
  });

  it('reads as an array: length, indexes, iteration, array methods, JSON', () => {
    const inMemory = fleetResult();
    const { spool, result } = spooled(inMemory, parent);
    try {
      const hosts = result.hosts;
      expect(Array.isArray(hosts)).to.equal(true);
      expect(hosts.length).to.equal(30);
      expect(hosts[29]).to.deep.equal(inMemory.hosts[29]);
      expect(hosts[30]).to.equal(undefined);
      expect(5 in hosts).to.equal(true);
      expect([...hosts].map((h) => h.target)).to.deep.equal(inMemory.hosts.map((h) => h.target));
      expect(hosts.filter((h) => h.status === 'unreachable')).to.have.length(7);
      expect([...hosts.entries()].at(-1)?.[0]).to.equal(29);
      expect(JSON.stringify(hosts)).to.equal(JSON.stringify(inMemory.hosts));
    } finally {
      spool.close();
    }
  });

  it('cannot be changed through the list', () => {
    const { spool, result } = spooled(fleetResult(), parent);
    try {
      expect(() => result.hosts.push(result.hosts[0]!)).to.throw(TypeError, /cannot be changed/);
      expect(() => result.hosts.sort()).to.throw(TypeError, /cannot be changed/);
    } finally {
      spool.close();
    }
  });

  it('leaves no name in TMPDIR from the start: its file, readable by this user only, lives on its descriptor', () => {
    const spool = new HostSpool(1, parent);
    try {
      expect(readdirSync(parent)).to.deep.equal([]);
      expect(existsSync(spool.dir)).to.equal(false);
      const file = openSpoolFile(spool.dir);
      expect(file, 'the spool file among the descriptors of this process').to.not.equal(undefined);
      expect(statSync(file!).mode & 0o777).to.equal(0o600);
      const host = fleetResult().hosts[0]!;
      spool.put(0, host);
      expect(spool.read(0)).to.deep.equal(host);
    } finally {
      spool.close();
      spool.close();
    }
    expect(openSpoolFile(spool.dir)).to.equal(undefined);
  });

  it('appends hosts whose number is not known beforehand, and reads them in any order given', () => {
    const { hosts } = fleetResult();
    const spool = new HostSpool(undefined, parent);
    try {
      for (const host of hosts) spool.append(host);
      expect(spool.length).to.equal(hosts.length);
      const order = hosts.map((_, i) => hosts.length - 1 - i).filter((i) => i % 2 === 0);
      const list = spool.hosts(order);
      expect(list).to.have.length(order.length);
      expect(JSON.stringify(list)).to.equal(JSON.stringify(order.map((i) => hosts[i])));
    } finally {
      spool.close();
    }
  });

  it('grows past its first places as hosts are appended, and refuses a place it does not have', () => {
    const host = fleetResult().hosts[0]!;
    const spool = new HostSpool(undefined, parent);
    try {
      const names = Array.from({ length: 40 }, (_, i) => `host-${i}`);
      for (const name of names) spool.append({ ...host, target: name });
      expect(spool.length).to.equal(40);
      expect(spool.hosts().map((h) => h.target)).to.deep.equal(names);
      expect(() => spool.put(40, host)).to.throw(RangeError, /host 40 is outside the spool's 40 hosts/);
      expect(() => spool.put(-1, host)).to.throw(RangeError, /outside/);
      expect(spool.hosts().map((h) => h.target)).to.deep.equal(names);
    } finally {
      spool.close();
    }
  });

  it("reads a host's large fields only when they are used, keeping their place, value and JSON", () => {
    const host = fleetResult().hosts[0]!;
    const large = Object.keys(host).filter(
      (key) => JSON.stringify(host[key as keyof HostResult]).length >= LAZY_FIELD_CHARS,
    );
    expect(large, 'the recorded host has large fields').to.include.members(['results', 'evidence']);
    const spool = new HostSpool(1, parent);
    try {
      spool.put(0, host);
      const read = spool.read(0);
      expect(Object.keys(read)).to.deep.equal(Object.keys(host));
      for (const key of large) expect(Object.getOwnPropertyDescriptor(read, key)?.get, key).to.be.a('function');
      expect(Object.getOwnPropertyDescriptor(read, 'status')?.value).to.equal(host.status);
      expect(read.results).to.deep.equal(host.results);
      expect(Object.getOwnPropertyDescriptor(read, 'results')?.value, 'held once read').to.equal(read.results);
      expect(Object.getOwnPropertyDescriptor(read, 'evidence')?.get, 'others still unread').to.be.a('function');
      expect(JSON.stringify(read)).to.equal(JSON.stringify(host));
      expect(Object.keys({ ...read })).to.deep.equal(Object.keys(host));
      read.evidence = {};
      expect(read.evidence).to.deep.equal({});
      expect(Object.keys(read)).to.deep.equal(Object.keys(host));
    } finally {
      spool.close();
    }
  });

  it('refuses to read a large field once the spool is closed, naming why', () => {
    const spool = new HostSpool(1, parent);
    spool.put(0, fleetResult().hosts[0]!);
    const read = spool.read(0);
    spool.close();
    expect(() => read.results).to.throw(Error, /host 0 of the spool was read after the spool was closed/);
  });

  it('names a host that was never put', () => {
    const spool = new HostSpool(2, parent);
    try {
      spool.put(1, fleetResult().hosts[0]!);
      expect(() => spool.hosts()[0]).to.throw(RangeError, /host 0 of the spool was never put/);
    } finally {
      spool.close();
    }
  });

  it('the memory store gives back the hosts as they were put', () => {
    const hosts = fleetResult().hosts.slice(0, 3);
    const store = memoryHostStore(3);
    for (const index of [2, 0, 1]) store.put(index, hosts[index]!);
    expect(store.hosts()).to.deep.equal(hosts);
    expect(store.hosts()[0]).to.equal(hosts[0]);
  });
});
