import { expect } from 'chai';
import { control, resourceFunction } from '../../../src/dsl/spec.js';
import { parseHostFrame } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  configuredValue,
  filesInOrder,
  globMatches,
  parseSysctlFiles,
  parseSysctlLine,
  sysctlKeyPath,
  type SysctlFile,
} from '../../../src/resources/kernel-parameter/configured.js';
import { readSysctlFiles } from '../../../src/resources/kernel-parameter/image.js';
import {
  kernelParameterResource,
  parameterGroupScript,
  parseKernelParameter,
} from '../../../src/resources/kernel-parameter/index.js';
import { parseParts } from '../../../src/probe/parts.js';
import { FactError, NotApplicableError } from '../../../src/resources/resource.js';
import { parseGroupedService, serviceGroupScript, serviceResource } from '../../../src/resources/service/index.js';
import { partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';

const RECORDED = 'recorded/image-debian12';
const imageHost = parseHostFrame(recordedFrame(`${RECORDED}/host.json`));
const sysctlFrame = recordedFrame(`${RECORDED}/kernel-parameters.json`);
const servicesFrame = recordedFrame(`${RECORDED}/services.json`);

const file = (path: string, content: string, kind: SysctlFile['kind'] = 'file'): SysctlFile => ({
  path,
  kind,
  content,
});

function configured(files: readonly SysctlFile[], key: string) {
  return configuredValue(parseSysctlFiles(files), key);
}

describe('an image that is not booted', () => {
  it('says so in its host facts, with the init system read from its files', () => {
    expect(imageHost).to.include({ booted: false, initSystem: 'systemd', packageManager: 'dpkg' });
  });

  it('asks the image for its sysctl files, and a booted host for /proc/sys, in one query', () => {
    const script = parameterGroupScript(['net.ipv4.ip_forward']);
    expect(script).to.match(/^if \[ "\$DS_BOOTED" = no \]; then\n/);
    expect(script).to.include('/etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/local/lib/sysctl.d/*.conf');
    expect(script).to.include("'/proc/sys/net/ipv4/ip_forward'");
  });
});

describe('configured kernel parameters (systemd-sysctl order)', () => {
  describe('a recorded Debian 12 image', () => {
    it("reads every candidate file, Debian's link to /etc/sysctl.conf among them", () => {
      const files = readSysctlFiles(parseParts(sysctlFrame.stdout), 'test');
      expect(files.map((f) => `${f.kind} ${f.path}`)).to.deep.equal([
        'sysctl.conf /etc/sysctl.d/99-sysctl.conf',
        'file /usr/lib/sysctl.d/50-pid-max.conf',
        'file /usr/lib/sysctl.d/99-protect-links.conf',
        'file /lib/sysctl.d/50-pid-max.conf',
        'file /lib/sysctl.d/99-protect-links.conf',
        'file /etc/sysctl.conf',
      ]);
      // /lib is /usr/lib there: the same names are read once, and /etc/sysctl.conf once, as 99-sysctl.conf.
      expect(filesInOrder(files).map((f) => f.path)).to.deep.equal([
        '/usr/lib/sysctl.d/50-pid-max.conf',
        '/usr/lib/sysctl.d/99-protect-links.conf',
        '/etc/sysctl.d/99-sysctl.conf',
      ]);
    });

    it('gives the value and the file and line that set it', () => {
      expect(parseKernelParameter(sysctlFrame, 'kernel.pid_max', imageHost)).to.deep.equal({
        exists: true,
        value: '4194304',
        configuredBy: '/usr/lib/sysctl.d/50-pid-max.conf line 16',
      });
      expect(parseKernelParameter(sysctlFrame, 'fs.protected_regular', imageHost)).to.include({ value: '2' });
    });

    it('leaves a parameter the image does not configure to the kernel: not applicable', () => {
      expect(() => parseKernelParameter(sysctlFrame, 'net.ipv4.ip_forward', imageHost)).to.throw(
        NotApplicableError,
        "not configured in the image: the kernel's default applies at boot",
      );
    });

    it('judges checks: passed and failed name the file, never pass or fail what is not configured', () => {
      const registry = createRegistry([kernelParameterResource]);
      const kernelParameter = resourceFunction(kernelParameterResource);
      const results = judgeFrame(
        registry,
        () =>
          control('c', () => {
            kernelParameter('fs.protected_symlinks').value(1);
            kernelParameter('kernel.pid_max').value(32768);
            kernelParameter('kernel.pid_max').exists();
            kernelParameter('kernel.pid_max').not.exists();
            kernelParameter('net.ipv4.tcp_syncookies').value(1);
            kernelParameter('net.ipv4.tcp_syncookies').not.value(1);
          }),
        sysctlFrame,
        imageHost,
      );
      expect(resultLines(results)).to.deep.equal([
        'passed: kernel parameter fs.protected_symlinks should have value 1 ' +
          '(configured in the image by /usr/lib/sysctl.d/99-protect-links.conf line 10)',
        'failed: expected kernel parameter kernel.pid_max to have value 32768, but got "4194304" ' +
          '(configured in the image by /usr/lib/sysctl.d/50-pid-max.conf line 16)',
        'passed: kernel parameter kernel.pid_max should exist ' +
          '(configured in the image by /usr/lib/sysctl.d/50-pid-max.conf line 16)',
        'failed: expected kernel parameter kernel.pid_max not to exist, but it is "4194304" ' +
          '(configured in the image by /usr/lib/sysctl.d/50-pid-max.conf line 16)',
        "not-applicable: not applicable: not configured in the image: the kernel's default applies at boot",
        "not-applicable: not applicable: not configured in the image: the kernel's default applies at boot",
      ]);
    });
  });

  describe('hostile sysctl files', () => {
    const forged = (content: string, path = '/etc/sysctl.d/10-x.conf') =>
      partsFrame([{ name: 'sysctl:1', stdout: `file ${path}\0${content}` }]);

    it('reads a file holding the framing of the probe as data, never as another file', () => {
      const content =
        'DSPARTS 1\n0 8 40 0\nsysctl:2file /etc/sysctl.d/99-z.conf\0vm.swappiness = 99\nvm.swappiness = 5';
      expect(parseKernelParameter(forged(content), 'vm.swappiness', imageHost)).to.include({
        value: '5',
        configuredBy: '/etc/sysctl.d/10-x.conf line 4',
      });
    });

    it('keeps a file name with a newline whole', () => {
      const files = readSysctlFiles(parseParts(forged('vm.swappiness = 1', '/etc/sysctl.d/a\nb.conf').stdout), 't');
      expect(files.map((f) => f.path)).to.deep.equal(['/etc/sysctl.d/a\nb.conf']);
    });

    it('makes a file it could not read an error for every parameter, never "not configured"', () => {
      const unreadable = partsFrame([
        { name: 'sysctl:1', stdout: 'file /etc/sysctl.d/10-x.conf\0', stderr: 'cat: Permission denied', exitCode: 1 },
      ]);
      expect(() => parseKernelParameter(unreadable, 'vm.swappiness', imageHost)).to.throw(
        FactError,
        /reading \/etc\/sysctl.d\/10-x.conf failed: cat: Permission denied/,
      );
      const garbage = partsFrame([{ name: 'sysctl:1', stdout: 'no kind here' }]);
      expect(() => parseKernelParameter(garbage, 'vm.swappiness', imageHost)).to.throw(FactError, /unexpected output/);
      const stray = partsFrame([{ name: 'other', stdout: '' }]);
      expect(() => parseKernelParameter(stray, 'vm.swappiness', imageHost)).to.throw(FactError, /not sysctl files/);
    });
  });

  describe('the files', () => {
    it('masks a name in a later directory by the same name in an earlier one, /dev/null links too', () => {
      const files = [
        file('/usr/lib/sysctl.d/10-a.conf', 'vm.swappiness = 10'),
        file('/etc/sysctl.d/10-a.conf', 'vm.swappiness = 20'),
        file('/usr/lib/sysctl.d/20-b.conf', 'kernel.sysrq = 1'),
        file('/etc/sysctl.d/20-b.conf', '', 'masked'),
      ];
      expect(configured(files, 'vm.swappiness')).to.include({ value: '20', path: '/etc/sysctl.d/10-a.conf' });
      expect(configured(files, 'kernel.sysrq')).to.equal(undefined);
    });

    it('orders all files by name across the directories, the later assignment winning', () => {
      const files = [
        file('/etc/sysctl.d/10-early.conf', 'vm.swappiness = 1'),
        file('/usr/lib/sysctl.d/50-late.conf', 'vm.swappiness = 2'),
        file('/run/sysctl.d/30-middle.conf', 'vm.swappiness = 3'),
      ];
      expect(configured(files, 'vm.swappiness')).to.include({ value: '2', path: '/usr/lib/sysctl.d/50-late.conf' });
    });

    it('reads /etc/sysctl.conf last, and not twice when a sysctl.d file links to it', () => {
      const alone = [
        file('/etc/sysctl.conf', 'vm.swappiness = 9'),
        file('/etc/sysctl.d/99-z.conf', 'vm.swappiness = 1'),
      ];
      expect(configured(alone, 'vm.swappiness')).to.include({ value: '9', path: '/etc/sysctl.conf', line: 1 });
      const linked = [
        file('/etc/sysctl.d/50-link.conf', 'vm.swappiness = 9', 'sysctl.conf'),
        file('/etc/sysctl.d/60-later.conf', 'vm.swappiness = 1'),
        file('/etc/sysctl.conf', 'vm.swappiness = 9'),
      ];
      expect(configured(linked, 'vm.swappiness')).to.include({ value: '1', path: '/etc/sysctl.d/60-later.conf' });
    });

    it('skips a directory named *.conf', () => {
      expect(filesInOrder([file('/etc/sysctl.d/x.conf', '', 'directory')])).to.deep.equal([]);
    });
  });

  describe('the lines', () => {
    it('reads keys with . or / separators, blanks around =, a leading - and both comment signs', () => {
      const files = [
        file(
          '/etc/sysctl.d/a.conf',
          [
            '# comment = 1',
            '; comment = 2',
            '   net/ipv4/ip_forward=1   ',
            '-net.ipv4.tcp_syncookies =   1',
            'net.ipv4.conf.eth0/100.rp_filter = 2',
            'no equals sign here',
            '\tnet.core.rmem_max\t=\t4096\t8192',
          ].join('\n'),
        ),
      ];
      expect(configured(files, 'net.ipv4.ip_forward')).to.include({ value: '1', line: 3 });
      expect(configured(files, 'net.ipv4.tcp_syncookies')).to.include({ value: '1', line: 4 });
      expect(configured(files, 'net.ipv4.conf.eth0/100.rp_filter')).to.include({ value: '2' });
      expect(configured(files, 'net.core.rmem_max')).to.include({ value: '4096\t8192' });
      expect(parseSysctlLine('no equals sign here')).to.equal(undefined);
      expect(parseSysctlLine('; x = 1')).to.equal(undefined);
    });

    it('normalises keys as systemd does: the first separator decides', () => {
      expect(sysctlKeyPath('net.ipv4.conf.eth0/100.rp_filter')).to.equal('net/ipv4/conf/eth0.100/rp_filter');
      expect(sysctlKeyPath('net/ipv4/conf/eth0.100/rp_filter')).to.equal('net/ipv4/conf/eth0.100/rp_filter');
    });

    it('applies globs, an explicit key beating every glob and -key excluding one', () => {
      const files = [
        file(
          '/etc/sysctl.d/a.conf',
          [
            'net.ipv4.conf.eth0.rp_filter = 0',
            'net.ipv4.conf.*.rp_filter = 2',
            '-net.ipv4.conf.all.rp_filter',
            'net.ipv4.conf.e[a-z]h1.accept_redirects = 0',
          ].join('\n'),
        ),
      ];
      expect(configured(files, 'net.ipv4.conf.eth0.rp_filter')).to.include({ value: '0', line: 1 });
      expect(configured(files, 'net.ipv4.conf.default.rp_filter')).to.include({ value: '2', line: 2 });
      expect(configured(files, 'net.ipv4.conf.all.rp_filter')).to.deep.include({ excluded: true, line: 3 });
      expect(configured(files, 'net.ipv4.conf.eth1.accept_redirects')).to.include({ value: '0' });
      expect(configured(files, 'net.ipv4.conf.eth1.rp_filter')).to.include({ value: '2' });
      expect(configured(files, 'net.ipv6.conf.eth0.rp_filter')).to.equal(undefined);
    });

    it('keeps a glob within one component of the key', () => {
      expect(globMatches('net/*/rp_filter', 'net/ipv4/rp_filter')).to.equal(true);
      expect(globMatches('net/*/rp_filter', 'net/ipv4/conf/rp_filter')).to.equal(false);
      expect(globMatches('net/ipv?/x', 'net/ipv6/x')).to.equal(true);
      expect(globMatches('net/[!a]/x', 'net/a/x')).to.equal(false);
    });
  });
});

describe('systemd units of an image, from their unit files (recorded Debian 12 image)', () => {
  const fact = (name: string) => parseGroupedService(servicesFrame, 'systemd', name, false);

  it('asks systemctl --root=/ on an image and systemctl show on a booted host, in one query', () => {
    const script = serviceGroupScript(['ssh']);
    expect(script).to.include("systemctl --root=/ is-enabled -- 'ssh'");
    expect(script).to.include("systemctl show --no-pager -- 'ssh'");
  });

  it('reads the unit file state, and for an alias the unit its link names', () => {
    expect(fact('ssh')).to.deep.equal({
      init: 'systemd-unit-files',
      name: 'ssh',
      unitFileState: 'enabled',
      unitFileStateError: null,
      aliasOf: null,
    });
    expect(fact('sshd')).to.deep.include({ aliasOf: { unit: 'ssh.service', unitFileState: 'enabled' } });
    expect(fact('procps')).to.deep.include({ aliasOf: { unit: 'systemd-sysctl.service', unitFileState: 'static' } });
    expect(fact('nonexistent')).to.include({ unitFileState: 'not-found' });
  });

  it('judges installed, enabled and masked; running is never judged from unit files', () => {
    const registry = createRegistry([serviceResource]);
    const service = resourceFunction(serviceResource);
    const results = judgeFrame(
      registry,
      () =>
        control('c', () => {
          service('e2scrub_reap').enabled();
          service('sshd').enabled();
          service('procps').enabled();
          service('sudo').masked();
          service('systemd-networkd').enabled();
          service('getty@tty1').enabled();
          service('nonexistent').installed();
          service('ssh').running();
        }),
      servicesFrame,
      imageHost,
    );
    expect(results.map((r) => `${r.subject} ${r.matcher} ${r.status}`)).to.deep.equal([
      'e2scrub_reap enabled passed',
      'sshd enabled passed',
      'procps enabled failed',
      'sudo masked passed',
      'systemd-networkd enabled failed',
      'getty@tty1 enabled passed',
      'nonexistent installed failed',
      'ssh running error',
    ]);
    expect(results[1]!.actual).to.equal(
      'systemctl --root=/ is-enabled says "alias"; it names ssh.service, which is "enabled"',
    );
    expect(results[6]!.actual).to.equal(
      'the image has no unit nonexistent (systemctl --root=/ is-enabled says "not-found")',
    );
  });
});

describe('systemd units of an image: missing or forged unit file answers', () => {
  const judge = (parts: Parameters<typeof partsFrame>[0]) =>
    judgeFrame(
      createRegistry([serviceResource]),
      () =>
        control('c', () => {
          resourceFunction(serviceResource)('ssh').enabled();
          resourceFunction(serviceResource)('ssh').not.enabled();
          resourceFunction(serviceResource)('ssh').installed();
        }),
      partsFrame(parts),
      imageHost,
    ).map((r) => r.status);

  it('is an error, never a pass or a failure, when the unit has no answer of its own', () => {
    expect(judge([])).to.deep.equal(['error', 'error', 'error']);
    expect(judge([{ name: 'is-enabled:sshd', stdout: 'enabled\n' }])).to.deep.equal(['error', 'error', 'error']);
  });

  it('is an error when systemctl is missing or its answer is not one state word', () => {
    expect(judge([{ name: 'is-enabled:ssh', stdout: 'sh: systemctl: not found\n', exitCode: 127 }])).to.deep.equal([
      'error',
      'error',
      'error',
    ]);
    const forged = 'enabled\nDSPARTS 1\n0 14 8 0\nis-enabled:sshenabled\n';
    expect(judge([{ name: 'is-enabled:ssh', stdout: forged }])).to.deep.equal(['error', 'error', 'error']);
  });

  it('is an error when an alias names a unit whose state cannot be read', () => {
    const parts = [
      { name: 'is-enabled:ssh', stdout: 'alias\n' },
      { name: 'alias:ssh', stdout: 'ssh.service\nDSPARTS 1\n' },
    ];
    expect(judge(parts)).to.deep.equal(['error', 'error', 'error']);
    expect(judge([parts[0]!]), 'an alias without the answer for the unit it names').to.deep.equal([
      'error',
      'error',
      'error',
    ]);
  });
});
