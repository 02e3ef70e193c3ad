import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { SpecError } from '../../../src/inputs/input-error.js';
import type { Frame } from '../../../src/probe/frames.js';
import type { HostFacts, PackageManager } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  packageGroupScript,
  packageResource,
  packageScript,
  parseApkDatabase,
  parseDpkgQuery,
  parsePackageFrame,
  parsePacmanQuery,
  parseRpmQuery,
  type PackageFact,
} from '../../../src/resources/package/index.js';
import { fixturePath, frame, hostFacts, recordedFrame } from '../../support/frames.js';
import { judgeFrame, parseError, statuses } from '../../support/judge.js';

const registry = createRegistry([packageResource]);
const pkg = resourceFunction(packageResource);
const DPKG_FORMAT =
  String.raw`${'$'}{db:Status-Abbrev}\t${'$'}{binary:Package}\t` + String.raw`${'$'}{Version}\t${'$'}{Architecture}\n`;

const judge = (body: () => void, fact: Frame, host?: HostFacts) => judgeFrame(registry, body, fact, host);

const dpkg = (name: string) => recordedFrame(`recorded/debian12/${name}.json`);
/** The package fragments run in the real probe against private rpm, pacman and apk roots (see each record.mts). */
const rpmRecording = (name: string) => recordedFrame(`recorded/rpm/${name}.json`);
const pacmanRecording = (name: string) => recordedFrame(`recorded/pacman/${name}.json`);
const apkRecording = (name: string) => recordedFrame(`recorded/apk/${name}.json`);

