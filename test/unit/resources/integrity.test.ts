import { expect } from 'chai';
import { packageIntegrity, pkg } from '../../../src/dsl/index.js';
import type { Frame } from '../../../src/probe/frames.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  parsePackageIntegrity,
  parseRpmVerifyLine,
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

describe('package integrity (rpm 4.18, its fragments recorded against an rpm database of their own)', () => {
  const rpm = hostFacts({ packageManager: 'rpm' });
  const RPM = 'recorded/rpm';

  it('reads rpm -Va with its owners: a program, a %config file, a removed %doc file, a file given away', () => {
    expect(parseSystemIntegrity(recordedFrame(`${RPM}/rpm-integrity-changed.json`), rpm).findings).to.deep.equal([
      { path: '/usr/bin/driftspec-tool', conffile: false, problems: ['owner', 'group'], package: 'driftspec-tool' },
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
  });

  it('passes a clean database; a file another package replaced (its " (replaced)" line) is no finding', () => {
    const clean = recordedFrame(`${RPM}/rpm-integrity-clean.json`);
    expect(parseSystemIntegrity(clean, rpm).findings).to.deep.equal([]);
    expect(statuses(judgeFrame(registry, () => packageIntegrity('/').verified(), clean, rpm))).to.deep.equal([
      'passed',
    ]);
  });

  it('run without privileges: a file it cannot read or stat is unreadable, never missing or unchanged', () => {
    const frame = recordedFrame(`${RPM}/rpm-integrity-user.json`);
    // `missing   c PATH (Permission denied)`: rpm could not stat it, which says nothing of its presence.
    expect(frame.stdout.toString('utf8')).to.include(' (Permission denied)\n');
    const dir = '/tmp/driftspec-record-rpm-user';
    expect(parseSystemIntegrity(frame, rpm).findings).to.deep.equal([
      { path: `${dir}/key.conf`, conffile: true, problems: ['unreadable'], package: 'driftspec-user' },
      { path: `${dir}/private/secret.conf`, conffile: true, problems: ['unreadable'], package: 'driftspec-user' },
      { path: `${dir}/settings.conf`, conffile: true, problems: ['checksum'], package: 'driftspec-user' },
    ]);
    const results = judgeFrame(registry, () => packageIntegrity(dir).verified({ conffiles: true }), frame, rpm);
    expect(statuses(results)).to.deep.equal(['error']);
  });

  it('asks rpm -qf about the path before a " (replaced)" suffix, so the owner is named', () => {
    const owners = recordedFrame(`${RPM}/rpm-integrity-changed.json`).stdout.toString('utf8');
    expect(owners).to.include('.........    /usr/share/driftspec-tool/data (replaced)\n');
    expect(owners).to.include('\n/usr/share/driftspec-tool/data\tdriftspec-overlay \n');
  });

  it('verifies packages with rpm -V, one part each; one that is not installed is an error', () => {
    const frame = recordedFrame(`${RPM}/rpm-integrity-of-packages.json`);
    const results = judgeFrame(
      registry,
      () => {
        pkg('driftspec-demo').verified();
        pkg('telnet-server').verified();
      },
      frame,
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
    expect(parseError(() => parsePackageIntegrity(frame, rpm, 'telnet-server'))).to.include(
      'package telnet-server is not installed, so its files cannot be verified',
    );
  });

  it('forged: any text in parentheses after a missing file but a file state is why rpm could not stat it', () => {
    expect(parseRpmVerifyLine('missing   c /etc/x (Input/output error)', 'x')).to.deep.equal({
      path: '/etc/x',
      conffile: true,
      problems: ['unreadable'],
    });
    expect(parseRpmVerifyLine('.........    /usr/x (net shared)', 'x')).to.equal(undefined);
    expect(() => parseRpmVerifyLine('S.5.....  c /etc/x', 'x')).to.throw(/unexpected output line/);
  });
});

describe('package integrity (apk-tools 2.14.10, its audit recorded against an apk root of its own)', () => {
  const apk = hostFacts({ packageManager: 'apk' });
  const APK = 'recorded/apk';

  it('reads apk audit --system and --backup: changed files, protected configuration apart, no added ones', () => {
    const frame = recordedFrame(`${APK}/apk-audit-changed.json`);
    expect(frame.stdout.toString('utf8')).to.include('\nA etc/driftspec-added.conf\n');
    expect(parseSystemIntegrity(frame, apk).findings).to.deep.equal([
      { path: '/usr/sbin/driftspec-tool', conffile: false, problems: ['metadata'], package: null },
      { path: '/usr/bin/driftspec-demo', conffile: false, problems: ['checksum'], package: null },
      { path: '/usr/share/doc/driftspec-demo/README', conffile: false, problems: ['missing'], package: null },
      { path: '/etc/driftspec-demo.conf', conffile: true, problems: ['checksum'], package: null },
    ]);
    const results = judgeFrame(
      registry,
      () => {
        packageIntegrity('/etc').verified();
        packageIntegrity('/etc').verified({ conffiles: true });
        packageIntegrity('/usr/bin').verified();
      },
      frame,
      apk,
    );
    expect(statuses(results)).to.deep.equal(['passed', 'failed', 'failed']);
  });

  it('passes a clean root: the D line of a directory not in a package is no finding', () => {
    const clean = recordedFrame(`${APK}/apk-audit-clean.json`);
    expect(clean.stdout.toString('utf8')).to.include('D etc/apk/\n');
    expect(parseSystemIntegrity(clean, apk).findings).to.deep.equal([]);
  });

  it('run without privileges: a file apk cannot read (an e line) is unreadable, and an error for the check', () => {
    const frame = recordedFrame(`${APK}/apk-audit-changed-nobody.json`);
    const unreadable = parseSystemIntegrity(frame, apk).findings.filter((f) => f.problems.includes('unreadable'));
    expect(unreadable.map((f) => f.path)).to.deep.equal(['/usr/sbin/driftspec-tool', '/etc/driftspec-demo.key']);
    const results = judgeFrame(registry, () => packageIntegrity('/usr/sbin').verified(), frame, apk);
    expect(statuses(results)).to.deep.equal(['error']);
  });
});
