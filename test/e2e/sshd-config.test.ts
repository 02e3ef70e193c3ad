import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { RunResultSchema, type RunResult } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { connection, differences, settle } from '../support/drift-e2e.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-sshd-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

const HARDENING = `PermitRootLogin prohibit-password
PasswordAuthentication no
MaxAuthTries 3
Ciphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com
Match User alice Address 10.0.0.0/8
  PasswordAuthentication yes
`;

const SPEC = `spec: sshd-effective
checks:
  - sshd_config: PasswordAuthentication
    value: 'no'
  - sshd_config: MaxAuthTries
    value: { le: 4 }
  - sshd_config: Ciphers
    not:
      value: { contains: aes128-ctr }
  - sshd_config: PasswordAuthentication
    options: { match: { user: alice, addr: 10.0.0.7 } }
    value: 'yes'
  - sshd_config: PasswordAuthentication
    options: { match: { user: alice, addr: 192.0.2.1 } }
    value: 'no'
`;

async function runSpec(target: string, extra: string[]): Promise<{ code: number | null; result: RunResult }> {
  const json = join(work, `run-${Math.random().toString(36).slice(2)}.json`);
  const run = await cli('run', join(work, 'sshd.yaml'), '-t', target, ...extra, '-r', `json:${json}`);
  return { code: run.code, result: RunResultSchema.parse(JSON.parse(readFileSync(json, 'utf8'))) };
}

function messages(result: RunResult): string[] {
  return result.hosts[0]!.results.map((check) => `${check.status}: ${check.message}`);
}

describe('sshd_config on a booted instance: the effective configuration, drop-ins and Match blocks', function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 40, count: 1 });
  const instance = (): TestInstance => bed.instances[0]!;
  writeFileSync(join(work, 'sshd.yaml'), SPEC);

  it('judges the stock settings, then a drop-in with a Match block, in one exec; drift names each one', async () => {
    settle(instance());
    const before = join(work, 'before.json');
    expect((await cli('snapshot', instance().url, ...connection(instance()), '-o', before)).code).to.equal(0);

    const stock = await runSpec(instance().url, connection(instance()));
    expect(stock.code).to.equal(1);
    expect(messages(stock.result)).to.deep.equal([
      'failed: expected sshd setting PasswordAuthentication to have value "no", but got "yes"',
      'failed: expected sshd setting MaxAuthTries to have value at most 4, but got 6',
      'failed: expected sshd setting Ciphers not to have value containing "aes128-ctr", but got ' +
        '["chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com", ' +
        '"aes256-gcm@openssh.com"]',
      'passed: sshd setting PasswordAuthentication for user=alice,addr=10.0.0.7 should have value "yes"',
      'failed: expected sshd setting PasswordAuthentication for user=alice,addr=192.0.2.1 to have value "no", ' +
        'but got "yes"',
    ]);

    instance().inContainer(['sh', '-c', `cat > /etc/ssh/sshd_config.d/50-hardening.conf <<'EOF'\n${HARDENING}EOF`]);
    const hardened = await runSpec(instance().url, connection(instance()));
    expect(messages(hardened.result).filter((line) => !line.startsWith('passed'))).to.deep.equal([]);
    expect(hardened.code).to.equal(0);
    expect(hardened.result.hosts[0]!.execCount).to.equal(1);

    const after = join(work, 'after.json');
    expect((await cli('snapshot', instance().url, ...connection(instance()), '-o', after)).code).to.equal(0);
    const json = join(work, 'drift.json');
    await cli('drift', '--baseline', before, after, '-r', `json:${json}`);
    const report = DriftReportSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    const changes = differences(report.hosts[0]!).filter((line) => line.startsWith('sshdSettings'));
    expect(changes).to.deep.equal([
      'sshdSettings ~ ciphers value',
      'sshdSettings ~ maxauthtries value',
      'sshdSettings ~ passwordauthentication value',
    ]);
    const passwords = report.hosts[0]!.kinds.find((kind) => kind.kind === 'sshdSettings')!.changed.find(
      (item) => item.key === 'passwordauthentication',
    )!;
    expect(passwords.changes).to.deep.equal([{ attribute: 'value', old: 'yes', new: 'no' }]);
  });

  it('reads an unbooted image the same way, standing in /run/sshd inside the probe container', async () => {
    const rootfs = `rootfs:${join(dirname(instance().keyPath), 'rootfs')}`;
    const image = await runSpec(rootfs, []);
    expect(messages(image.result)[0]).to.equal(
      'failed: expected sshd setting PasswordAuthentication to have value "no", but got "yes"',
    );
    expect(image.result.hosts[0]!.results.map((check) => check.status)).not.to.include('error');
  });
});
