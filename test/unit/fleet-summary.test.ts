import { expect } from 'chai';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftJson } from '../../reporters/drift-json.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { diffSnapshots } from '../../src/drift/diff.js';
import { DriftReportSchema, type DriftReport } from '../../src/drift/diff-schema.js';
import { fleetSummary } from '../../src/drift/fleet.js';
import type { Snapshot } from '../../src/drift/snapshot-schema.js';
import { handMadeSnapshot, judgedDriftReport, withChanges } from '../support/drift-snapshots.js';

const NOW = new Date('2025-06-02T12:00:00Z');
const baseline = handMadeSnapshot();
const intruder = (s: Snapshot) => {
  s.users.push({ name: 'intruder', uid: 1002, gid: 1002, home: '/home/intruder', shell: '/bin/bash', gecos: '' });
};
const motdMode = (mode: string) => (s: Snapshot) => {
  s.files.find((f) => f.path === '/etc/motd')!.mode = mode;
};

/** Twelve hosts with the intruder, ten of them from an inventory; motd's mode changed two ways. */
function fleetReport(): DriftReport {
  const hosts = Array.from({ length: 12 }, (_, i) => {
    const candidate = withChanges(baseline, (s) => {
      intruder(s);
      motdMode(i < 3 ? '0666' : i < 5 ? '0600' : '0644')(s);
    });
    const host = diffSnapshots(baseline, candidate, { now: NOW });
    return {
      ...host,
      target: `ssh://root@10.0.1.${i + 1}:22`,
      ...(i < 10 ? { inventory: { name: `web-${i + 1}`, groups: ['web', 'prod'], tags: ['pci'] } } : {}),
    };
  });
  return judgedDriftReport(baseline, hosts, { mode: 'live', now: NOW });
}

describe('fleet summary: identical drift across hosts told once', () => {
  const report = fleetReport();

  it('groups drift that is the same on several hosts, the most widespread first, by inventory name', () => {
    const groups = fleetSummary(report.hosts);
    expect(groups.map((g) => [g.hosts.length, g.kind, g.type, g.key, g.changes])).to.deep.equal([
      [12, 'users', 'added', 'intruder', undefined],
      [3, 'files', 'changed', '/etc/motd', [{ attribute: 'mode', old: '0644', new: '0666' }]],
      [2, 'files', 'changed', '/etc/motd', [{ attribute: 'mode', old: '0644', new: '0600' }]],
    ]);
    expect(groups[0]!.hosts.slice(0, 2)).to.deep.equal(['web-1', 'web-2']);
    expect(groups[0]!.hosts.slice(10)).to.deep.equal(['ssh://root@10.0.1.11:22', 'ssh://root@10.0.1.12:22']);
  });

  it('leaves out drift on one host only (a host twice counts once), accepted drift, items under a cause', () => {
    const one = report.hosts.slice(0, 1);
    expect(fleetSummary(one)).to.deep.equal([]);
    const accepted = report.hosts.map((host) => ({
      ...host,
      kinds: host.kinds.map((kind) => ({
        ...kind,
        added: kind.added.map((item) => ({
          ...item,
          accepted: { reason: 'r', owner: 'o', expires: '2099-01-01', source: 'a:1:1' },
        })),
      })),
    }));
    expect(fleetSummary(accepted).map((g) => g.key)).to.deep.equal(['/etc/motd', '/etc/motd']);
    const underCause = report.hosts.map((host) => ({
      ...host,
      kinds: host.kinds.map((kind) => ({
        ...kind,
        added: kind.added.map((item) => ({ ...item, cause: { kind: 'packages' as const, key: 'evil:amd64' } })),
      })),
    }));
    expect(fleetSummary(underCause).map((g) => g.key)).to.deep.equal(['/etc/motd', '/etc/motd']);
    const twice = [report.hosts[0]!, report.hosts[0]!];
    expect(fleetSummary(twice)).to.deep.equal([]);
  });

  it('shows the summary and the inventory data in the cli, markdown, html, junit and json reports', () => {
    const verdict = report.verdict!;
    const cli = [...renderDriftCli(report, verdict, { color: false })].join('');
    expect(cli).to.include('Drift on several hosts:\n  12 hosts: + user intruder\n      web-1, web-2, web-3');
    expect(cli).to.include('… and 4 more');
    expect(cli).to.include('  3 hosts: ~ file /etc/motd: mode 0644 → 0666\n      web-1, web-2, web-3\n');
    expect(cli).to.include('  inventory web-1 · groups web, prod · tags pci');
    const markdown = [...renderDriftMarkdown(report, verdict)].join('');
    expect(markdown).to.include('### Drift on several hosts').and.include('| 12 | + user intruder |');
    expect(markdown).to.include('_inventory web-2 · groups web, prod · tags pci_');
    const html = [...renderDriftHtml(report, verdict)].join('');
    expect(html).to.include('<h2>Drift on several hosts</h2>').and.include('12 hosts</span>');
    expect(html).to.include('<p class="muted">inventory web-3 · groups web, prod · tags pci</p>');
    const junit = [...renderDriftJunit(report, verdict)].join('');
    expect(junit).to.include('<property name="inventory.name" value="web-1"/>');
    expect(junit).to.include('<property name="inventory.group" value="prod"/>');
    const json = JSON.parse([...renderDriftJson(report, verdict)].join(''));
    expect(DriftReportSchema.parse(json).fleet!.map((g) => g.hosts.length)).to.deep.equal([12, 3, 2]);
  });

  it('writes no fleet section for a single host', () => {
    const single = { ...report, hosts: report.hosts.slice(0, 1) };
    const cli = [...renderDriftCli(single, single.verdict!, { color: false })].join('');
    expect(cli).to.not.include('several hosts');
    expect(JSON.parse([...renderDriftJson(single, single.verdict!)].join(''))).to.not.have.property('fleet');
  });
});
