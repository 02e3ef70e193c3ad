import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { renderJunitReport } from '../../reporters/junit.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import {
  countStatuses,
  RunResultSchema,
  type CheckResult,
  type HostResult,
  type RunResult,
} from '../../src/results/schema.js';
import { requireXmllint, schemaErrors, writeXml, xpath } from '../support/xmllint.js';

const GOLDEN_RUN = fileURLToPath(new URL('../fixtures/golden/run.json', import.meta.url));

function goldenRun(): RunResult {
  return RunResultSchema.parse(JSON.parse(readFileSync(GOLDEN_RUN, 'utf8')));
}

function render(result: RunResult, imageId?: string): string {
  return renderJunitReport(result, decideVerdict(result), imageId === undefined ? {} : { imageId });
}

describe('junit report', () => {
  before(function () {
    requireXmllint(this);
  });

  describe('on a real run', () => {
    let file: string;
    before(() => {
      file = writeXml(render(goldenRun(), 'sha256:4f1c0a9e2d7b'));
    });
    const count = (expression: string) => Number(xpath(file, `count(${expression})`));
    const text = (expression: string) => xpath(file, `string(${expression})`);

    it('is valid under the Jenkins JUnit schema', () => {
      expect(schemaErrors(file)).to.equal(null);
    });

    it('has one testsuite per host, named by its target, with a time zone in the timestamp', () => {
      expect(count('/testsuites/testsuite')).to.equal(2);
      expect(text('/testsuites/testsuite[2]/@name')).to.equal('ssh://root@127.0.0.1:1');
      expect(text('/testsuites/testsuite[2]/@hostname')).to.equal('ssh://root@127.0.0.1:1');
      expect(text('/testsuites/testsuite[1]/@timestamp')).to.match(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/,
      );
      expect(text('/testsuites/testsuite[1]/@time')).to.equal('1.18');
    });

    it('records target, image, spec and OS as suite properties', () => {
      const property = (name: string) => text(`/testsuites/testsuite[1]/properties/property[@name="${name}"]/@value`);
      expect(property('target')).to.equal('local');
      expect(property('image.id')).to.equal('sha256:4f1c0a9e2d7b');
      expect(property('spec.golden-report')).to.equal('2.1.0');
      expect(property('host.os')).to.equal('Debian GNU/Linux 12 (bookworm)');
      expect(text('/testsuites/testsuite[2]/properties/property[@name="reason"]/@value')).to.match(
        /^cannot connect to 127\.0\.0\.1:1: connection refused/,
      );
    });

    it('has one testcase per check, classname host.control, names unique within a suite', () => {
      expect(count('/testsuites/testsuite[1]/testcase')).to.equal(9);
      expect(text('/testsuites/testsuite[1]/testcase[1]/@classname')).to.equal('local.accounts-01');
      expect(text('/testsuites/testsuite[1]/testcase[9]/@classname')).to.equal('local.file');
      expect(text('/testsuites/testsuite[1]/testcase[8]/@name')).to.equal(
        'file /etc/hostname should exist [golden-report#1]',
      );
      expect(text('/testsuites/testsuite[1]/testcase[9]/@name')).to.equal(
        'file /etc/hostname should exist [golden-report#2]',
      );
      const names = Array.from({ length: 9 }, (_, i) => text(`/testsuites/testsuite[1]/testcase[${i + 1}]/@name`));
      expect(new Set(names).size).to.equal(9);
    });

    it('gives a failure expected vs actual and the evidence', () => {
      const failed =
        '/testsuites/testsuite[1]/testcase[@name="package golden-report-absent-package should be installed"]';
      expect(text(`${failed}/failure/@message`)).to.match(
        /^expected package golden-report-absent-package to be installed, but it is not installed/,
      );
      expect(text(`${failed}/failure`)).to.equal(
        'expected: be installed\nactual:   it is not installed (dpkg has no package named ' +
          'golden-report-absent-package)',
      );
      const out = text(`${failed}/system-out`);
      expect(out).to.include('impact: 0.7 (high)');
      expect(out).to.include('query q3 exited 1\n--- script ---\ncase $DS_PKG in');
      expect(out).to.include(
        '--- stderr (68 bytes) ---\ndpkg-query: no packages found matching golden-report-absent-package',
      );
    });

    it('keeps output with several "]]>" and markup characters whole', () => {
      const out = text('/testsuites/testsuite[1]/testcase[@classname="local.web-01"][2]/system-out');
      expect(out.split(']]>').length - 1).to.equal(3);
      expect(out).to.include('--- stdout (45 bytes) ---\n@@command 3 60 25 0\na|b `c` <tag> & ]]> done\n');
    });

    it('says where long evidence was cut', () => {
      expect(
        text(
          '/testsuites/testsuite[1]/testcase[@name=\'command seq 1 2000 should print on stdout containing "not in ' +
            'the output"\']/system-out',
        ),
      ).to.include('--- stdout (first 4096 of 8915 bytes) ---');
    });

    it('writes an errored check as <error>, never as <failure>', () => {
      const errored =
        '/testsuites/testsuite[1]/testcase[@name="command golden-report-no-such-command should exit with status 0"]';
      expect(count(`${errored}/error`)).to.equal(1);
      expect(count(`${errored}/failure`)).to.equal(0);
      expect(text(`${errored}/error/@message`)).to.include('command not found (exit 127)');
      expect(count('//testcase/error')).to.equal(9);
      expect(count('//testcase/failure')).to.equal(3);
    });

    it('gives a skipped check its reason', () => {
      const skipped = '/testsuites/testsuite[1]/testcase[skipped]';
      expect(count(skipped)).to.equal(1);
      expect(text(`${skipped}/system-out`)).to.include('skipped: superseded by accounts-01');
    });

    it('writes the checks of an unreachable host as errors with the reason', () => {
      const suite = '/testsuites/testsuite[2]';
      expect(text(`${suite}/@errors`)).to.equal('8');
      expect(text(`${suite}/@skipped`)).to.equal('1');
      expect(text(`${suite}/testcase[1]/error/@type`)).to.equal('unreachable');
      expect(text(`${suite}/testcase[1]/error/@message`)).to.match(/^not checked: host unreachable: cannot connect/);
    });

    it('puts impact, tags and refs in system-out, since the schema allows no testcase properties', () => {
      expect(count('//testcase/properties')).to.equal(0);
      expect(text('/testsuites/testsuite[1]/testcase[1]/system-out')).to.equal(
        'check: accounts-01#1\ncontrol: accounts-01 (Root is the only superuser)\nimpact: 0.9 (critical)\ntags: ' +
          'cis=6.2.1,6.2.2; nist=AC-6\nrefs: https://example.org/baseline#accounts-01',
      );
    });
  });

  describe('with dotted control ids (SCAP rules, CIS numbers)', () => {
    const DOTTED = 'xccdf_org.ssgproject.content_rule_1.1.1';
    let file: string;
    before(() => {
      const dotted = JSON.parse(readFileSync(GOLDEN_RUN, 'utf8').replaceAll('accounts-01', DOTTED));
      file = writeXml(render(RunResultSchema.parse(dotted)));
    });
    const text = (expression: string) => xpath(file, `string(${expression})`);

    it("gives Jenkins' tree host → control: the last dot of the classname ends the target", () => {
      for (const [suite, target] of [
        [1, 'local'],
        [2, 'ssh://root@127.0.0.1:1'],
      ] as const) {
        const classname = text(`/testsuites/testsuite[${suite}]/testcase[1]/@classname`);
        // As Jenkins' JUnit plugin splits it: package before the last dot, class after it.
        const dot = classname.lastIndexOf('.');
        expect([classname.slice(0, dot), classname.slice(dot + 1)]).to.deep.equal([
          target,
          'xccdf_org\u2024ssgproject\u2024content_rule_1\u20241\u20241',
        ]);
      }
    });

    it('keeps the real id in system-out, and the XML valid under the Jenkins schema', () => {
      expect(text('/testsuites/testsuite[1]/testcase[1]/system-out')).to.include(`control: ${DOTTED} (`);
      expect(schemaErrors(file)).to.equal(null);
    });

    it('leaves classnames without dots in the control as they were', () => {
      expect(text('/testsuites/testsuite[1]/testcase[9]/@classname')).to.equal('local.file');
    });
  });

  it('the schema refuses what the reporter works around: a skipped count on the root, testcase properties', () => {
    const suite = '<testsuite name="h" tests="1" failures="0" errors="0"><testcase name="c"/></testsuite>';
    expect(schemaErrors(writeXml(`<testsuites tests="1">${suite}</testsuites>`))).to.equal(null);
    expect(schemaErrors(writeXml(`<testsuites tests="1" skipped="0">${suite}</testsuites>`))).to.match(/skipped/);
    expect(
      schemaErrors(
        writeXml(
          '<testsuites><testsuite name="h" tests="1" failures="0" errors="0"><testcase ' +
            'name="c"><properties/></testcase></testsuite></testsuites>',
        ),
      ),
    ).to.match(/properties/);
    expect(schemaErrors(writeXml('<testsuites><testsuite tests="1" failures="0" errors="0"/></testsuites>'))).to.match(
      /name/,
    );
  });

  it('leaves out the image id when none is given', () => {
    expect(render(goldenRun())).to.not.include('image.id');
  });

  it('renders the same run the same, report after report', () => {
    const first = render(goldenRun());
    expect(render(goldenRun())).to.equal(first);
  });

  it('stays valid with hostile names, control characters and many "]]>"', () => {
    const title = 'file /tmp/"a"&<b> ]]> ]]> \u0001\u001b[31m ü 日本 should exist';
    const result = syntheticRun([
      host('ssh://us"er@h<o>st:22', [
        check({ title, status: 'failed', expected: ']]>', actual: '<x y="1"> ]]> ]]> ]]>' }),
      ]),
    ]);
    const file = writeXml(render(result, 'img"<&>'));
    expect(schemaErrors(file)).to.equal(null);
    expect(xpath(file, 'string(//testsuite/@name)')).to.equal('ssh://us"er@h<o>st:22');
    // XML 1.0 cannot hold these control characters: they are shown as escapes, not dropped.
    expect(xpath(file, 'string(//testcase/@name)')).to.equal(
      'file /tmp/"a"&<b> ]]> ]]> \\x01\\x1b[31m ü 日本 should exist',
    );
    expect(xpath(file, 'string(//testcase/failure)')).to.equal('expected: ]]>\nactual:   <x y="1"> ]]> ]]> ]]>');
  });

  it('adds an error testcase for a host that was not checked and has no erroring check', () => {
    const result = syntheticRun([
      host('ssh://a:22', [check({ status: 'passed' })]),
      {
        ...host('ssh://b:22', [check({ status: 'skipped', message: 'skipped: not here' })]),
        status: 'unreachable',
        reason: 'timed out',
        execCount: 0,
      },
    ]);
    const file = writeXml(render(result));
    expect(schemaErrors(file)).to.equal(null);
    expect(xpath(file, 'string(/testsuites/testsuite[2]/testcase[2]/@classname)')).to.equal('ssh://b:22.host');
    expect(xpath(file, 'string(/testsuites/testsuite[2]/testcase[2]/error/@message)')).to.equal(
      'host unreachable: timed out',
    );
    expect(xpath(file, 'string(/testsuites/testsuite[2]/@errors)')).to.equal('1');
  });

  it('uses the resource type as class for a check outside any control', () => {
    const file = writeXml(
      render(syntheticRun([host('local', [check({ control: null, resource: 'port', status: 'passed' })])])),
    );
    expect(xpath(file, 'string(//testcase/@classname)')).to.equal('local.port');
  });
});

function check(fields: Partial<CheckResult> & Pick<CheckResult, 'status'>): CheckResult {
  return {
    checkId: 'c-01#1',
    control: 'c-01',
    title: 'file /x should exist',
    resource: 'file',
    subject: '/x',
    matcher: 'exists',
    negated: false,
    message: fields.status,
    ...fields,
  };
}

function host(target: string, results: CheckResult[]): HostResult {
  return {
    target,
    status: 'completed',
    startedAt: '2025-01-01T10:00:00.000-05:00',
    durationMs: 12,
    execCount: 1,
    counts: countStatuses(results),
    results,
    evidence: {},
  };
}

function syntheticRun(hosts: HostResult[]): RunResult {
  return RunResultSchema.parse({
    schemaVersion: 1,
    tool: { name: 'driftspec', version: '0.0.0' },
    startedAt: '2025-01-01T10:00:00.000-05:00',
    finishedAt: '2025-01-01T10:00:01.000-05:00',
    specs: [{ name: 'synthetic' }],
    controls: [{ id: 'c-01', impact: 0.5, tags: {}, refs: [] }],
    counts: countStatuses(hosts.flatMap((h) => h.results)),
    hosts,
  });
}
