import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Frame } from '../../../src/probe/frames.js';
import { groupResource, parseGroupFact } from '../../../src/resources/group/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import { FactError } from '../../../src/resources/resource.js';
import { fixturePath, frame, recordedFrame, sectionsFrame } from '../../support/frames.js';
import { judgeFrame, statuses } from '../../support/judge.js';

const registry = createRegistry([groupResource]);
const group = resourceFunction(groupResource);

const judge = (body: () => void, fact: Frame) => judgeFrame(registry, body, fact);

/** A getent recording from the booted instance, framed the way the probe fragment frames it. */
function section(mode: 'lookup' | 'table', recording: string): Frame {
  const r = JSON.parse(readFileSync(fixturePath(`recorded/debian12/${recording}.json`), 'utf8')) as {
    stdout: string;
    exitCode: number;
  };
  return sectionsFrame(`@@group ${mode}\n${r.stdout}\n@@exit ${r.exitCode}\n`);
}

describe('group resource', () => {
  it('reads a present group and takes exit 2 as absence (instance recordings)', () => {
    expect(parseGroupFact(section('lookup', 'getent-group-shadow'), 'shadow')).to.deep.equal({
      exists: true,
      entry: { name: 'shadow', gid: 42, members: [] },
    });
    expect(parseGroupFact(section('lookup', 'getent-group-nosuchgroup'), 'nosuchgroup').exists).to.equal(false);
  });

  it('reads the local recordings of the real fragment, a numeric name through the whole table', () => {
    expect(parseGroupFact(recordedFrame('local/group/group-root.json'), 'root')).to.deep.include({ exists: true });
    expect(parseGroupFact(recordedFrame('local/group/group-nosuchgroup.json'), 'nosuchgroup').exists).to.equal(false);
    const numeric = recordedFrame('local/group/group-numeric-0.json');
    expect(numeric.stdout.toString()).to.match(/^DSPARTS 1\n0 11 \d+ 0\n\d+ 1 11 0 0\ntable:group/);
    expect(parseGroupFact(numeric, '0').exists).to.equal(false);
    expect(parseGroupFact(section('table', 'getent-group-all'), 'tester')).to.deep.nested.include({
      'entry.gid': 1000,
    });
  });

  it('splits listed members and never matches a prefix', () => {
    const table = sectionsFrame('@@group table\nadmins:x:5:\nadm:x:4:syslog,alice\n@@exit 0\n');
    expect(parseGroupFact(table, 'adm')).to.deep.equal({
      exists: true,
      entry: { name: 'adm', gid: 4, members: ['syslog', 'alice'] },
    });
    expect(parseGroupFact(table, 'ad').exists).to.equal(false);
  });

  it('is an error for a missing tool, another answer, a failed read or garbage', () => {
    expect(() => parseGroupFact(frame('', 127), 'x')).to.throw(FactError, /exit 127/);
    expect(() => parseGroupFact(sectionsFrame('@@group lookup\nroot:x:0:\n\n@@exit 0\n'), '+0')).to.throw(
      FactError,
      /answered with "root"/,
    );
    expect(() =>
      parseGroupFact(
        sectionsFrame('@@group table\n\n@@exit 1\n', 0, 'cat: /etc/group: No such file or directory'),
        'x',
      ),
    ).to.throw(FactError, /No such file/);
    expect(() => parseGroupFact(sectionsFrame('@@group lookup\nx:x:notanumber:\n@@exit 0\n'), 'x')).to.throw(
      FactError,
      /unparseable group entry/,
    );
  });

  it('judges exists, gid and members; negation needs evidence', () => {
    const adm = sectionsFrame('@@group lookup\nadm:x:4:syslog,alice\n@@exit 0\n');
    const results = judge(
      () =>
        group('adm')
          .exists()
          .gid(4)
          .members({ contains: ['alice', 'syslog'] })
          .not.members({ contains: 'bob' })
          .not.exists(),
      adm,
    );
    expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'passed', 'failed']);
    const missing = judge(
      () => group('nosuchgroup').not.exists().not.gid(4).not.members({ contains: 'bob' }),
      section('lookup', 'getent-group-nosuchgroup'),
    );
    expect(statuses(missing)).to.deep.equal(['passed', 'failed', 'failed']);
  });

  it('refuses impossible names at plan time', () => {
    expect(() => planSpecs([{ definition: spec('t', () => group('a:b').exists()) }], registry)).to.throw(
      /invalid group name/,
    );
  });
});
