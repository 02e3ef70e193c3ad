import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { renderDriftJson } from '../../reporters/drift-json.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { jsonSchemaFor } from '../../src/cli/commands/schema-action.js';
import { DriftReportSchema, type DriftReport } from '../../src/drift/diff-schema.js';
import { HOSTILE_USER, sampleDriftReport } from '../fixtures/drift/sample-drift.js';
import { expectGolden } from '../support/golden.js';
import { requireXmllint, schemaErrors, writeXml, xpath } from '../support/xmllint.js';

/** A drift report is written in pieces; the tests read it whole. */
const joined = (pieces: Iterable<string>) => [...pieces].join('');
const golden = (name: string) => fileURLToPath(new URL(`../fixtures/golden/${name}`, import.meta.url));

describe('drift reports', () => {
  let report: DriftReport;
  before(() => {
    report = sampleDriftReport();
  });
  const verdict = () => report.verdict!;

  it('the sample run: drift, an unreachable host and a clean one; exit 7 | 8', () => {
    expect(report.hosts.map((h) => h.state)).to.deep.equal(['incomplete', 'incomplete', 'no-drift']);
    expect(verdict().exitCode).to.equal(15);
    expect(report.warnings).to.deep.equal([
      'accepted drift expired on 2025-05-31 and no longer applies: services cron changed (owner ops; accept.yaml:15:5)',
    ]);
  });

  it('cli: a summary table per host and kind, then every change old → new (golden)', () => {
    const text = joined(renderDriftCli(report, verdict(), { color: false }));
    expectGolden(golden('drift-cli.txt'), text);
    expect(text).to.not.match(/\u001b\[/);
    expect(joined(renderDriftCli(report, verdict(), { color: true }))).to.match(/\u001b\[31m/);
  });

  it('json: the whole report, valid under `driftspec schema drift` (golden)', () => {
    const text = joined(renderDriftJson(report, verdict()));
    expectGolden(golden('drift-report.json'), text);
    const parsed = DriftReportSchema.parse(JSON.parse(text));
    expect(parsed.verdict?.exitCode).to.equal(15);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(jsonSchemaFor('drift') as object);
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ ...JSON.parse(text), schemaVersion: 2 })).to.equal(false);
  });

  it('markdown: verdict, host table, differences with decisions; markup escaped (golden)', () => {
    const text = joined(renderDriftMarkdown(report, verdict()));
    expectGolden(golden('drift-summary.md'), text);
    expect(text).to.include(
      '| added | user | ``evil<script>alert(1)</script>\\|`x`]]>`` | uid 1001 · gid 1001 · home /home/evil · shell ' +
        '/bin/sh · gecos line one\\\\nline two \\& \\<b\\>bold\\</b\\> \\*star\\* \\_under\\_ |',
    );
    const rows = text.split('\n').filter((line) => line.startsWith('| ') && line.includes('user'));
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length, row).to.equal(7);
  });

  it('markdown: cuts long lists and says where the rest is', () => {
    const text = joined(renderDriftMarkdown(report, verdict(), { maxListed: 3 }));
    expect(text).to.include(
      '_8 more differences are not listed here; the JSON, JUnit and HTML reports have every one._',
    );
  });

  it('html: self-contained, no script, hostile text escaped, the same bytes every time (golden)', () => {
    const text = joined(renderDriftHtml(report, verdict()));
    expectGolden(golden('drift-report.html'), text);
    expect(text).to.equal(joined(renderDriftHtml(sampleDriftReport(), sampleDriftReport().verdict!)));
    expect(text).to.not.match(/<script|<link rel="stylesheet"|src=|https?:\/\//);
    expect(text).to.include("default-src 'none'");
    expect(text).to.not.include(HOSTILE_USER);
    expect(text).to.include('evil&lt;script&gt;alert(1)&lt;/script&gt;|`x`]]&gt;');
  });

  describe('junit', () => {
    let file: string;
    before(function () {
      requireXmllint(this);
      const xml = joined(renderDriftJunit(report, verdict()));
      expectGolden(golden('drift-junit.xml'), xml);
      file = writeXml(xml);
    });
    const count = (expression: string) => Number(xpath(file, `count(${expression})`));
    const text = (expression: string) => xpath(file, `string(${expression})`);

    it('is valid under the Jenkins JUnit schema', () => {
      expect(schemaErrors(file)).to.equal(null);
    });

    it('one testsuite per host; one testcase per drifted item, so Jenkins lists each', () => {
      expect(count('/testsuites/testsuite')).to.equal(3);
      const items = report.hosts[0]!.kinds.reduce(
        (n, k) => n + k.added.length + k.removed.length + k.changed.length,
        0,
      );
      expect(count('/testsuites/testsuite[1]/testcase[not(error)]')).to.equal(items);
      expect(text('/testsuites/testsuite[1]/@name')).to.equal('ssh://root@10.0.0.6:22');
    });

    it('blocked drift fails, allowed drift passes, accepted drift is skipped, missing data errs', () => {
      expect(
        text(
          '/testsuites/testsuite[1]/testcase[@name="added user evil<script>alert(1)</script>|`x`]]>"]/failure/@message',
        ),
      ).to.equal(
        `added user ${HOSTILE_USER}: uid 1001 · gid 1001 · home /home/evil · shell /bin/sh · gecos line one\\nline ` +
          `two & <b>bold</b> *star* _under_ [new user (built-in rule)]`,
      );
      expect(
        count(
          '/testsuites/testsuite[1]/testcase[@name="changed package openssl:amd64"]/*[self::failure or self::error ' +
            'or self::skipped]',
        ),
      ).to.equal(0);
      expect(count('/testsuites/testsuite[1]/testcase[@name="added package curl:amd64"]/skipped')).to.equal(1);
      expect(text('/testsuites/testsuite[1]/testcase[@name="added package curl:amd64"]/system-out')).to.include(
        'accepted: debugging tool for the incident',
      );
      expect(text('/testsuites/testsuite[1]/testcase[@name="not compared: /usr/bin/passwd"]/error/@message')).to.equal(
        'files /usr/bin/passwd: candidate: sha256sum: /usr/bin/passwd: Permission denied',
      );
      expect(count('/testsuites/testsuite[2]/testcase')).to.equal(1);
      expect(text('/testsuites/testsuite[2]/testcase/error/@message')).to.equal(
        'unreachable: cannot connect to 10.0.0.8:22: connection refused',
      );
      expect(text('/testsuites/testsuite[3]/testcase/@name')).to.equal('no drift');
      expect(count('/testsuites/testsuite[3]/testcase/*[self::failure or self::error]')).to.equal(0);
    });
  });
});
