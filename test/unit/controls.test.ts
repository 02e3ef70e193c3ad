import { expect } from 'chai';
import { aggregateStatus, controlResults } from '../../src/controls/status.js';
import { selectControls } from '../../src/controls/select.js';
import { parseWaiversFile, resolveWaivers, skipWaivedChecks } from '../../src/controls/waivers.js';
import { command, control, file, planSpecs, spec } from '../../src/dsl/index.js';
import { checkResultBase } from '../../src/engine/evaluate.js';
import { runPlan } from '../../src/engine/run.js';
import { planQueries } from '../../src/engine/queries.js';
import { PlanAssembler } from '../../src/plan/assemble.js';
import type { Plan } from '../../src/plan/schema.js';
import { loadYamlSpec } from '../../src/plan/yaml.js';
import { createRegistry } from '../../src/resources/index.js';
import { RunResultSchema, type CheckResult, type CheckStatus } from '../../src/results/schema.js';
import { refusal } from '../support/spec-error.js';
import { execResult, framedOutput, HOST_FRAME_TEXT, ScriptedTarget } from '../support/fake-target.js';
import { dayClock } from '../support/fake-clock.js';

const registry = createRegistry();

const SPEC = `spec: audit
controls:
  - id: ssh-01
    title: SSH configuration is private
    description: sshd reads its configuration from here.
    rationale: A readable configuration shows the attack surface.
    remediation: chmod 600 /etc/ssh/sshd_config
    impact: high
    tags: { cis: 5.2.1, nist: [AC-6, AC-3], level: 1 }
    refs: [CIS Debian 12 5.2.1]
    references:
      - { url: "https://example.org/cis/5.2.1", title: CIS 5.2.1 }
    checks:
      - file: /etc/ssh/sshd_config
        mode: "0600"
  - id: fs-01
    impact: 0.3
    tags: { cis: 1.1.2 }
    checks:
      - file: /tmp/filtered-out-marker
        exists: true
  - id: fs-02
    impact: critical
    tags: { nist: AC-6 }
    checks:
      - file: /etc/waived-marker
        exists: true
checks:
  - file: /etc/loose-marker
    exists: true
`;

function yamlPlan(text: string = SPEC, source = 'audit.yaml'): Plan {
  const assembler = new PlanAssembler(registry);
  loadYamlSpec(text, source, assembler, registry);
  return assembler.finish();
}

function probedScripts(plan: Plan): string {
  return planQueries(plan.checks, registry)
    .queries.map((q) => q.script)
    .join('\n');
}

describe('controls: metadata', () => {
  it('keeps title, description, rationale, remediation, impact, tags and references from YAML', () => {
    const ssh = yamlPlan().controls[0]!;
    expect(ssh).to.deep.equal({
      id: 'ssh-01',
      title: 'SSH configuration is private',
      description: 'sshd reads its configuration from here.',
      rationale: 'A readable configuration shows the attack surface.',
      remediation: 'chmod 600 /etc/ssh/sshd_config',
      impact: 0.7,
      tags: { cis: '5.2.1', nist: ['AC-6', 'AC-3'], level: 1 },
      refs: ['CIS Debian 12 5.2.1'],
      references: [{ url: 'https://example.org/cis/5.2.1', title: 'CIS 5.2.1' }],
    });
  });

  it('gives the TypeScript DSL the same control', () => {
    const plan = planSpecs(
      [
        {
          definition: spec('audit', () => {
            control(
              'ssh-01',
              {
                title: 'SSH configuration is private',
                description: 'sshd reads its configuration from here.',
                rationale: 'A readable configuration shows the attack surface.',
                remediation: 'chmod 600 /etc/ssh/sshd_config',
                impact: 'high',
                tags: { cis: '5.2.1', nist: ['AC-6', 'AC-3'], level: 1 },
                refs: ['CIS Debian 12 5.2.1'],
                references: [{ url: 'https://example.org/cis/5.2.1', title: 'CIS 5.2.1' }],
              },
              () => {
                file('/etc/ssh/sshd_config').mode('0600');
              },
            );
          }),
        },
      ],
      registry,
    );
    expect(plan.controls[0]).to.deep.equal(yamlPlan().controls[0]);
  });

  it('maps impact names as InSpec does', () => {
    const impacts = ['none', 'low', 'medium', 'high', 'critical', 0.55].map(
      (impact, i) =>
        planSpecs(
          [
            {
              definition: spec('s', () =>
                control(`c${i}`, { impact: impact as never }, () => command('true').exitStatus(0)),
              ),
            },
          ],
          registry,
        ).controls[0]!.impact,
    );
    expect(impacts).to.deep.equal([0, 0.1, 0.4, 0.7, 0.9, 0.55]);
  });

  it('refuses a reference without url or title and an impact out of range, naming the control', () => {
    const bad = SPEC.replace('{ url: "https://example.org/cis/5.2.1", title: CIS 5.2.1 }', '{}');
    expect(refusal(() => yamlPlan(bad))).to.match(/^audit\.yaml:\d+:\d+: .*a reference needs a url, a title or both/);
    const dsl = () =>
      planSpecs(
        [{ definition: spec('s', () => control('c', { impact: 2 }, () => command('true').exitStatus(0))) }],
        registry,
      );
    expect(refusal(dsl)).to.match(/invalid impact of control "c"/);
  });
});

