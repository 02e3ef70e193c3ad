import { expect } from 'chai';
import { planSpecs, spec, sshConfig } from '../../../src/dsl/index.js';
import { factQueryFor } from '../../../src/engine/queries.js';
import { createRegistry } from '../../../src/resources/index.js';
import { parseSshG, sshGroupScript } from '../../../src/resources/ssh-config/index.js';
import { partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry();

const DEFAULT_PART = 'driftspec.invalid /etc/ssh/ssh_config';

/** A recorded `ssh -G` (test/fixtures/recorded/ssh-config/) as the part its destination's query reads. */
function recorded(name: string, part = DEFAULT_PART) {
  const { stdout, stderr, exitCode } = recordedFrame(`recorded/ssh-config/${name}.json`);
  return { name: part, stdout, stderr: stderr.toString('utf8'), exitCode };
}

function stockText(name = 'default'): string {
  return recordedFrame(`recorded/ssh-config/${name}.json`).stdout.toString('utf8');
}

describe('ssh_config', () => {
  it('parses ssh -G as printed on a booted instance and on this machine: numbers, lists, mixed case', () => {
    for (const name of ['default', 'local-default']) {
      const settings = parseSshG(stockText(name), 'reading');
      expect(settings.get('port'), name).to.equal(22);
      expect(settings.get('requiredrsasize'), name).to.equal(1024);
      expect(settings.get('streamlocalbindmask'), name).to.equal('0177');
      expect(settings.get('gssapiauthentication'), name).to.equal('yes');
      expect(settings.get('macs'), name).to.include('hmac-sha1');
      expect(settings.get('sendenv'), name).to.deep.equal(['LANG', 'LC_*']);
      expect(settings.get('globalknownhostsfile'), name).to.deep.equal([
        '/etc/ssh/ssh_known_hosts',
        '/etc/ssh/ssh_known_hosts2',
      ]);
      expect(settings.get('identityfile'), name).to.have.length.greaterThan(1);
      expect(settings.get('canonicalizepermittedcnames'), name).to.equal('none');
    }
  });

  it('judges the effective settings: drop-ins count, Host blocks apply to the named destination only', () => {
    const probe = partsFrame([
      recorded('dropin-default'),
      recorded('dropin-host', 'server.example.org /etc/ssh/ssh_config'),
    ]);
    const results = judgeFrame(
      registry,
      () => {
        sshConfig('PasswordAuthentication').value('no');
        sshConfig('ForwardX11Trusted').value('no');
        sshConfig('Ciphers').value({ contains: ['aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'] });
        sshConfig('IdentityFile').value('~/.ssh/id_ed25519');
        sshConfig('ForwardAgent').value('no');
        sshConfig('ForwardAgent', { host: 'server.example.org' }).value('yes');
        sshConfig('StrictHostKeyChecking', { host: 'server.example.org' }).value('false');
        sshConfig('StrictHostKeyChecking', { host: 'server.example.org' }).value({ oneOf: ['ask', 'true'] });
      },
      probe,
    );
    expect(statuses(results)).to.deep.equal([...Array(7).fill('passed'), 'failed']);
    expect(results[7]!.message).to.equal(
      'expected ssh client setting StrictHostKeyChecking for server.example.org to have value one of "ask", "true", ' +
        'but got "false"',
    );
  });

  it('never passes on a keyword ssh does not know, negated or not', () => {
    const results = judgeFrame(
      registry,
      () => {
        sshConfig('ForwardAgnt').not.value('yes');
        sshConfig('ForwardAgnt').not.exists();
      },
      partsFrame([recorded('default')]),
    );
    expect(resultLines(results)[0]).to.equal(
      'failed: expected ssh client setting ForwardAgnt not to have value "yes", but ssh -G prints no setting ' +
        'forwardagnt (this ssh does not know the keyword)',
    );
    expect(statuses(results)[1]).to.equal('passed');
  });

  it('is an error, naming the cause, when ssh -G cannot run or ssh is missing', () => {
    const cases: Array<[string, RegExp]> = [
      ['bad-keyword', /ssh -G exited 255: .*50-hardening.conf: line 9: Bad configuration option: forwardagnt/],
      ['no-file', /ssh -G exited 255: Can't open user config file \/etc\/ssh\/no_such_config/],
    ];
    for (const [name, message] of cases) {
      const [result] = judgeFrame(
        registry,
        () => sshConfig('ForwardAgent').not.value('yes'),
        partsFrame([recorded(name)]),
      );
      expect(result!.status, name).to.equal('error');
      expect(result!.message, name).to.match(message);
    }
    const missing = { name: DEFAULT_PART, stderr: 'ssh is not installed (no ssh on PATH)\n', exitCode: 127 };
    const [result] = judgeFrame(registry, () => sshConfig('ForwardAgent').not.value('yes'), partsFrame([missing]));
    expect(result!.status).to.equal('error');
    expect(result!.message).to.match(/command not found on the target \(exit 127\): ssh is not installed/);
  });

  it('is an error, never a pass, when ssh -G prints a line that is not a setting or prints nothing', () => {
    const stock = stockText();
    const forged = [
      ['a banner before the settings', `Welcome to the target\n${stock}`],
      ['a keyword without a value', stock.replace(/^forwardagent .*$/m, 'forwardagent')],
      ['a keyword with a blank before it', stock.replace(/^forwardagent /m, ' forwardagent ')],
      ['nothing at all', ''],
    ];
    for (const [what, stdout] of forged) {
      const [result] = judgeFrame(
        registry,
        () => sshConfig('ForwardAgent').not.value('yes'),
        partsFrame([{ name: DEFAULT_PART, stdout: stdout!, stderr: '', exitCode: 0 }]),
      );
      expect(result!.status, what).to.equal('error');
      expect(result!.message, what).to.match(/unexpected ssh -G line|ssh -G printed no settings/);
    }
  });

  it('is an error when the part of its destination is missing from the output', () => {
    const [result] = judgeFrame(
      registry,
      () => sshConfig('ForwardAgent', { host: 'server.example.org' }).value('no'),
      partsFrame([recorded('default')]),
    );
    expect(result!.status).to.equal('error');
    expect(result!.message).to.match(/has no part "server.example.org \/etc\/ssh\/ssh_config"/);
  });

  it('runs one ssh -G per destination and file the spec names, in one grouped query', () => {
    const plan = planSpecs(
      [
        {
          definition: spec('t', () => {
            sshConfig('ForwardAgent').value('no');
            sshConfig('Ciphers').exists();
            sshConfig('ForwardAgent', { host: 'server.example.org' }).value('no');
            sshConfig('ForwardAgent', { file: "/home/o'neil/.ssh/config" }).value('no');
          }),
        },
      ],
      registry,
    );
    const groups = plan.checks.map((check) => factQueryFor(check, registry).group);
    expect(new Set(groups.map((group) => group?.key))).to.deep.equal(new Set(['ssh-config']));
    const script = sshGroupScript(groups.map((group) => group!.member));
    expect(script.match(/ds_ssh_g '[^\n]*\n/g)).to.have.length(3);
    expect(script).to.include("ds_ssh_g '/etc/ssh/ssh_config' 'server.example.org'");
    expect(script).to.include(`ds_ssh_g '/home/o'\\''neil/.ssh/config' 'driftspec.invalid'`);
  });

  it('refuses keywords, destinations and files that could not be passed to ssh as they are', () => {
    const plan = (body: () => void) => () => planSpecs([{ definition: spec('t', body) }], registry);
    expect(plan(() => sshConfig('Forward Agent').exists())).to.throw(/letters and digits only/);
    expect(plan(() => sshConfig('Port', { host: '-oProxyCommand=x' }).exists())).to.throw(/a host name or address/);
    expect(plan(() => sshConfig('Port', { host: 'a b' }).exists())).to.throw(/a host name or address/);
    expect(plan(() => sshConfig('Port', { file: 'ssh_config' }).exists())).to.throw(/an absolute path/);
  });
});
