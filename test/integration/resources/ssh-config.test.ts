import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { sshConfig } from '../../../src/dsl/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import { sshConfigResource, sshGroupScript } from '../../../src/resources/ssh-config/index.js';
import { judgeFrame } from '../../support/judge.js';
import { outcomes, runLocally } from '../../support/local.js';
import { runInProbe } from '../../support/probe-run.js';

describe('ssh_config resource on this machine (the real ssh -G)', function () {
  this.timeout(60_000);
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-ssh-config-it-'));
    mkdirSync(join(work, 'conf.d'));
    writeFileSync(join(work, 'config'), `Include ${work}/conf.d/*.conf\nHost *\n  ForwardAgent no\n  Port 22\n`);
    writeFileSync(
      join(work, 'conf.d', '10-dropin.conf'),
      'Host *.example.org\n  ForwardAgent yes\nHost *\n  Port 2022\n',
    );
    writeFileSync(join(work, 'bad'), 'ForwardAgnt no\n');
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  it('judges the effective value: the drop-in read first wins, Host blocks apply to their destinations', async () => {
    const file = join(work, 'config');
    const result = await runLocally(() => {
      sshConfig('Port', { file }).value(2022);
      sshConfig('ForwardAgent', { file }).value('no');
      sshConfig('ForwardAgent', { file, host: 'server.example.org' }).value('yes');
      sshConfig('ForwardAgent', { file, host: 'server.example.org' }).value('no');
    }, [sshConfigResource]);
    expect(outcomes(result)).to.deep.equal([
      `passed: ssh client setting Port from ${file} should have value 2022`,
      `passed: ssh client setting ForwardAgent from ${file} should have value "no"`,
      `passed: ssh client setting ForwardAgent for server.example.org from ${file} should have value "yes"`,
      `failed: expected ssh client setting ForwardAgent for server.example.org from ${file} to have value "no", ` +
        'but got "yes"',
    ]);
    expect(result.execCount).to.equal(1);
  });

  it('is an error, never a pass, where ssh refuses the file or it does not exist', async () => {
    const result = await runLocally(() => {
      sshConfig('ForwardAgent', { file: join(work, 'bad') }).not.value('yes');
      sshConfig('ForwardAgent', { file: join(work, 'missing') }).not.value('yes');
    }, [sshConfigResource]);
    expect(result.results.map((r) => r.status)).to.deep.equal(['error', 'error']);
    expect(result.results[0]!.message).to.match(/ssh -G exited 255: .*Bad configuration option: forwardagnt/);
    expect(result.results[1]!.message).to.match(/ssh -G exited 255: Can't open user config file/);
  });

  it('is an error, never a pass, where the target has no ssh', () => {
    const member = 'driftspec.invalid /etc/ssh/ssh_config';
    const frame = runInProbe(`PATH=${work}/no-such-dir\n${sshGroupScript([member])}`);
    const [result] = judgeFrame(createRegistry(), () => sshConfig('ForwardAgent').not.value('yes'), frame);
    expect(result!.status).to.equal('error');
    expect(result!.message).to.match(/command not found on the target \(exit 127\): ssh is not installed/);
  });
});