describe('controls: status', () => {
  const cases: Array<[CheckStatus[], CheckStatus]> = [
    [['passed', 'passed'], 'passed'],
    [['passed', 'failed', 'error'], 'failed'],
    [['passed', 'error'], 'error'],
    [['passed', 'skipped'], 'passed'],
    [['skipped', 'not-applicable'], 'skipped'],
    [['not-applicable'], 'not-applicable'],
    [['not-applicable', 'passed'], 'passed'],
    [[], 'error'],
  ];
  for (const [statuses, expected] of cases) {
    it(`${statuses.join(' + ') || 'no check'} → ${expected}`, () => {
      expect(aggregateStatus(statuses)).to.equal(expected);
    });
  }

  it('lists each control of the plan that has checks on the host, in plan order, with its counts', () => {
    const plan = yamlPlan();
    const results = plan.checks.map(
      (check, i): CheckResult => ({
        ...checkResultBase(check),
        status: (['failed', 'passed', 'error', 'failed'] as const)[i]!,
        message: '',
      }),
    );
    expect(controlResults(plan.controls, results).map((c) => [c.id, c.status, c.counts.failed])).to.deep.equal([
      ['ssh-01', 'failed', 1],
      ['fs-01', 'passed', 0],
      ['fs-02', 'error', 0],
    ]);
  });
});

