import { expect } from 'chai';
import { withControlResults } from '../../src/controls/status.js';
import { parseWaiversFile, resolveWaivers } from '../../src/controls/waivers.js';
import { checkResultBase } from '../../src/engine/evaluate.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import { PlanAssembler } from '../../src/plan/assemble.js';
import { loadYamlSpec } from '../../src/plan/yaml.js';
import { createRegistry } from '../../src/resources/index.js';
import {
  countStatuses,
  RunResultSchema,
  type CheckResult,
  type CheckStatus,
  type HostResult,
  type RunResult,
} from '../../src/results/schema.js';
import { renderCliReport } from '../../reporters/cli.js';
import { dayClock } from '../support/fake-clock.js';
import { renderHtmlReport } from '../../reporters/html/run.js';
import { renderJsonReport } from '../../reporters/json.js';
import { renderJunitReport } from '../../reporters/junit.js';
import { renderMarkdownReport } from '../../reporters/markdown.js';

const registry = createRegistry();

const SPEC = `spec: audit
controls:
  - id: ssh-01
    title: Root cannot log in over SSH
    impact: high
    rationale: Shared root logins leave no trail.
    remediation: Set PermitRootLogin no
    references: [{ url: "https://example.org/cis", title: CIS 5.2.8 }]
    checks:
      - file: /etc/ssh/sshd_config
        exists: true
  - id: tmp-01
    impact: medium
    checks:
      - file: /tmp
        exists: true
  - id: old-01
    impact: low
    checks:
      - file: /etc/old
        exists: true
  - id: ok-01
    checks:
      - file: /etc/passwd
        exists: true
`;

const WAIVERS = `ssh-01:
  justification: bastion image until the 2027 rebuild
  expires: 2027-01-31
tmp-01:
  justification: separate /tmp comes with the new disk layout
  run: false
old-01:
  justification: was allowed last year
  expires: 2025-12-31
`;

/** ssh-01 fails but is waived, tmp-01 is waived and not run, old-01's waiver expired and it fails. */
function sampleRun(): RunResult {
  const assembler = new PlanAssembler(registry);
  loadYamlSpec(SPEC, 'audit.yaml', assembler, registry);
  const plan = assembler.finish();
  const book = resolveWaivers(parseWaiversFile(WAIVERS, 'waivers.yaml'), plan, dayClock('2026-06-01T12:00:00Z'));
  const statuses: Record<string, CheckStatus> = {
    'ssh-01': 'failed',
    'tmp-01': 'skipped',
    'old-01': 'failed',
    'ok-01': 'passed',
  };
  const results = plan.checks.map(
    (check): CheckResult => ({
      ...checkResultBase(check),
      status: statuses[check.control!]!,
      message:
        check.control === 'tmp-01' ? 'skipped: waived: separate /tmp' : `${check.title}: ${statuses[check.control!]}`,
    }),
  );
  const host: HostResult = {
    target: 'local',
    status: 'completed',
    startedAt: '2026-06-01T12:00:00.000+00:00',
    durationMs: 5,
    execCount: 1,
    counts: countStatuses(results),
    results,
    evidence: {},
  };
  const judged = withControlResults(plan, host, book);
  return RunResultSchema.parse({
    schemaVersion: 1,
    tool: { name: 'driftspec', version: '0.0.0' },
    startedAt: '2026-06-01T12:00:00.000+00:00',
    finishedAt: '2026-06-01T12:00:01.000+00:00',
    specs: plan.specs,
    controls: plan.controls,
    counts: judged.counts,
    hosts: [judged],
    waivers: book.outcomes,
    warnings: book.warnings,
  });
}

