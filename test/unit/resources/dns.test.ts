import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { canonicalRecord, dnsResource, parseLookup } from '../../../src/resources/dns/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import { frame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, parseError, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry([dnsResource]);
const dns = resourceFunction(dnsResource);
const rec = (name: string) => recordedFrame(`recorded/network/${name}.json`);
const lookup = (name: string, type: string) => ({ name, type, server: '127.0.0.153', timeout: 2 });

const ANSWERS = [
  ['a-www_example_test', 'www.example.test', 'A', ['192.0.2.10', '192.0.2.11']],
  ['aaaa-www_example_test', 'www.example.test', 'AAAA', ['2001:db8::10']],
  ['mx-example_test', 'example.test', 'MX', ['10 mail.example.test']],
  ['txt-example_test', 'example.test', 'TXT', ['v=spf1 -all']],
  ['cname-alias_example_test', 'alias.example.test', 'CNAME', ['www.example.test']],
  ['a-alias_example_test', 'alias.example.test', 'A', ['192.0.2.10', '192.0.2.11']],
  ['mx-www_example_test', 'www.example.test', 'MX', []],
] as const;

describe('dns resource', () => {
  for (const tool of ['dig', 'host'] as const) {
    it(`reads ${tool} as recorded: every record type the same way, NXDOMAIN an answer, REFUSED an error`, () => {
      for (const [file, name, type, records] of ANSWERS) {
        expect(parseLookup(rec(`dns-${tool}-${file}`), lookup(name, type)), file).to.deep.equal({
          tool,
          status: 'NOERROR',
          records,
        });
      }
      expect(parseLookup(rec(`dns-${tool}-a-missing_example_test`), lookup('missing.example.test', 'A'))).to.deep.equal(
        {
          tool,
          status: 'NXDOMAIN',
          records: [],
        },
      );
      expect(parseError(() => parseLookup(rec(`dns-${tool}-a-x_refused`), lookup('x.refused', 'A')))).to.match(
        /REFUSED/,
      );
    });
  }

  it('is an error where no server answers, and names what is missing where no tool is there', () => {
    expect(parseError(() => parseLookup(rec('dns-dig-no-server'), lookup('www.example.test', 'A')))).to.match(
      /exited 9: ;; communications error to 127\.0\.0\.154#53: connection refused/,
    );
    expect(parseError(() => parseLookup(rec('dns-nslookup-only'), lookup('x', 'A')))).to.match(
      /only nslookup is installed.*install dig or host/,
    );
    expect(parseError(() => parseLookup(rec('dns-none'), lookup('x', 'A')))).to.match(/neither dig nor host/);
    expect(parseError(() => parseLookup(frame('@@tool host\n'), lookup('x', 'SRV')))).to.match(/install dig/);
  });

  it('judges records; an error stays an error under not', () => {
    const results = judgeFrame(
      registry,
      () => {
        dns('www.example.test', { server: '127.0.0.153' })
          .resolvable()
          .records({ contains: ['192.0.2.10'] });
        dns('www.example.test', { server: '127.0.0.153' }).not.records({ contains: ['192.0.2.99'] });
      },
      rec('dns-dig-a-www_example_test'),
    );
    expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed']);
    expect(
      resultLines(
        judgeFrame(registry, () => dns('missing.example.test').resolvable(), rec('dns-host-a-missing_example_test')),
      ),
    ).to.deep.equal([
      'failed: expected dns missing.example.test to have records, but the name does not exist (NXDOMAIN) (host)',
    ]);
    expect(
      statuses(judgeFrame(registry, () => dns('x.refused').not.resolvable(), rec('dns-dig-a-x_refused'))),
    ).to.deep.equal(['error']);
  });

  it('writes records one way whichever tool read them', () => {
    expect(canonicalRecord('TXT', '"v=spf1 " "-all"')).to.equal('v=spf1 -all');
    expect(canonicalRecord('AAAA', '2001:DB8:0::10')).to.equal('2001:db8::10');
    expect(canonicalRecord('NS', 'ns1.example.test.')).to.equal('ns1.example.test');
  });
});
