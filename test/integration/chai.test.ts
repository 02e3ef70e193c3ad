import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as chai from 'chai';
import driftspecChai, { CheckNotJudgedError, host, type Host } from '../../src/chai/index.js';
import { DriftspecOptionError } from '../../src/api/errors.js';
import { isRoot, requireInCi } from '../support/environment.js';

chai.use(driftspecChai);
const { expect } = chai;

/** The error an awaited assertion rejects with; fails the test when it does not reject. */
async function rejection(assertion: PromiseLike<unknown>): Promise<Error & { expected?: unknown; actual?: unknown }> {
  try {
    await assertion;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the assertion passed');
}

describe('driftspec/chai on this machine', function () {
  this.timeout(60_000);
  let local: Host;
  let server: Server;
  let openPort = 0;

  before(async function () {
    if (!isRoot()) return requireInCi(this, 'needs root to read /etc/shadow');
    local = await host('local');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    openPort = (server.address() as { port: number }).port;
  });

  after(() => server?.close());

  it('passes the examples of the issue, every resource kind at least once', async () => {
    await expect(local.package('openssh-server')).to.be.installed.with.version('>= 1:9.2');
    await expect(local.service('cron')).to.be.installed;
    await expect(local.port(openPort)).to.be.listening.on('tcp');
    await expect(local.file('/etc/shadow')).to.have.mode(0o640).and.owner('root');
    await expect(local.file('/etc/passwd')).to.be.isFile.and.contains(/^root:x:0:0:/m);
    await expect(local.user('root')).to.exist.and.uid(0).and.memberOf('root');
    await expect(local.group('root')).to.exist.and.gid(0);
    await expect(local.processes('node')).to.be.running;
    await expect(local.kernelParameter('kernel.ostype')).to.have.value('Linux');
    await expect(local.mount('/proc')).to.be.mounted.and.filesystem('proc');
    await expect(local.command('echo hello')).to.have.stdout('hello\n').and.exitStatus(0);
  });

  it('fails with the CLI message: title, expected, actual and evidence', async () => {
    const error = await rejection(expect(local.file('/etc/passwd')).to.have.mode(0o600));
    expect(error).to.be.instanceOf(chai.AssertionError);
    expect(error.message).to.equal(
      [
        'file /etc/passwd should have mode 0600 (on local)',
        '    expected file /etc/passwd to have mode 0600, but got 0644',
        error.message.split('\n')[2],
      ].join('\n'),
    );
    expect(error.message.split('\n')[2]).to.match(/^ {4}evidence: query \S+ exited 0, \d+ bytes of output/);
    expect(error.expected).to.equal('0600');
    expect(error.actual).to.equal('0644');
  });

  it('fails a chain on the first word that does not hold, and on a negated word that holds', async () => {
    const missing = await rejection(expect(local.user('root')).to.exist.and.shell('/no/such/shell'));
    expect(missing.message).to.match(/user root should have login shell "\/no\/such\/shell"/);
    const negated = await rejection(expect(local.group('no-such-group-ds')).to.exist);
    expect(negated.message).to.match(/expected group no-such-group-ds to exist, but/);
    const held = await rejection(expect(local.port(openPort)).not.to.be.listening);
    expect(held.message).to.contain(`port ${openPort} should not be listening`);
  });

  it('.not never passes on a fact that errored: the assertion throws "could not check"', async () => {
    for (const negated of [false, true]) {
      const slow = expect(local.command('sleep 5', { timeout: 1 }));
      const error = await rejection(negated ? slow.not.to.have.exitStatus(0) : slow.to.have.exitStatus(0));
      expect(error).to.be.instanceOf(CheckNotJudgedError);
      expect(error).not.to.be.instanceOf(chai.AssertionError);
      expect(error.message).to.match(/could not check command sleep 5: .*timed out after 1 s/);
    }
  });

  it('.not never passes on a host that was not reached', async () => {
    const far = await host('ssh://nobody@127.0.0.1:1', { connectTimeoutSeconds: 2 });
    const error = await rejection(expect(far.user('root')).not.to.exist);
    expect(error).to.be.instanceOf(CheckNotJudgedError);
    expect(error.message).to.match(/could not check: not checked: host unreachable: .*connection refused/);
  });

  it('refuses a word the resource does not have, and bad expected values, naming them', async () => {
    const subject = local.package('bash') as unknown as Record<string, never>;
    const wrong = await rejection(
      (expect(subject) as unknown as { to: { have: { mode(m: number): PromiseLike<void> } } }).to.have.mode(0o644),
    );
    expect(wrong.message).to.match(/a package has no matcher "mode"; expected one of: installed, version/);
    const bad = await rejection(expect(local.package('bash')).to.be.installed({ version: '>= >=' }));
    expect(bad.name).to.equal('SpecError');
  });

  it('checks the target and options when the host is made, before any assertion', async () => {
    const badTarget = await rejection(host('gopher://x'));
    expect(badTarget).to.be.instanceOf(DriftspecOptionError);
    const badOption = await rejection(host('local', { concurrency: 2 } as never));
    expect(badOption.message).to.match(/concurrency.*no such option/);
  });

  it('fails the test in progress when an assertion was not awaited, since it checked nothing', () => {
    const chaiUrl = pathToFileURL(fileURLToPath(new URL('../../node_modules/chai/index.js', import.meta.url))).href;
    const plugin = new URL('../../src/chai/index.ts', import.meta.url).href;
    const script = [
      `import * as chai from '${chaiUrl}';`,
      `import driftspecChai, { host } from '${plugin}';`,
      'chai.use(driftspecChai);',
      "const local = await host('local');",
      "chai.expect(local.user('no-such-user-ds')).to.exist.and.uid(0);",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain(
      'UnawaitedAssertionError: expect(user no-such-user-ds).exist.uid(…) was not awaited, so it checked nothing',
    );
  });

  it('leaves chai as it was for everything but driftspec subjects', () => {
    expect({ a: 1 }).to.have.property('a', 1);
    expect([1, 2]).to.have.members([2, 1]);
    expect('abc').contains('b');
    expect(null).not.to.exist;
    expect(() => (expect(5) as unknown as Record<string, unknown>).installed).to.throw(
      TypeError,
      /give expect\(\) a subject of a host/,
    );
    expect((expect(5) as unknown as { then?: unknown }).then).to.equal(undefined);
  });

  it('is typed per resource (compiled by tsc)', () => {
    const typed = () => {
      // @ts-expect-error a package has no mode
      void expect(local.package('nginx')).to.have.mode(0o640);
      // @ts-expect-error not a protocol
      void expect(local.port(22)).to.be.listening.on('sctp');
    };
    expect(typed).to.be.a('function');
  });
});