describe('control status and waivers in every report', () => {
  const result = sampleRun();
  const verdict = decideVerdict(result);

  it('gives each control its status; the gate blocks only on the control whose waiver expired', () => {
    expect(result.hosts[0]!.controls!.map((c) => `${c.id} ${c.status} ${c.outcome}`)).to.deep.equal([
      'ssh-01 waived failed',
      'tmp-01 waived skipped',
      'old-01 failed failed',
      'ok-01 passed passed',
    ]);
    expect(verdict.exitCode).to.equal(1);
    expect(verdict.reasons).to.deep.equal([
      'local: 1 failed low control (old-01); low failures are not allowed',
      'allowed: local: 2 controls waived (ssh-01, tmp-01)',
    ]);
  });

  it('markdown: a control names its first 20 hosts and counts the others by status', () => {
    const host = result.hosts[0]!;
    const hosts = Array.from({ length: 45 }, (_, i) => ({ ...host, target: `ssh://root@10.0.0.${i}:22` }));
    const fleet = { ...result, hosts };
    const lines = renderMarkdownReport(fleet, decideVerdict(fleet)).split('\n');
    const old01 = lines.find((line) => line.startsWith('| `old-01` |'))!;
    expect(old01.match(/`ssh:\/\/[^`]+`: failed/g)).to.have.length(20);
    expect(old01).to.include('`ssh://root@10.0.0.19:22`: failed<br>… and 25 more hosts: 25 failed |');
    expect(old01).to.not.include('10.0.0.20:22');
    const ssh01 = lines.find((line) => line.startsWith('| `ssh-01` |'))!;
    expect(ssh01).to.include('… and 25 more hosts: 25 waived');
    expect(ssh01).to.include('bastion image until the 2027 rebuild');
  });

  it('cli: the status per control, the waiver, the expired one, remediation and the warning', () => {
    const text = renderCliReport(result, verdict, { color: false, verbose: false });
    expect(text).to.include('ssh-01  Root cannot log in over SSH [high] waived (checks: failed)');
    expect(text).to.include('waived: bastion image until the 2027 rebuild (until 2027-01-31)');
    expect(text).to.include('waived: separate /tmp comes with the new disk layout (no expiry; checks not run)');
    expect(text).to.include('old-01 [low] failed');
    expect(text).to.include('waiver expired on 2025-12-31: was allowed last year');
    expect(text).to.include('Controls: 1 passed, 1 failed, 2 waived');
    expect(text).to.include('Warning: waivers.yaml:7:1: the waiver of control "old-01" expired on 2025-12-31');
    // The waived control's failing check is not listed as a finding without -v.
    expect(text).not.to.include('file /etc/ssh/sshd_config should exist');
  });

  it('JUnit: the checks of a waived control are skipped with the waiver as message', () => {
    const xml = renderJunitReport(result, verdict);
    expect(xml).to.include('<skipped message="waived: bastion image until the 2027 rebuild (until 2027-01-31)"/>');
    expect(xml).to.include('check outcome: failed');
    expect(xml).to.match(/tests="4" failures="1" errors="0" skipped="2"/);
    expect(xml).to.include('rationale: Shared root logins leave no trail.');
    expect(xml).to.include(
      '<property name="warning" value="waivers.yaml:7:1: the waiver of control &quot;old-01&quot;',
    );
  });

  it('JSON: control results, waivers and warnings, valid against the result schema', () => {
    const json = JSON.parse(renderJsonReport(result, verdict)) as RunResult;
    RunResultSchema.parse(json);
    expect(json.hosts[0]!.controls![0]).to.deep.equal({
      id: 'ssh-01',
      status: 'waived',
      outcome: 'failed',
      counts: { passed: 0, failed: 1, error: 0, skipped: 0 },
      waiver: {
        justification: 'bastion image until the 2027 rebuild',
        expires: '2027-01-31',
        run: true,
        expired: false,
      },
    });
    expect(json.waivers!.map((w) => `${w.control} ${w.state}`)).to.deep.equal([
      'ssh-01 applied',
      'tmp-01 applied',
      'old-01 expired',
    ]);
  });

  it('Markdown: a controls table with status and waiver, the warning, and no waived check among the findings', () => {
    const md = renderMarkdownReport(result, verdict);
    expect(md).to.include('Controls: ');
    expect(md).to.match(/\| `ssh-01` \| Root cannot log in over SSH \| high \| 🏳️ waived \| waived: bastion image/);
    expect(md).to.match(/\| `old-01` \| {2}\| low \| ❌ failed \| waiver expired on 2025-12-31/);
    expect(md).to.include('⚠️ waivers.yaml:7:1: the waiver of control "old-01" expired');
    const findings = md.slice(md.indexOf('#### Failed and errored checks'));
    expect(findings).to.include('/etc/old').and.not.include('/etc/ssh/sshd_config');
  });

  it('HTML: the status badge per control, the waiver, guidance with its reference link, the warning', () => {
    const page = renderHtmlReport(result, verdict);
    expect(page).to.include('data-control-status="waived"');
    expect(page).to.include('<span class="b waived" title="control status">waived</span>');
    expect(page).to.include('waived: bastion image until the 2027 rebuild (until 2027-01-31) (checks: failed)');
    expect(page).to.include('<dt>remediation</dt><dd>Set PermitRootLogin no</dd>');
    expect(page).to.include('<a href="https://example.org/cis" rel="noreferrer">CIS 5.2.8</a>');
    expect(page).to.include('warning: waivers.yaml:7:1: the waiver of control &quot;old-01&quot; expired');
  });
});