describe('controls: waivers', () => {
  const WAIVERS = `fs-02:
  justification: replaced by the new image in June
  expires: 2026-06-30
  run: false
ssh-01:
  justification: vendor default kept until the audit
  expires: 2026-06-30
gone-01:
  justification: control removed from the spec
`;

  it('applies a waiver up to and including its expiry day (UTC), and not the day after', () => {
    const file = parseWaiversFile(WAIVERS, 'waivers.yaml');
    const onTheDay = resolveWaivers(file, yamlPlan(), dayClock('2026-06-30T23:59:59Z'));
    expect(onTheDay.byControl.get('ssh-01')?.expired).to.equal(false);
    const after = resolveWaivers(file, yamlPlan(), dayClock('2026-07-01T00:00:00Z'));
    expect(after.byControl.get('ssh-01')?.expired).to.equal(true);
    expect(after.outcomes.map((o) => [o.control, o.state])).to.deep.equal([
      ['fs-02', 'expired'],
      ['ssh-01', 'expired'],
      ['gone-01', 'unknown-control'],
    ]);
    expect(after.warnings).to.include(
      'waivers.yaml:5:1: the waiver of control "ssh-01" expired on 2026-06-30; the control is judged as usual',
    );
  });

  it('warns, without failing, about a waiver for a control no spec defines', () => {
    const book = resolveWaivers(parseWaiversFile(WAIVERS, 'waivers.yaml'), yamlPlan(), dayClock('2026-01-01'));
    expect(book.warnings).to.deep.equal([
      'waivers.yaml:8:1: waiver for unknown control "gone-01" (no spec defines it)',
    ]);
  });

  it('does not probe the checks of a waiver with run: false, and keeps probing the others', () => {
    const plan = yamlPlan();
    const book = resolveWaivers(parseWaiversFile(WAIVERS, 'waivers.yaml'), plan, dayClock('2026-01-01'));
    const waived = skipWaivedChecks(plan, book);
    expect(waived.checks.find((c) => c.control === 'fs-02')?.skip).to.equal(
      'waived: replaced by the new image in June',
    );
    expect(probedScripts(plan)).to.include('/etc/waived-marker');
    expect(probedScripts(waived)).not.to.include('/etc/waived-marker');
    expect(probedScripts(waived)).to.include('/etc/ssh/sshd_config');
  });

  it('an expired run: false waiver runs the control again', () => {
    const plan = yamlPlan();
    const book = resolveWaivers(parseWaiversFile(WAIVERS, 'waivers.yaml'), plan, dayClock('2027-01-01'));
    expect(probedScripts(skipWaivedChecks(plan, book))).to.include('/etc/waived-marker');
  });

  it('refuses a waiver without justification, a day that does not exist and unknown keys, naming file:line', () => {
    expect(refusal(() => parseWaiversFile('a-1:\n  expires: 2026-01-01\n', 'w.yaml'))).to.match(
      /^w\.yaml:2:3: a-1\.justification: /,
    );
    expect(refusal(() => parseWaiversFile('a-1:\n  justification: x\n  expires: 2026-02-30\n', 'w.yaml'))).to.equal(
      'w.yaml:3:3: a-1.expires: expected a date as YYYY-MM-DD',
    );
    expect(refusal(() => parseWaiversFile('a-1:\n  justification: x\n  until: 2026-01-01\n', 'w.yaml'))).to.match(
      /^w\.yaml:3:3: a-1: unknown key "until"; expected one of: justification, expires, run/,
    );
    expect(refusal(() => parseWaiversFile('- a-1\n', 'w.yaml'))).to.match(/^w\.yaml:1:1: a waivers file must be a map/);
  });
});

describe('controls: filtering with --controls and --tags', () => {
  const ids = (filter: Parameters<typeof selectControls>[1]) =>
    selectControls(yamlPlan(), filter).plan.controls.map((c) => c.id);

  it('selects by id glob, by tag key, by key:value (list items too) and by both', () => {
    expect(ids({ controls: ['fs-*'] })).to.deep.equal(['fs-01', 'fs-02']);
    expect(ids({ tags: ['level'] })).to.deep.equal(['ssh-01']);
    expect(ids({ tags: ['cis:5.2.*'] })).to.deep.equal(['ssh-01']);
    expect(ids({ tags: ['nist:AC-6'] })).to.deep.equal(['ssh-01', 'fs-02']);
    expect(ids({ controls: ['fs-*'], tags: ['nist:AC-6'] })).to.deep.equal(['fs-02']);
  });

  it('leaves what it filters out out of the probe script, checks outside controls included', () => {
    const all = yamlPlan();
    const selected = selectControls(all, { tags: ['nist'] });
    expect(probedScripts(all)).to.include('/tmp/filtered-out-marker').and.include('/etc/loose-marker');
    expect(probedScripts(selected.plan)).not.to.include('/tmp/filtered-out-marker');
    expect(probedScripts(selected.plan)).not.to.include('/etc/loose-marker');
    expect(selected.selection).to.deep.equal({
      tags: ['nist'],
      filteredOutControls: 1,
      filteredOutChecks: 1,
    });
  });

  it('refuses a filter that selects nothing', () => {
    expect(refusal(() => selectControls(yamlPlan(), { controls: ['web-*'], tags: ['cis'] }))).to.equal(
      '--controls web-* with --tags cis selects no control of the specs (3 controls)',
    );
  });
});