describe('package resource', () => {
  describe('subject', () => {
    for (const [bad, why] of [
      ['', /empty/],
      ['-n', /start with "-"/],
      ['a\nb', /line break/],
      ['a\0b', /NUL/],
    ] as const) {
      it(`refuses ${JSON.stringify(bad)} at plan time`, () => {
        expect(() => planSpecs([{ definition: spec('t', () => pkg(bad).installed()) }], registry)).to.throw(
          SpecError,
          why,
        );
      });
    }

    it('keeps hostile names as one quoted word in every branch of the fragment', () => {
      const script = packageScript("x'$(touch /tmp/owned)`id`");
      expect(script.match(/'x'\\''\$\(touch \/tmp\/owned\)`id`'/g)).to.have.length(3);
    });
  });

  describe('dpkg (recorded on Debian 12)', () => {
    it('reads an installed package with its epoch version and architecture', () => {
      expect(parseDpkgQuery(dpkg('dpkg-query-openssh-server'), 'openssh-server').instances).to.deep.equal([
        {
          name: 'openssh-server',
          version: '1:9.2p1-2+deb12u10',
          architecture: 'amd64',
          state: 'installed',
          presence: 'installed',
        },
      ]);
    });

    it('matches a Multi-Arch: same package printed as name:arch by its plain name', () => {
      const fact = parseDpkgQuery(dpkg('dpkg-query-libc6'), 'libc6');
      expect(fact.instances.map((i) => [i.name, i.architecture])).to.deep.equal([['libc6', 'amd64']]);
    });

    it('filters name:arch subjects by architecture', () => {
      expect(parseDpkgQuery(dpkg('dpkg-query-libc6'), 'libc6:amd64').instances).to.have.length(1);
      expect(parseDpkgQuery(dpkg('dpkg-query-libc6'), 'libc6:i386').instances).to.have.length(0);
    });

    it('takes "no packages found matching" with exit 1 as evidence of absence', () => {
      expect(parseDpkgQuery(dpkg('dpkg-query-no-such-package'), 'no-such-package').instances).to.deep.equal([]);
      expect(parseDpkgQuery(dpkg('dpkg-query-nginx-light-removed'), 'nginx-light').instances).to.deep.equal([]);
    });

    it('reads known-but-not-installed (un) and config-files (rc) entries as absent, keeping the state', () => {
      expect(parseDpkgQuery(dpkg('dpkg-query-known-not-installed'), 'nginx-doc').instances).to.deep.equal([
        { name: 'nginx-doc', version: '', architecture: '', state: 'not-installed', presence: 'absent' },
      ]);
      expect(parseDpkgQuery(dpkg('dpkg-query-nginx-common-removed'), 'nginx-common').instances).to.deep.equal([
        {
          name: 'nginx-common',
          version: '1.22.1-9+deb12u9',
          architecture: 'all',
          state: 'config-files',
          presence: 'absent',
        },
      ]);
    });

    it('keeps only exact names from what dpkg-query globbed', () => {
      const globbed = frame('ii \tlibc-bin\t2.36-9\tamd64\nii \tlibc6:amd64\t2.36-9\tamd64\nun \tlibc6-dev\t\t\n');
      expect(parseDpkgQuery(globbed, 'libc6').instances.map((i) => i.name)).to.deep.equal(['libc6']);
      expect(parseDpkgQuery(globbed, 'libc*').instances).to.deep.equal([]);
    });

    it('marks unpacked, half-configured and reinstall-required packages as transitional', () => {
      const fact = parseDpkgQuery(
        frame('iU \ta\t1\tamd64\niF \ta\t1\ti386\nhi \ta\t1\tarm64\niiR\ta\t1\ts390x\n'),
        'a',
      );
      expect(fact.instances.map((i) => [i.state, i.presence])).to.deep.equal([
        ['unpacked', 'transitional'],
        ['half-configured', 'transitional'],
        ['installed', 'installed'],
        ['installed, reinstall required', 'transitional'],
      ]);
    });

    it('is an error when dpkg-query is missing, fails or prints something else', () => {
      expect(parseError(() => parseDpkgQuery(frame('', 127, 'sh: 1: dpkg-query: not found'), 'a'))).to.match(
        /not found on the target/,
      );
      expect(parseError(() => parseDpkgQuery(frame('', 2, 'dpkg-query: error: cannot access archive'), 'a'))).to.match(
        /exited 2: dpkg-query: error/,
      );
      expect(
        parseError(() => parseDpkgQuery(frame('', 1, 'dpkg-query: error: parsing file /var/lib/dpkg/status'), 'a')),
      ).to.match(/exited 1/);
      expect(parseError(() => parseDpkgQuery(frame('installed openssh-server\n'), 'openssh-server'))).to.match(
        /unexpected output line/,
      );
      expect(parseError(() => parseDpkgQuery(frame('ZZ \ta\t1\tamd64\n'), 'a'))).to.match(/unknown package status/);
      expect(parseError(() => parseDpkgQuery(frame(''), 'a'))).to.match(/listed nothing/);
    });
  });

  describe('one query for several names', () => {
    const several = () => recordedFrame('recorded/local-debian12-nosystemd/dpkg-query-several.json');

    it('dpkg: reads each name from one real dpkg-query answer, missing ones as absent', () => {
      expect(parseDpkgQuery(several(), 'openssh-server').instances.map((i) => i.version)).to.deep.equal([
        '1:9.2p1-2+deb12u10',
      ]);
      expect(parseDpkgQuery(several(), 'libc6').instances.map((i) => i.architecture)).to.deep.equal(['amd64']);
      expect(parseDpkgQuery(several(), 'no-such-package').instances).to.deep.equal([]);
      expect(parseDpkgQuery(several(), 'also-missing').instances).to.deep.equal([]);
    });

    it('dpkg: any complaint other than "no packages found" makes every member an error', () => {
      const broken = frame(
        'ii \ta\t1\tamd64\n',
        1,
        'dpkg-query: no packages found matching b\ndpkg-query: error: parsing file /var/lib/dpkg/status\n',
      );
      expect(parseError(() => parseDpkgQuery(broken, 'a'))).to.match(/exited 1/);
      expect(parseError(() => parseDpkgQuery(broken, 'b'))).to.match(/exited 1/);
    });

    it('rpm: reads each name from one real answer; the exit status must count the names said not installed', () => {
      const several = rpmRecording('rpm-q-several');
      expect(several.exitCode).to.equal(2);
      expect(parseRpmQuery(several, 'driftspec-demo').instances.map((i) => i.version)).to.deep.equal(['1.0-1']);
      expect(parseRpmQuery(several, 'driftspec-epoch').instances).to.have.length(2);
      expect(parseRpmQuery(several, 'telnet-server').instances).to.deep.equal([]);
      expect(parseRpmQuery(several, 'no-such-package').instances).to.deep.equal([]);
      const answer = several.stdout.toString('utf8');
      expect(parseError(() => parseRpmQuery(frame(answer, 1), 'driftspec-demo'))).to.match(/exited 1/);
      expect(parseError(() => parseRpmQuery(frame(answer, 0), 'driftspec-demo'))).to.match(/exited 0/);
    });

    it('pacman: blocks for the found names, "was not found" for the others, from one real answer', () => {
      const several = pacmanRecording('pacman-qi-several');
      expect(several.exitCode).to.equal(1);
      expect(parsePacmanQuery(several, 'driftspec-tool').instances.map((i) => i.version)).to.deep.equal(['5.2.026-2']);
      expect(parsePacmanQuery(several, 'driftspec-demo').instances.map((i) => i.version)).to.deep.equal(['2:1.0-1']);
      expect(parsePacmanQuery(several, 'telnet').instances).to.deep.equal([]);
      expect(parsePacmanQuery(several, 'no-such-package').instances).to.deep.equal([]);
      const forged = frame(several.stdout, 1, `${several.stderr.toString('utf8')}error: could not open file\n`);
      expect(parseError(() => parsePacmanQuery(forged, 'driftspec-tool'))).to.match(/exited 1/);
    });

    it('the real fragment for several names gives each one its own word', () => {
      const script = packageGroupScript(['a', "b'c", 'd']);
      expect(script).to.include(`dpkg-query -W -f='${DPKG_FORMAT}' -- 'a' 'b'\\''c' 'd'`);
      expect(script).to.include("pacman -Qi -- 'a' 'b'\\''c' 'd'");
    });
  });

  describe('rpm 4.18 (recorded against an rpm database of its own)', () => {
    it('reads name, epoch:version-release and architecture', () => {
      expect(parseRpmQuery(rpmRecording('rpm-q-demo'), 'driftspec-demo').instances).to.deep.equal([
        { name: 'driftspec-demo', version: '1.0-1', architecture: 'noarch', state: 'installed', presence: 'installed' },
      ]);
      expect(
        parseRpmQuery(rpmRecording('rpm-q-epoch-multilib'), 'driftspec-epoch').instances.map((i) => i.version),
      ).to.deep.equal(['1:3.0.7-27.ds', '1:3.0.7-27.ds']);
    });

    it('keeps every installed instance (two versions of an install-only package, a multilib pair)', () => {
      expect(
        parseRpmQuery(rpmRecording('rpm-q-kernel-several'), 'driftspec-kernel').instances.map((i) => i.version),
      ).to.deep.equal(['5.14.0-427.13.1.ds', '5.14.0-362.8.1.ds']);
      expect(
        parseRpmQuery(rpmRecording('rpm-q-epoch-multilib'), 'driftspec-epoch').instances.map((i) => i.architecture),
      ).to.deep.equal(['x86_64', 'i686']);
    });

    it('takes "package X is not installed" as evidence of absence', () => {
      expect(parseRpmQuery(rpmRecording('rpm-q-not-installed'), 'telnet-server').instances).to.deep.equal([]);
    });

    it('does not take a NAME-VERSION label match for the exact name', () => {
      const label = rpmRecording('rpm-q-label');
      expect(label.stdout.toString('utf8')).to.match(/^driftspec-tool\t/);
      expect(parseRpmQuery(label, 'driftspec-tool-5.1.8').instances).to.deep.equal([]);
    });

    it('is an error when the database cannot be opened, though rpm also says each name is not installed', () => {
      const broken = rpmRecording('rpm-q-database-error');
      expect(broken.stdout.toString('utf8')).to.include('package driftspec-demo is not installed\n');
      for (const name of ['driftspec-demo', 'telnet-server'])
        expect(parseError(() => parseRpmQuery(broken, name))).to.match(/exited 4: error: sqlite failure/);
    });

    it('is an error for a not-installed message about another name or unexpected lines', () => {
      expect(parseError(() => parseRpmQuery(frame('package other is not installed\n', 1), 'telnet-server'))).to.match(
        /exited 1/,
      );
      expect(parseError(() => parseRpmQuery(frame('telnet-server 1.0\n'), 'telnet-server'))).to.match(
        /unexpected output line/,
      );
    });
  });

  describe('apk (an installed database written by apk-tools 2.14.10)', () => {
    it('reads P:, V: and A: records', () => {
      expect(parseApkDatabase(apkRecording('apk-db-query'), 'driftspec-tool').instances).to.deep.equal([
        {
          name: 'driftspec-tool',
          version: '9.6_p1-r0',
          architecture: 'x86_64',
          state: 'installed',
          presence: 'installed',
        },
      ]);
      expect(parseApkDatabase(apkRecording('apk-db-query'), 'telnet').instances).to.deep.equal([]);
    });

    it('matches names exactly (driftspec-tool is not driftspec-tool-common or driftspec)', () => {
      expect(parseApkDatabase(apkRecording('apk-db-query'), 'driftspec').instances).to.deep.equal([]);
      expect(parseApkDatabase(apkRecording('apk-db-query'), 'driftspec-tool-common').instances).to.have.length(1);
    });

    it('is an error without a database or when it cannot be read', () => {
      expect(parseError(() => parseApkDatabase(apkRecording('apk-db-missing'), 'musl'))).to.match(
        /exited 3: driftspec: no apk installed database/,
      );
      expect(parseError(() => parseApkDatabase(apkRecording('apk-db-unreadable'), 'musl'))).to.match(
        /exited 2: grep: .*Permission denied/,
      );
      expect(parseError(() => parseApkDatabase(frame('P:musl\n\n'), 'musl'))).to.match(/without P: or V:/);
    });
  });

  describe('pacman 6.0.2 (recorded against a pacman database of its own)', () => {
    it('reads Name, Version and Architecture from -Qi, an epoch kept in the version', () => {
      expect(parsePacmanQuery(pacmanRecording('pacman-qi-tool'), 'driftspec-tool').instances).to.deep.equal([
        {
          name: 'driftspec-tool',
          version: '5.2.026-2',
          architecture: 'x86_64',
          state: 'installed',
          presence: 'installed',
        },
      ]);
      expect(parsePacmanQuery(pacmanRecording('pacman-qi-demo'), 'driftspec-demo').instances).to.deep.equal([
        { name: 'driftspec-demo', version: '2:1.0-1', architecture: 'any', state: 'installed', presence: 'installed' },
      ]);
    });

    it('takes "package was not found" as evidence of absence', () => {
      expect(parsePacmanQuery(pacmanRecording('pacman-qi-not-found'), 'telnet').instances).to.deep.equal([]);
    });

    it('does not take the package that provides the name for the name itself', () => {
      const provider = pacmanRecording('pacman-qi-provider');
      expect(provider.stdout.toString('utf8')).to.match(/^Name {12}: driftspec-demo\n/);
      expect(parsePacmanQuery(provider, 'driftspec-sh').instances).to.deep.equal([]);
    });

    it('is an error when pacman cannot open its database (unreadable, or no such folder)', () => {
      for (const name of ['pacman-qi-unreadable', 'pacman-qi-no-database'])
        expect(parseError(() => parsePacmanQuery(pacmanRecording(name), 'telnet'))).to.match(
          /exited 255: error: failed to initialize alpm library/,
        );
    });
  });

  it('is an error on a host without a supported package manager', () => {
    expect(parseError(() => parsePackageFrame(frame('', 3), 'none', 'a'))).to.match(/no supported package manager/);
  });

  describe('matchers', () => {
    it('installed() and its negation on an installed and an absent package', () => {
      expect(
        statuses(judge(() => pkg('openssh-server').installed().not.installed(), dpkg('dpkg-query-openssh-server'))),
      ).to.deep.equal(['passed', 'failed']);
      const absent = judge(
        () => pkg('no-such-package').installed().not.installed(),
        dpkg('dpkg-query-no-such-package'),
      );
      expect(statuses(absent)).to.deep.equal(['failed', 'passed']);
      expect(absent[0]!.message).to.match(/dpkg has no package named no-such-package/);
    });

    it('reports the dpkg state of a removed package', () => {
      const [result] = judge(() => pkg('nginx-common').installed(), dpkg('dpkg-query-nginx-common-removed'));
      expect(result!.message).to.include('it is not installed (config-files at 1.22.1-9+deb12u9 (all))');
    });

    it('installed({ version }) compares with the manager ordering (epochs count)', () => {
      const results = judge(() => {
        pkg('openssh-server').installed({ version: '>= 1:9.2' });
        pkg('openssh-server').installed({ version: '>= 9.3' }); // passes: the epoch 1 outranks any epoch 0
        pkg('openssh-server').installed({ version: '>= 1:9.3' });
        pkg('openssh-server').not.installed({ version: '< 1:9.2p1-2+deb12u10' });
        pkg('openssh-server').installed({ version: '= 1:9.2p1-2+deb12u10' });
      }, dpkg('dpkg-query-openssh-server'));
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'failed', 'passed', 'passed']);
      expect(results[2]!.message).to.match(
        /be installed with version >= 1:9.3, but it is installed at 1:9.2p1-2\+deb12u10 \(amd64\)/,
      );
    });

    it('uses rpm ordering on an rpm host', () => {
      const host = hostFacts({ packageManager: 'rpm' });
      const results = judge(
        () => {
          pkg('driftspec-epoch').installed({ version: '>= 1:3.0.7-1' });
          pkg('driftspec-epoch').installed({ version: '< 3.1' });
        },
        rpmRecording('rpm-q-epoch-multilib'),
        host,
      );
      expect(statuses(results)).to.deep.equal(['passed', 'failed']);
    });

    it('uses pacman and apk ordering on the versions those tools printed', () => {
      const pacman = judge(
        () => {
          pkg('driftspec-demo').installed({ version: '>= 2:0.9' });
          pkg('driftspec-demo').installed({ version: '< 3.0' }); // the epoch 2 outranks any epoch 0
        },
        pacmanRecording('pacman-qi-demo'),
        hostFacts({ packageManager: 'pacman' }),
      );
      expect(statuses(pacman)).to.deep.equal(['passed', 'failed']);
      const apk = judge(
        () => {
          pkg('driftspec-tool').installed({ version: '> 9.6-r0' }); // _p1 is a patch level after 9.6
          pkg('driftspec-tool').installed({ version: '< 9.6_p1-r1' });
          pkg('driftspec-tool').installed({ version: '> 9.6_p1-r1' });
        },
        apkRecording('apk-db-query'),
        hostFacts({ packageManager: 'apk' }),
      );
      expect(statuses(apk)).to.deep.equal(['passed', 'passed', 'failed']);
    });

    it('passes a version constraint when any installed instance satisfies it', () => {
      const host = hostFacts({ packageManager: 'rpm' });
      const results = judge(
        () => {
          pkg('driftspec-kernel').installed({ version: '>= 5.14.0-400' });
          pkg('driftspec-kernel').not.installed({ version: '< 5.14.0-300' });
          pkg('driftspec-kernel').version('5.14.0-427.13.1.ds');
          pkg('driftspec-kernel').version({ contains: ['5.14.0-362.8.1.ds', '5.14.0-427.13.1.ds'] });
        },
        rpmRecording('rpm-q-kernel-several'),
        host,
      );
      // Two versions are a list: a plain value asks whether some instance has it, `contains` wants all.
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'passed']);
    });

    it('rejects a malformed constraint at plan time with the parser message', () => {
      expect(() =>
        planSpecs([{ definition: spec('t', () => pkg('a').installed({ version: '>=' })) }], registry),
      ).to.throw(SpecError, /package\.installed options: version: Invalid version constraint ">="/);
      expect(() =>
        planSpecs([{ definition: spec('t', () => pkg('a').installed({ version: '~> 1.2' })) }], registry),
      ).to.throw(SpecError, /unknown operator "~>"/);
      expect(() =>
        planSpecs(
          [{ definition: spec('t', () => pkg('a').installed({ version: '1.0', extra: 1 } as never)) }],
          registry,
        ),
      ).to.throw(SpecError);
    });

    it('is an error when the installed version does not parse in the manager format', () => {
      const [result] = judge(() => pkg('a').installed({ version: '>= 1.0' }), frame('ii \ta\tnot-a-version!\tamd64\n'));
      expect(result!.status).to.equal('error');
    });

    it('version and architecture attributes, and why they cannot be read for an absent package', () => {
      const results = judge(() => {
        pkg('openssh-server').version('1:9.2p1-2+deb12u10').architecture('amd64').version({ matches: '^1:9\\.' });
      }, dpkg('dpkg-query-openssh-server'));
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed']);
      const absent = judge(() => pkg('nginx-common').not.version('9'), dpkg('dpkg-query-nginx-common-removed'));
      expect(absent[0]!.status).to.equal('failed');
      expect(absent[0]!.message).to.match(/config-files/);
    });

    it('multi-arch: installed when any architecture is, every distinct version and architecture reported', () => {
      const both = frame('ii \tlibc6:amd64\t2.36-9\tamd64\nii \tlibc6:i386\t2.36-9\ti386\n');
      const results = judge(() => {
        pkg('libc6')
          .installed()
          .version('2.36-9')
          .architecture({ contains: ['amd64', 'i386'] });
        pkg('libc6:i386').installed().architecture('i386');
      }, both);
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'passed', 'passed']);
      const mixed = frame('ii \tlibc6:amd64\t2.36-9\tamd64\nrc \tlibc6:i386\t2.35-1\ti386\n');
      expect(
        statuses(judge(() => pkg('libc6').installed().version('2.36-9').architecture('amd64'), mixed)),
      ).to.deep.equal(['passed', 'passed', 'passed']);
    });

    it('a half-installed package is an error both ways, never "not installed"', () => {
      const half = frame('iF \ttelnetd\t0.17-44\tamd64\n');
      const results = judge(() => pkg('telnetd').installed().not.installed().version('0.17-44'), half);
      expect(statuses(results)).to.deep.equal(['error', 'error', 'failed']);
      expect(results[1]!.message).to.match(/half-configured.*neither installed nor absent/);
    });

    it('a tool failure is an error for the negated check too', () => {
      expect(
        statuses(judge(() => pkg('telnetd').not.installed(), frame('', 127, 'sh: dpkg-query: not found'))),
      ).to.deep.equal(['error']);
      expect(
        statuses(judge(() => pkg('telnetd').not.installed(), frame('', 3), hostFacts({ packageManager: 'none' }))),
      ).to.deep.equal(['error']);
    });
  });

  describe('the real fragment, replayed with recorded outputs under each shell', () => {
    const shells = ['dash', 'bash', 'busybox sh'].filter((s) => {
      const [command, ...flags] = s.split(' ');
      return spawnSync(command!, [...flags, '-c', 'true']).status === 0;
    });

    for (const shell of shells) {
      it(`rpm and pacman branches under ${shell}`, () => {
        const rpmFact = replay(shell, 'rpm', 'driftspec-epoch', { rpm: 'recorded/rpm/rpm-q-epoch-multilib.json' });
        expect(rpmFact.instances[0]!.version).to.equal('1:3.0.7-27.ds');
        const pacmanFact = replay(shell, 'pacman', 'telnet', { pacman: 'recorded/pacman/pacman-qi-not-found.json' });
        expect(pacmanFact.instances).to.deep.equal([]);
      });

      it(`apk branch without a database under ${shell} is an error`, function () {
        if (existsSync('/lib/apk/db/installed') || existsSync('/usr/lib/apk/db/installed')) this.skip();
        expect(parseError(() => replay(shell, 'apk', 'musl', {}))).to.match(/no apk installed database/);
      });

      it(`none branch under ${shell} is an error`, () => {
        expect(parseError(() => replay(shell, 'none', 'a', {}))).to.match(/no supported package manager/);
      });
    }

    it('passes the name after -- and the format the recordings were made with', () => {
      const recorded = JSON.parse(
        readFileSync(fixturePath('recorded/debian12/dpkg-query-openssh-server.json'), 'utf8'),
      ) as { command: string };
      expect(recorded.command).to.equal(`dpkg-query -W -f='${DPKG_FORMAT}' -- openssh-server`);
      expect(packageScript('openssh-server')).to.include(`dpkg-query -W -f='${DPKG_FORMAT}' -- 'openssh-server'`);
    });
  });
});

