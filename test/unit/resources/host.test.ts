import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Check } from '../../../src/plan/schema.js';
import type { Frame } from '../../../src/probe/frames.js';
import { hostResource, parseAhosts, parseReach } from '../../../src/resources/host/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import { frame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, parseError, resultLines } from '../../support/judge.js';

const registry = createRegistry([hostResource]);
const remoteHost = resourceFunction(hostResource);
const rec = (name: string) => recordedFrame(`recorded/network/${name}.json`);

/** The recording for each check: resolution checks get `resolve`, reachability checks `reach`. */
const frames =
  (resolve: Frame, reach: Frame) =>
  (check: Check): Frame =>
    check.matcher === 'reachable' ? reach : resolve;

describe('host resource', () => {
  it('reads getent ahosts as recorded: every address once; exit 2 is an unknown name', () => {
    expect(parseAhosts(rec('getent-ahosts-localhost'), 'localhost')).to.deep.equal({
      resolvable: true,
      addresses: ['127.0.0.1'],
    });
    expect(parseAhosts(rec('getent-ahosts-unknown'), 'no-such-name.invalid')).to.deep.equal({ resolvable: false });
    expect(parseError(() => parseAhosts(frame('', 127, 'sh: getent: not found'), 'x'))).to.match(/command not found/);
    expect(parseError(() => parseAhosts(frame('', 1), 'x'))).to.match(/exited 1/);
    expect(parseError(() => parseAhosts(frame('not-an-address STREAM x\n'), 'x'))).to.match(/unexpected line/);
  });

  it('reads bash /dev/tcp and nc as recorded: open, refused, timed out, unknown name', () => {
    expect(parseReach(rec('reach-bash-open'), 't', 3)).to.deep.equal({ reachable: true, tool: 'bash' });
    expect(parseReach(rec('reach-nc-open'), 't', 3)).to.deep.equal({ reachable: true, tool: 'nc' });
    expect(parseReach(rec('reach-bash-refused'), 't', 3)).to.deep.include({ reachable: false });
    expect((parseReach(rec('reach-bash-refused'), 't', 3) as { reason: string }).reason).to.match(/Connection refused/);
    expect(parseReach(rec('reach-nc-refused'), 't', 3)).to.deep.include({ reachable: false, tool: 'nc' });
    expect(parseReach(rec('reach-bash-timeout'), 't', 1)).to.deep.equal({
      reachable: false,
      tool: 'bash',
      reason: 'no connection within 1 s',
    });
    expect(parseReach(rec('reach-bash-unknown-name'), 't', 3)).to.deep.include({ reachable: false });
    expect(parseError(() => parseReach(rec('reach-none'), 't', 3))).to.match(/neither bash with timeout\(1\) nor nc/);
  });

  it('judges resolution and reachability; a missing tool or port is an error, also under not', () => {
    const lines = resultLines(
      judgeFrame(
        registry,
        () => {
          remoteHost('localhost')
            .resolvable()
            .addresses({ contains: ['127.0.0.1'] });
          remoteHost('localhost', { port: 8080 }).reachable();
          remoteHost('localhost', { port: 1 }).not.reachable();
        },
        frames(rec('getent-ahosts-localhost'), rec('reach-bash-open')),
      ),
    );
    expect(lines.map((l) => l.slice(0, l.indexOf(':')))).to.deep.equal(['passed', 'passed', 'passed', 'failed']);
    expect(lines[3]).to.equal(
      'failed: expected host localhost not to be reachable, but a TCP connection succeeded (bash)',
    );
    const errors = resultLines(
      judgeFrame(
        registry,
        () => {
          remoteHost('db', { port: 5432 }).not.reachable();
          remoteHost('db').not.reachable();
          remoteHost('no-such-name.invalid').not.resolvable();
        },
        frames(rec('getent-ahosts-unknown'), rec('reach-none')),
      ),
    );
    expect(errors).to.deep.equal([
      'error: could not check host db: connecting to db port 5432: ' +
        'neither bash with timeout(1) nor nc is available to open a TCP connection',
      'error: could not check host db: reachable needs the TCP port to try: give the option port',
      'passed: host no-such-name.invalid should not be resolvable',
    ]);
  });

  it('refuses a name that a tool could read as an option', () => {
    expect(hostResource.subject.safeParse('-oProxyCommand=x').success).to.equal(false);
    expect(hostResource.subject.safeParse('a b').success).to.equal(false);
    expect(hostResource.subject.safeParse('fd00::1').success).to.equal(true);
  });
});
