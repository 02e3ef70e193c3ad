import { expect } from 'chai';
import { packageIntegrity, pkg } from '../../../src/dsl/index.js';
import type { Frame } from '../../../src/probe/frames.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  parsePackageIntegrity,
  parseSystemIntegrity,
  type IntegrityFact,
} from '../../../src/resources/package/index.js';
import { hostFacts, partsFrame, recordedFrame, type PartSpec } from '../../support/frames.js';
import { judgeFrame, parseError, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry();
const RECORDED = 'recorded/integrity-debian12';

/** A recorded command's output as one part of the integrity query. */
function part(name: string, recording: string): PartSpec {
  const f = recordedFrame(recording);
  return { name, stdout: f.stdout, stderr: f.stderr.toString('utf8'), exitCode: f.exitCode };
}

/** The instance after PREPARE (record.mts): /usr/bin/ls and /etc/crontab changed, a sudo file removed. */
const systemFrame = partsFrame([
  part('verify', `${RECORDED}/dpkg-verify-all.json`),
  part('owners', `${RECORDED}/dpkg-owners.json`),
  part('unverifiable', `${RECORDED}/dpkg-unsummed.json`),
]);

function packageFrame(name: string, verify: string, unsummed = 'dpkg-unsummed.json'): Frame {
  return partsFrame([
    part(`verify:${name}`, `${RECORDED}/${verify}`),
    part(`unverifiable:${name}`, `${RECORDED}/${unsummed}`),
  ]);
}

describe('package integrity (dpkg, recorded on a booted instance)', () => {
  it('names each file that differs, its package and what differs, conffiles apart', () => {
    const fact = parseSystemIntegrity(systemFrame, hostFacts());
    expect(fact).to.deep.equal({
      manager: 'dpkg',
      findings: [
        { path: '/bin/ls', conffile: false, problems: ['checksum'], package: 'coreutils' },
        { path: '/usr/share/doc/sudo/copyright', conffile: false, problems: ['missing'], package: 'sudo' },
        { path: '/etc/crontab', conffile: true, problems: ['checksum'], package: 'cron-daemon-common' },
      ],
      unverifiable: [],
    } satisfies IntegrityFact);
  });

  it('fails packageIntegrity on the binary and lists the conffile apart; judges conffiles only when asked', () => {
    const results = judgeFrame(
      registry,
      () => {
        packageIntegrity('/').verified();
        packageIntegrity('/usr/bin').verified();
        packageIntegrity('/etc').verified();
        packageIntegrity('/etc').verified({ conffiles: true });
        packageIntegrity('/srv').verified();
      },
      systemFrame,
    );
    expect(statuses(results)).to.deep.equal(['failed', 'failed', 'passed', 'failed', 'passed']);
    const [all, usrBin, , etcConffiles] = resultLines(results);
    expect(all).to.include(
      "but 2 package file(s) differ from dpkg's record: /bin/ls (coreutils: checksum); " +
        '/usr/share/doc/sudo/copyright (sudo: missing); ' +
        '1 conffile(s) changed by the admin: /etc/crontab (cron-daemon-common: checksum)',
    );
    // Merged /usr: dpkg names /usr/bin/ls by the path coreutils ships, /bin/ls.
    expect(usrBin).to.include("1 package file(s) differ from dpkg's record: /bin/ls (coreutils: checksum)");
    expect(etcConffiles).to.include('/etc/crontab (cron-daemon-common: checksum)');
    expect(results[2]!.actual).to.equal(
      "no package file differs from dpkg's record; 1 conffile(s) changed by the admin: " +
        '/etc/crontab (cron-daemon-common: checksum)',
    );
  });

  it('verifies one package: a changed binary fails, an unchanged package passes, a missing one is an error', () => {
    const frames: Record<string, Frame> = {
      coreutils: packageFrame('coreutils', 'dpkg-verify-coreutils.json'),
      cron: packageFrame('cron', 'dpkg-verify-cron.json'),
      'driftspec-no-such-package': packageFrame('driftspec-no-such-package', 'dpkg-verify-not-installed.json'),
    };
    const results = judgeFrame(
      registry,
      () => {
        pkg('coreutils').verified();
        pkg('cron').verified();
        pkg('driftspec-no-such-package').verified();
        pkg('driftspec-no-such-package').not.verified();
      },
      (check) => frames[String(check.subject)]!,
    );
    expect(statuses(results)).to.deep.equal(['failed', 'passed', 'error', 'error']);
    expect(results[0]!.message).to.include('/bin/ls (coreutils: checksum)');
    expect(results[2]!.message).to.include("dpkg: package 'driftspec-no-such-package' is not installed");
  });

  it('is an error, never a pass, for files it could not read and for packages without md5sums', () => {
    const asTester = packageFrame('sudo', 'dpkg-verify-sudo-tester.json');
    const fact = parsePackageIntegrity(asTester, hostFacts(), 'sudo');
    expect(fact.findings.filter((f) => f.problems.includes('unreadable')).map((f) => f.path)).to.deep.equal([
      '/etc/sudoers',
      '/etc/sudoers.d/README',
    ]);
    const unsummed = packageFrame(
      'nginx-light',
      'dpkg-verify-nginx-light-after-rm.json',
      'dpkg-unsummed-after-rm.json',
    );
    const results = judgeFrame(
      registry,
      () => {
        pkg('sudo').verified({ conffiles: true });
        pkg('sudo').not.verified({ conffiles: true });
        pkg('nginx-light').verified();
        pkg('nginx-light').not.verified();
      },
      (check) => (check.subject === 'sudo' ? asTester : unsummed),
    );
    expect(statuses(results)).to.deep.equal(['error', 'error', 'error', 'error']);
    expect(results[0]!.message).to.include('could not verify 2 file(s) (not readable; run as root or with sudo)');
    expect(results[2]!.message).to.include(
      'have no checksums to verify their files against: nginx-light (/usr/share/doc/nginx-light/NEWS.Debian.gz)',
    );
  });

  it('is an error where the query failed, the tool is missing or there is no supported manager', () => {
    const missingTool = partsFrame([
      { name: 'verify', exitCode: 127, stderr: 'sh: 1: dpkg: not found' },
      { name: 'owners', exitCode: 1 },
      { name: 'unverifiable' },
    ]);
    expect(parseError(() => parseSystemIntegrity(missingTool, hostFacts()))).to.include('command not found');
    const unsupported = recordedLikeUnsupported();
    expect(parseError(() => parseSystemIntegrity(unsupported, hostFacts({ packageManager: 'none' })))).to.include(
      'package integrity needs dpkg, rpm or apk',
    );
    expect(parseError(() => parseSystemIntegrity(systemFrame, hostFacts({ packageManager: 'pacman' })))).to.include(
      'needs dpkg, rpm or apk on the target (found pacman)',
    );
    const garbage = partsFrame([
      { name: 'verify', stdout: 'dpkg: warning: odd\n' },
      { name: 'owners' },
      { name: 'unverifiable' },
    ]);
    expect(parseError(() => parseSystemIntegrity(garbage, hostFacts()))).to.include('unexpected output line');
  });
});

/** What the query's `*)` branch gives: exit 3 and its message. */
function recordedLikeUnsupported(): Frame {
  return {
    id: 'q1',
    exitCode: 3,
    stdout: Buffer.alloc(0),
    stderr: Buffer.from('driftspec: package integrity needs dpkg, rpm or apk\n'),
  };
}

describe('package integrity (rpm, recorded with rpm 4.18 on a package of its own)', () => {
  const rpm = hostFacts({ packageManager: 'rpm' });
  const RPM = 'recorded/integrity-rpm';

  it('reads rpm -Va with its owners: a changed program, a changed %config file, a missing %doc file', () => {
    const frame = partsFrame([part('verify', `${RPM}/rpm-Va.json`), part('owners', `${RPM}/rpm-qf-owners.json`)]);
    expect(parseSystemIntegrity(frame, rpm).findings).to.deep.equal([
      { path: '/etc/driftspec-demo.conf', conffile: true, problems: ['checksum'], package: 'driftspec-demo' },
      {
        path: '/usr/bin/driftspec-demo',
        conffile: false,
        problems: ['size', 'mode', 'checksum'],
        package: 'driftspec-demo',
      },
      {
        path: '/usr/share/doc/driftspec-demo/README',
        conffile: false,
        problems: ['missing'],
        package: 'driftspec-demo',
      },
    ]);
    const clean = partsFrame([part('verify', `${RPM}/rpm-Va-clean.json`), { name: 'owners' }]);
    const results = judgeFrame(registry, () => packageIntegrity('/').verified(), clean, rpm);
    expect(statuses(results)).to.deep.equal(['passed']);
  });

  it('verifies one package with rpm -V; one that is not installed is an error', () => {
    const frames: Record<string, Frame> = {
      'driftspec-demo': partsFrame([part('verify:driftspec-demo', `${RPM}/rpm-V-demo.json`)]),
      'telnet-server': partsFrame([part('verify:telnet-server', `${RPM}/rpm-V-not-installed.json`)]),
    };
    const results = judgeFrame(
      registry,
      () => {
        pkg('driftspec-demo').verified();
        pkg('telnet-server').verified();
      },
      (check) => frames[String(check.subject)]!,
      rpm,
    );
    expect(resultLines(results)).to.deep.equal([
      "failed: expected package driftspec-demo to match the package manager's record, but 2 package file(s) differ " +
        "from rpm's record: /usr/bin/driftspec-demo (driftspec-demo: size, mode, checksum); " +
        '/usr/share/doc/driftspec-demo/README (driftspec-demo: missing); 1 conffile(s) changed by the admin: ' +
        '/etc/driftspec-demo.conf (driftspec-demo: checksum)',
      'error: could not check package telnet-server: verifying the files of package telnet-server (rpm -V): ' +
        'package telnet-server is not installed, so its files cannot be verified',
    ]);
  });
});

describe('package integrity (rpm and apk, documented formats)', () => {
  it('reads rpm -Va with its owners: result letters, missing files, unreadable files, file states', () => {
    const frame = partsFrame([
      part('verify', 'documented/rpm/rpm-Va.json'),
      part('owners', 'documented/rpm/rpm-qf-owners.json'),
    ]);
    const fact = parseSystemIntegrity(frame, hostFacts({ packageManager: 'rpm' }));
    expect(fact.findings).to.deep.equal([
      {
        path: '/etc/ssh/sshd_config',
        conffile: true,
        problems: ['size', 'checksum', 'mtime'],
        package: 'openssh-server',
      },
      { path: '/usr/bin/ls', conffile: false, problems: ['checksum'], package: 'coreutils' },
      { path: '/usr/sbin/sshd', conffile: false, problems: ['mode'], package: 'openssh-server' },
      { path: '/usr/share/doc/openssh/README', conffile: false, problems: ['missing'], package: 'openssh' },
      { path: '/etc/sysconfig/sshd', conffile: true, problems: ['missing'], package: null },
      {
        path: '/usr/libexec/openssh/ssh-keysign',
        conffile: false,
        problems: ['unreadable'],
        package: 'openssh-keysign',
      },
      { path: '/etc/sudoers', conffile: true, problems: ['owner', 'group'], package: 'sudo' },
    ]);
    const results = judgeFrame(
      registry,
      () => packageIntegrity('/usr/bin').verified(),
      frame,
      hostFacts({ packageManager: 'rpm' }),
    );
    expect(resultLines(results)).to.deep.equal([
      "failed: expected package files under /usr/bin to match the package manager's record, but 1 package file(s) " +
        "differ from rpm's record: /usr/bin/ls (coreutils: checksum)",
    ]);
  });

  it('takes "package NAME is not installed" from rpm -V as an error', () => {
    const frame = partsFrame([part('verify:telnet-server', 'documented/rpm/rpm-V-not-installed.json')]);
    expect(
      parseError(() => parsePackageIntegrity(frame, hostFacts({ packageManager: 'rpm' }), 'telnet-server')),
    ).to.include('package telnet-server is not installed, so its files cannot be verified');
  });

  it('reads apk audit --system and --backup: changed files, protected configuration apart, no added files', () => {
    const frame = partsFrame([
      part('system', 'documented/apk/apk-audit-system.json'),
      part('backup', 'documented/apk/apk-audit-backup.json'),
    ]);
    const apk = hostFacts({ packageManager: 'apk' });
    expect(parseSystemIntegrity(frame, apk).findings).to.deep.equal([
      { path: '/bin/busybox', conffile: false, problems: ['checksum'], package: null },
      { path: '/usr/sbin/sshd', conffile: false, problems: ['metadata'], package: null },
      { path: '/usr/share/doc/README', conffile: false, problems: ['missing'], package: null },
      { path: '/etc/ssh/sshd_config', conffile: true, problems: ['checksum'], package: null },
      { path: '/etc/shadow-', conffile: true, problems: ['unreadable'], package: null },
    ]);
    const results = judgeFrame(
      registry,
      () => {
        packageIntegrity('/etc').verified();
        packageIntegrity('/etc').verified({ conffiles: true });
      },
      frame,
      apk,
    );
    expect(statuses(results)).to.deep.equal(['passed', 'error']);
  });
});
