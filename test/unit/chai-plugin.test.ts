import * as chai from 'chai';
import driftspecChai, { type Host, type Subject } from '../../src/chai/index.js';
import type { CheckRequest } from '../../src/plan/build.js';
import { fileResource } from '../../src/resources/file/index.js';
import type { AnyResource } from '../../src/resources/resource.js';
import { serviceResource } from '../../src/resources/service/index.js';
import type { HostResult } from '../../src/results/schema.js';

chai.use(driftspecChai);
const { expect } = chai;

/** A host that records what it is asked to check and answers that every check passed. */
function recordingHost(): { host: Host; asked: CheckRequest[][] } {
  const asked: CheckRequest[][] = [];
  const check = async (requests: readonly CheckRequest[]): Promise<HostResult> => {
    asked.push([...requests]);
    const results = requests.map((request, index) => ({
      checkId: `chai#${index + 1}`,
      control: null,
      title: `${request.matcher}`,
      resource: request.resource,
      subject: request.subject as string,
      matcher: request.matcher,
      negated: request.negated,
      status: 'passed' as const,
      message: 'ok',
    }));
    return {
      target: 'fake',
      status: 'completed',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 0,
      execCount: 1,
      counts: { passed: results.length, failed: 0, error: 0, skipped: 0 },
      results,
      evidence: {},
    };
  };
  return { host: { target: 'fake', check } as unknown as Host, asked };
}

function subjectOf<Res extends AnyResource>(host: Host, resource: Res, name: string): Subject<Res> {
  const made = { [Symbol.for('driftspec.chai.subject')]: true, host, resource, name, options: undefined };
  return made as unknown as Subject<Res>;
}

const asked = (requests: CheckRequest[][]) =>
  requests.map((batch) => batch.map(({ matcher, negated, args }) => ({ matcher, negated, args })));

describe('chai plugin: what an awaited chain asks the host', () => {
  it('asks once per awaited assertion, one check per word, .not negating the words after it', async () => {
    const fake = recordingHost();
    const ssh = subjectOf(fake.host, serviceResource, 'ssh');
    await expect(ssh).to.be.enabled.and.not.running;
    await expect(ssh).to.have.property({ name: 'Type', value: 'notify' });
    expect(asked(fake.asked)).to.deep.equal([
      [
        { matcher: 'enabled', negated: false, args: undefined },
        { matcher: 'running', negated: true, args: undefined },
      ],
      [{ matcher: 'property', negated: false, args: { name: 'Type', value: 'notify' } }],
    ]);
  });

  it("takes over chai's own exist, exists and contains on a subject only", async () => {
    const fake = recordingHost();
    const passwd = subjectOf(fake.host, fileResource, '/etc/passwd');
    await expect(passwd).to.exist.and.contains('root');
    await expect(passwd).to.be.readable({ by: 'owner' });
    expect(asked(fake.asked)).to.deep.equal([
      [
        { matcher: 'exists', negated: false, args: undefined },
        { matcher: 'content', negated: false, args: { contains: 'root' } },
      ],
      [{ matcher: 'readable', negated: false, args: { by: 'owner' } }],
    ]);
    expect('root:x').contains('root');
    expect(undefined).not.to.exist;
  });

  it('runs an assertion once however often it is awaited', async () => {
    const fake = recordingHost();
    const assertion = expect(subjectOf(fake.host, serviceResource, 'cron')).to.be.running;
    await assertion;
    await assertion;
    expect(fake.asked).to.have.length(1);
  });
});
