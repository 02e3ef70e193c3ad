import { expect } from 'chai';
import { applyOnlyIf } from '../../src/controls/only-if.js';
import { checkResultBase } from '../../src/engine/evaluate.js';
import { PlanAssembler } from '../../src/plan/assemble.js';
import type { Plan } from '../../src/plan/schema.js';
import { loadYamlSpec } from '../../src/plan/yaml.js';
import { parseHostFrame, type HostFacts } from '../../src/probe/host.js';
import { createRegistry } from '../../src/resources/index.js';
import { hostFacts } from '../support/frames.js';
import { countStatuses, type CheckResult, type CheckStatus, type HostResult } from '../../src/results/schema.js';

const registry = createRegistry();

const SPEC = `spec: only-if
controls:
  - id: nginx-01
    onlyIf: { package: nginx, file: /etc/nginx/nginx.conf }
    checks:
      - file: /etc/nginx/nginx.conf
        mode: "0644"
  - id: ct-01
    onlyIf: { container: true }
    checks:
      - file: /.dockerenv
        exists: true
  - id: host-01
    onlyIf: { container: false }
    checks:
      - file: /etc/fstab
        exists: true
`;

function plan(): Plan {
  const assembler = new PlanAssembler(registry);
  loadYamlSpec(SPEC, 'only-if.yaml', assembler, registry);
  return assembler.finish();
}

const DEBIAN: HostFacts = hostFacts();

/** The host's results as the engine judged them: each check of the plan with the status given by its id. */
function judged(facts: HostFacts, statuses: Record<string, CheckStatus>): HostResult {
  const results = plan().checks.map(
    (check): CheckResult => ({
      ...checkResultBase(check),
      status: statuses[check.id] ?? 'passed',
      message: statuses[check.id] === 'error' ? 'dpkg-query is missing' : 'as found',
    }),
  );
  return {
    target: 'local',
    status: 'completed',
    host: facts,
    startedAt: '2026-01-01T00:00:00.000+00:00',
    durationMs: 1,
    execCount: 1,
    counts: countStatuses(results),
    results,
    evidence: {},
  };
}

const messages = (host: HostResult) => host.results.map((r) => `${r.checkId} ${r.status}: ${r.message}`);

describe('onlyIf on packages, files and containers', () => {
  it('asks a package and a file condition as checks of the control, in the same plan', () => {
    const checks = plan().checks.filter((c) => c.control === 'nginx-01');
    expect(checks.map((c) => `${c.id} ${c.resource} ${c.subject} ${c.matcher}`)).to.deep.equal([
      'nginx-01#onlyIf:package:nginx package nginx installed',
      'nginx-01#onlyIf:file:/etc/nginx/nginx.conf file /etc/nginx/nginx.conf exists',
      'nginx-01#1 file /etc/nginx/nginx.conf mode',
    ]);
  });

  it('judges the control where its conditions hold, and leaves the condition checks out of the results', () => {
    const host = applyOnlyIf(plan(), judged({ ...DEBIAN, container: 'docker' }, { 'host-01#1': 'failed' }));
    expect(messages(host)).to.deep.equal([
      'nginx-01#1 passed: as found',
      'ct-01#1 passed: as found',
      'host-01#1 not-applicable: not applicable: the control applies only outside a container ' +
        '(this host: in a docker container)',
    ]);
    expect(host.counts.passed).to.equal(2);
  });

  it('turns the control not-applicable when a package is not installed or a file is missing', () => {
    const noPackage = applyOnlyIf(
      plan(),
      judged({ ...DEBIAN, container: 'none' }, { 'nginx-01#onlyIf:package:nginx': 'failed' }),
    );
    expect(messages(noPackage)[0]).to.equal(
      'nginx-01#1 not-applicable: not applicable: the control applies only where package nginx is installed',
    );
    const noFile = applyOnlyIf(
      plan(),
      judged({ ...DEBIAN, container: 'none' }, { 'nginx-01#onlyIf:file:/etc/nginx/nginx.conf': 'failed' }),
    );
    expect(messages(noFile)[0]).to.equal(
      'nginx-01#1 not-applicable: not applicable: the control applies only where file /etc/nginx/nginx.conf exists',
    );
    expect(messages(noFile)[1]).to.equal(
      'ct-01#1 not-applicable: not applicable: the control applies only inside a container ' +
        '(this host: not in a container)',
    );
  });

  it('never passes a control whose condition could not be told: its checks are errors', () => {
    const unknown = applyOnlyIf(
      plan(),
      judged(DEBIAN, { 'nginx-01#onlyIf:package:nginx': 'error', 'ct-01#1': 'passed' }),
    );
    expect(messages(unknown)).to.deep.equal([
      'nginx-01#1 error: onlyIf package nginx: could not be told: dpkg-query is missing',
      'ct-01#1 error: onlyIf container: this host did not say whether it runs in a container',
      'host-01#1 error: onlyIf container: this host did not say whether it runs in a container',
    ]);
    expect(unknown.counts.passed).to.equal(0);
  });

  it('reads the container from the host frame', () => {
    const frame = (container: string) => ({
      id: 'host',
      exitCode: 0,
      stdout: Buffer.from(
        `package_manager=dpkg\ninit_system=systemd\nuid=0\ncontainer=${container}\nos_release:\nID=debian\n`,
      ),
      stderr: Buffer.alloc(0),
    });
    expect(parseHostFrame(frame('docker')).container).to.equal('docker');
    expect(parseHostFrame(frame('none')).container).to.equal('none');
  });
});