describe('controls: a run with waivers and filters', () => {
  it('probes only what is selected and not waived, and gives each control its status', async () => {
    const selected = selectControls(yamlPlan(), { tags: ['nist', 'cis:1.*'] });
    const waivers = parseWaiversFile(
      'fs-02:\n  justification: replaced soon\n  run: false\nssh-01:\n  justification: kept\n' +
        'fs-01:\n  justification: x\n  expires: 2020-01-01\n',
      'w.yaml',
    );
    const book = resolveWaivers(waivers, selected.plan, dayClock('2026-03-01'), selected.filteredOut);
    const plan = skipWaivedChecks(selected.plan, book);
    const target = new ScriptedTarget([() => execResult(framedOutput([{ id: 'host', stdout: HOST_FRAME_TEXT }]))]);
    const result = await runPlan(plan, [target], {
      registry,
      commandTimeoutMs: 5000,
      toolVersion: '0.0.0',
      concurrency: 1,
      hostTimeoutMs: 10_000,
      waivers: book,
      ...(selected.selection ? { selection: selected.selection } : {}),
    });
    RunResultSchema.parse(result);
    expect(target.calls).to.have.length(1);
    expect(target.calls[0]!.script).not.to.include('/etc/waived-marker');
    expect(target.calls[0]!.script).not.to.include('/etc/loose-marker');
    expect(target.calls[0]!.script).to.include('/etc/ssh/sshd_config');
    const controls = result.hosts[0]!.controls!;
    expect(controls.map((c) => [c.id, c.status, c.outcome, c.waiver?.expired])).to.deep.equal([
      ['ssh-01', 'waived', 'error', false],
      ['fs-01', 'error', 'error', true],
      ['fs-02', 'waived', 'skipped', false],
    ]);
    expect(result.warnings).to.deep.equal([
      'w.yaml:6:1: the waiver of control "fs-01" expired on 2020-01-01; the control is judged as usual',
    ]);
    expect(result.selection).to.deep.equal({ tags: ['nist', 'cis:1.*'], filteredOutControls: 0, filteredOutChecks: 1 });
  });
});

describe('controls: onlyIf on host facts', () => {
  const ONLY_IF = `spec: only-if
controls:
  - id: rhel-01
    onlyIf: { os: [rhel, fedora] }
    checks:
      - file: /etc/redhat-release
        exists: true
  - id: deb-13
    onlyIf: { os: [debian], osVersion: ">= 13" }
    checks:
      - file: /etc/debian_version
        exists: true
  - id: deb-12
    onlyIf: { os: [debian], osVersion: ">= 12, < 13" }
    checks:
      - file: /etc/debian_version
        exists: true
`;

  it('turns the checks of a control the host does not meet not-applicable, naming why, in the one exec', async () => {
    const target = new ScriptedTarget([() => execResult(framedOutput([{ id: 'host', stdout: HOST_FRAME_TEXT }]))]);
    const result = await runPlan(yamlPlan(ONLY_IF, 'only-if.yaml'), [target], {
      registry,
      commandTimeoutMs: 5000,
      toolVersion: '0.0.0',
      concurrency: 1,
      hostTimeoutMs: 10_000,
    });
    expect(target.calls).to.have.length(1);
    const host = result.hosts[0]!;
    expect(host.controls!.map((c) => `${c.id} ${c.status}`)).to.deep.equal([
      'rhel-01 not-applicable',
      'deb-13 not-applicable',
      'deb-12 error',
    ]);
    expect(host.results.map((r) => r.message)).to.deep.equal([
      'not applicable: the control applies only to rhel, fedora (this host: debian 12)',
      'not applicable: the control applies only to OS version >= 13 (this host: debian 12)',
      'could not check file /etc/debian_version: the probe did not report this query',
    ]);
    expect(host.counts['not-applicable']).to.equal(2);
  });

  it('refuses a version constraint that cannot be read, naming file:line', () => {
    expect(refusal(() => yamlPlan(ONLY_IF.replace('">= 13"', '">= 13?"'), 'only-if.yaml'))).to.match(
      /^only-if\.yaml:\d+:\d+: controls\.1\.onlyIf\.osVersion: expected a version constraint/,
    );
  });
});
