import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { runHost } from '../../../src/engine/run-host.js';
import { commandResource } from '../../../src/resources/command/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import type { HostResult } from '../../../src/results/schema.js';
import { LocalTarget } from '../../../src/targets/local.js';
import { outcomes } from '../../support/local.js';

const command = resourceFunction(commandResource);
const registry = createRegistry([commandResource]);
const kinds = (result: HostResult) => outcomes(result).map((o) => o.split(':')[0]);

describe('command resource on this machine', function () {
  this.timeout(60_000);
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-command-it-'));
    mkdirSync(join(work, 'busybox'));
    if (existsSync('/usr/bin/busybox')) symlinkSync('/usr/bin/busybox', join(work, 'busybox', 'sh'));
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  /** dash (Debian's sh), bash, and BusyBox ash through an `sh` link (BusyBox picks the applet by name). */
  const shells: Array<[string, () => string]> = [
    ['dash', () => '/bin/sh'],
    ['bash', () => '/bin/bash'],
  ];
  if (existsSync('/usr/bin/busybox')) shells.push(['busybox ash', () => join(work, 'busybox', 'sh')]);

  async function runWith(shell: string, body: () => void): Promise<HostResult> {
    const plan = planSpecs([{ definition: spec('t', body) }], registry);
    return runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
  }

  for (const [label, shellPath] of shells) {
    describe(`under ${label}`, () => {
      it('passes known-true and fails known-false checks, stdout and stderr apart', async () => {
        const result = await runWith(shellPath(), () => {
          command('echo hello').exitStatus(0).stdout('hello\n').stderr('');
          command('echo out; echo err >&2; exit 3').exitStatus(3).not.exitStatus(0).stdout('out\n').stderr('err\n');
          command('echo hello').stdout('hello').exitStatus(1);
        });
        expect(kinds(result), outcomes(result).join('\n')).to.deep.equal([
          'passed',
          'passed',
          'passed',
          'passed',
          'passed',
          'passed',
          'passed',
          'failed',
          'failed',
        ]);
        expect(result.execCount).to.equal(1);
      });

      it('runs text with quotes, $(…) and backticks exactly as written', async () => {
        const text = `printf '%s|' "it's" '$(touch /tmp/owned)' "$(echo sub)" \`echo tick\` "a  b"`;
        const result = await runWith(shellPath(), () =>
          command(text).stdout(`it's|$(touch /tmp/owned)|sub|tick|a  b|`),
        );
        expect(kinds(result), outcomes(result).join('\n')).to.deep.equal(['passed']);
        expect(existsSync('/tmp/owned')).to.equal(false);
      });

      it('makes every check on a missing command an error, negated or not', async () => {
        const result = await runWith(shellPath(), () =>
          command('ds-no-such-command-here --flag').not.exitStatus(0).exitStatus(0).not.stderr({ contains: 'x' }),
        );
        expect(kinds(result)).to.deep.equal(['error', 'error', 'error']);
        expect(result.results[0]!.message).to.match(/command not found \(exit 127\)/);
      });

      it('stops a command at its timeout and reports an error', async () => {
        const started = Date.now();
        const result = await runWith(shellPath(), () => command('sleep 30', { timeout: 1 }).not.exitStatus(0));
        expect(kinds(result)).to.deep.equal(['error']);
        expect(result.results[0]!.message).to.match(/timed out after 1 s/);
        expect(Date.now() - started).to.be.lessThan(15_000);
      });
    });
  }

  it('caps a large output: the status counts, stream checks are an error', async () => {
    const result = await runWith('/bin/sh', () =>
      command('head -c 3000000 /dev/zero; echo done >&2').exitStatus(0).not.stdout({ contains: 'x' }).stderr('done\n'),
    );
    expect(kinds(result)).to.deep.equal(['passed', 'error', 'passed']);
    expect(result.results[1]!.message).to.match(/3000000 bytes/);
  });

  it('gives the command no stdin and parses JSON output', async () => {
    const result = await runWith('/bin/sh', () => {
      command('cat').stdout('');
      command(`printf '{"name":"driftspec","list":[1,2]}'`)
        .stdoutJson({ path: 'list.1', equals: 2 })
        .stdoutJson({ path: 'name', equals: 'driftspec' });
    });
    expect(kinds(result), outcomes(result).join('\n')).to.deep.equal(['passed', 'passed', 'passed']);
  });

  it('runs one command once however many checks read it', async () => {
    const counter = join(work, 'count');
    const result = await runWith('/bin/sh', () =>
      command(`echo x >> '${counter}'; wc -l < '${counter}'`)
        .exitStatus(0)
        .stdout('1\n')
        .stdout({ matches: '^1$', flags: 'm' }),
    );
    expect(kinds(result)).to.deep.equal(['passed', 'passed', 'passed']);
  });
});

describe('command resource: environment', () => {
  it("runs with the login's umask, not the probe's private 077", async () => {
    const { runLocally } = await import('../../support/local.js');
    const { commandResource } = await import('../../../src/resources/command/index.js');
    const { resourceFunction } = await import('../../../src/dsl/spec.js');
    const { expect } = await import('chai');
    const command = resourceFunction(commandResource);
    const expected = (process.umask() & 0o777).toString(8).padStart(4, '0');
    const result = await runLocally(() => command('umask').stdout(`${expected}\n`), [commandResource]);
    expect(result.results.map((r) => `${r.status}: ${r.message}`)).to.deep.equal([
      `passed: ${result.results[0]!.title}`,
    ]);
  });
});
