import { expect } from 'chai';
import {
  DriftspecAbortError,
  DriftspecOptionError,
  drift,
  plan,
  run,
  snapshot,
  SpecError,
  spec,
  control,
  file,
  type RunOptions,
} from '../../src/index.js';
import { handMadeSnapshot } from '../support/drift-snapshots.js';

/** The error a call rejects with. */
async function rejection(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call did not reject');
}

async function optionError(call: () => Promise<unknown>): Promise<DriftspecOptionError> {
  const error = await rejection(call);
  expect(error, error.stack).to.be.instanceOf(DriftspecOptionError);
  return error as DriftspecOptionError;
}

const spec1 = ['spec.yaml'];

describe('API: options are checked before anything runs', () => {
  it('names a wrong option and what it takes', async () => {
    const error = await optionError(() => run({ specs: spec1, concurrency: 0 }));
    expect(error.option).to.equal('concurrency');
    expect(error.expected).to.equal('a whole number of at least 1');
    expect(error.message).to.equal('run(): option "concurrency": a whole number of at least 1');
    expect(error.name).to.equal('DriftspecOptionError');
  });

  it('refuses an option it does not know, by name', async () => {
    const error = await optionError(() => run({ specs: spec1, concurency: 2 } as RunOptions));
    expect([error.option, error.expected]).to.deep.equal(['concurency', 'no such option']);
    const nested = await optionError(() => run({ specs: spec1, ssh: { identities: ['k'] } } as RunOptions));
    expect(nested.option).to.equal('ssh.identities');
  });

  it('wants exactly one of specs and plan', async () => {
    expect((await optionError(() => run({}))).option).to.equal('specs');
    const both = await optionError(async () => run({ specs: spec1, plan: await plan([spec('s', () => {})]) }));
    expect([both.option, both.expected]).to.deep.equal(['specs', 'exactly one of `specs` and `plan`']);
  });

  it('names the element of a list that is wrong', async () => {
    const target = await optionError(() => run({ specs: spec1, targets: ['local', 'ftp://host'] }));
    expect(target.option).to.equal('targets[1]');
    const jump = await optionError(() => run({ specs: spec1, ssh: { jump: ['ssh://ok', 'a b'] } }));
    expect(jump.option).to.equal('ssh.jump[1]');
    const key = await optionError(() => run({ specs: spec1, ssh: { hostKeys: ['MD5:xx'] } }));
    expect(key.option).to.equal('ssh.hostKeys[0]');
    const typed = await optionError(() => run({ specs: [42 as unknown as string] }));
    expect(typed.option).to.equal('specs[0]');
    const lookalike = { info: { name: 'x' }, body: () => undefined } as unknown as string;
    expect((await optionError(() => run({ specs: ['a.yaml', lookalike] }))).option).to.equal('specs[1]');
  });

  it('refuses a proxyCommand with a token it does not replace, or beside jump hosts', async () => {
    const token = await optionError(() => run({ specs: spec1, ssh: { proxyCommand: 'nc %C' } }));
    expect(token.option).to.equal('ssh.proxyCommand');
    expect(token.expected).to.include('ProxyCommand token %C is not supported');
    const both = await optionError(() => run({ specs: spec1, ssh: { proxyCommand: 'nc %h %p', jump: ['bastion'] } }));
    expect([both.option, both.expected]).to.deep.equal(['ssh.proxyCommand', 'a command or jump hosts, not both']);
  });

  it('refuses options that mean something only together', async () => {
    const limit = await optionError(() => run({ specs: spec1, limit: ['web'] }));
    expect([limit.option, limit.expected]).to.deep.equal([
      'limit',
      'limit selects hosts of an inventory: give `inventory` too',
    ]);
    const degraded = await optionError(() => run({ specs: spec1, allowDegraded: false }));
    expect(degraded.option).to.equal('allowDegraded');
  });

  it('checks timeouts, sudo and the signal', async () => {
    expect((await optionError(() => run({ specs: spec1, commandTimeoutSeconds: -1 }))).option).to.equal(
      'commandTimeoutSeconds',
    );
    const sudo = await optionError(() => run({ specs: spec1, sudo: { user: 'a\nb' } }));
    expect(sudo.option).to.equal('sudo.user');
    const signal = await optionError(() => run({ specs: spec1, signal: {} as AbortSignal }));
    expect([signal.option, signal.expected]).to.deep.equal(['signal', 'an AbortSignal']);
  });

  it('reads SSH key files from the cwd given, before any host is contacted', async () => {
    const error = await rejection(() =>
      run({
        specs: spec1,
        targets: ['ssh://tester@host.invalid'],
        ssh: { identity: ['missing-key'], config: false },
        cwd: '/nonexistent-api-dir',
      }),
    );
    expect(error).to.be.instanceOf(SpecError);
    expect(error.message).to.contain('/nonexistent-api-dir/missing-key');
  });

  it('snapshot: the file trees are absolute, the ignores are path globs', async () => {
    const files = await optionError(() => snapshot({ files: ['/etc', 'usr'] }));
    expect([files.option, files.expected]).to.deep.equal(['files[1]', 'an absolute path']);
    const target = await optionError(() => snapshot({ target: 'nowhere://x' }));
    expect(target.option).to.equal('target');
  });

  it('drift: something to compare, and snapshots that are snapshots', async () => {
    const none = await optionError(() => drift({ baseline: handMadeSnapshot() }));
    expect(none.option).to.equal('candidates');
    const bad = await optionError(() => drift({ baseline: handMadeSnapshot(), candidates: [{ schemaVersion: 9 }] }));
    expect(bad.option).to.equal('candidates[0]');
    expect(bad.expected).to.match(/schemaVersion/);
  });

  it('plan: spec() definitions, or spec file paths, never mixed', async () => {
    const definition = spec('web', () => {
      control('c1', () => {
        file('/etc/passwd').exists();
      });
    });
    const planned = await plan([definition]);
    expect(planned.checks.map((check) => [check.control, check.resource, check.matcher])).to.deep.equal([
      ['c1', 'file', 'exists'],
    ]);
    expect((await optionError(() => plan([definition, 'x.yaml']))).option).to.equal('specs[1]');
    expect((await optionError(() => plan([]))).option).to.equal('specs');
  });

  it('an aborted signal rejects at once with an AbortError carrying the reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    const error = await rejection(() => run({ specs: spec1, signal: controller.signal }));
    expect(error).to.be.instanceOf(DriftspecAbortError);
    expect(error.name).to.equal('AbortError');
    expect((error.cause as Error).message).to.equal('stop now');
    const taken = await rejection(() => snapshot({ signal: controller.signal }));
    expect(taken.name).to.equal('AbortError');
  });
});