/** Runs the package fragment with stub tools that print a recording, then parses its frame. */
function replay(shell: string, manager: PackageManager, name: string, stubs: Record<string, string>): PackageFact {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-package-'));
  try {
    for (const [tool, recordingPath] of Object.entries(stubs)) {
      const recording = JSON.parse(readFileSync(fixturePath(recordingPath), 'utf8')) as {
        stdout: string;
        stderr: string;
        exitCode: number;
      };
      writeFileSync(join(dir, `${tool}.out`), recording.stdout);
      writeFileSync(join(dir, `${tool}.err`), recording.stderr);
      writeFileSync(
        join(dir, tool),
        `#!/bin/sh\ncat '${dir}/${tool}.out'\ncat '${dir}/${tool}.err' >&2\nexit ${recording.exitCode}\n`,
      );
      chmodSync(join(dir, tool), 0o755);
    }
    const [command, ...flags] = shell.split(' ');
    const body =
      `LC_ALL=C; export LC_ALL; PATH='${dir}':$PATH; DS_PKG=${manager}\n` + `(\n${packageScript(name)}\n) </dev/null`;
    const run = spawnSync(command!, [...flags, '-c', body]);
    const result: Frame = { id: 'q1', exitCode: run.status ?? 255, stdout: run.stdout, stderr: run.stderr };
    return parsePackageFrame(result, manager, name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
