import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { PackageManager } from '../../../src/probe/host.js';
import { packageGroupScript, parsePackageFrame, parseSystemIntegrity } from '../../../src/resources/package/index.js';
import { packageInventory, PACKAGES_SCRIPT, type SnapshotPackage } from '../../../src/resources/package/inventory.js';
import { SYSTEM_INTEGRITY_SCRIPT } from '../../../src/resources/package/integrity-query.js';
import { isRoot, requireInCi } from '../../support/environment.js';
import { hostFacts } from '../../support/frames.js';
import { runWithManager, writeShim } from '../../support/tool-shim.js';

/**
 * The package fragments run in the real probe against the real rpm and pacman, each pointed at a
 * private root by a shim (test/support/tool-shim.ts), with a package built here. The recordings
 * under test/fixtures/recorded/{rpm,pacman} hold more cases; this proves the fragments and parsers
 * still agree with the tools installed now.
 */
function sh(script: string, env: Record<string, string>): void {
  const run = spawnSync('sh', ['-c', script], { env: { ...process.env, LC_ALL: 'C', ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stdout}${run.stderr}`);
}

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

function listing(manager: PackageManager, shims: string): SnapshotPackage[] {
  const read = packageInventory.listing;
  if (read.type !== 'framed') throw new Error('framed listing expected');
  const frame = runWithManager(PACKAGES_SCRIPT, manager, shims);
  const { items } = read.read(frame, { host: hostFacts({ packageManager: manager }), ignored: () => false });
  return packageInventory.collection.store(items) as SnapshotPackage[];
}

const RPM_SPEC = String.raw`Name: driftspec-probe
Epoch: 3
Version: 2.0
Release: 5
Summary: a package for the fragment test
License: MIT
BuildArch: noarch
%description
a package for the fragment test
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/driftspec-private
printf '#!/bin/sh\n' > %{buildroot}/usr/bin/driftspec-probe
printf 'a=1\n' > %{buildroot}/etc/driftspec-probe.conf
printf 'b=1\n' > %{buildroot}/etc/driftspec-private/secret.conf
%files
%attr(0755,root,root) /usr/bin/driftspec-probe
%config /etc/driftspec-probe.conf
%dir %attr(0700,root,root) /etc/driftspec-private
%config /etc/driftspec-private/secret.conf
`;

describe('package fragments on the real rpm and pacman, against private roots', function () {
  this.timeout(60_000);
  let work = '';

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-package-managers-'));
    chmodSync(work, 0o755);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  describe('rpm', () => {
    const shims = () => join(work, 'rpm-shims');

    before(function () {
      if (!isRoot() || !has('rpm') || !has('rpmbuild')) return requireInCi(this, 'root, rpm and rpmbuild');
      const env = { ROOT: join(work, 'rpm-root'), TOP: join(work, 'rpm-top'), SPEC: join(work, 'probe.spec') };
      writeFileSync(env.SPEC, RPM_SPEC);
      sh('rpmbuild --quiet --define "_topdir $TOP" -bb "$SPEC"', env);
      sh('mkdir -p "$ROOT" && rpm --root "$ROOT" --dbpath /var/lib/rpm --initdb', env);
      sh('rpm --root "$ROOT" --dbpath /var/lib/rpm -i --nodeps --noscripts "$TOP"/RPMS/noarch/*.rpm', env);
      writeShim(shims(), 'rpm', '/usr/bin/rpm', ['--root', env.ROOT, '--dbpath', '/var/lib/rpm']);
      sh('printf "a=2\\n" > "$ROOT/etc/driftspec-probe.conf"', env);
    });

    it('package query: an installed package with its epoch, an absent one and a label, in one rpm -q', () => {
      const names = ['driftspec-probe', 'telnet-server', 'driftspec-probe-2.0'];
      const frame = runWithManager(packageGroupScript(names), 'rpm', shims());
      // The label names driftspec-probe too: rpm prints its line twice, still one instance.
      expect(frame.stdout.toString('utf8').match(/^driftspec-probe\t/gm)).to.have.length(2);
      expect(parsePackageFrame(frame, 'rpm', 'driftspec-probe').instances).to.deep.equal([
        {
          name: 'driftspec-probe',
          version: '3:2.0-5',
          architecture: 'noarch',
          state: 'installed',
          presence: 'installed',
        },
      ]);
      expect(parsePackageFrame(frame, 'rpm', 'telnet-server').instances).to.deep.equal([]);
      expect(parsePackageFrame(frame, 'rpm', 'driftspec-probe-2.0').instances).to.deep.equal([]);
    });

    it('snapshot listing: rpm -qa', () => {
      expect(listing('rpm', shims()).map((p) => [p.name, p.version])).to.deep.equal([['driftspec-probe', '3:2.0-5']]);
    });

    it('integrity: a changed %config file as root; as nobody, a file rpm cannot stat, named with its package', () => {
      const asRoot = parseSystemIntegrity(runWithManager(SYSTEM_INTEGRITY_SCRIPT, 'rpm', shims()), {
        packageManager: 'rpm',
      });
      expect(asRoot.findings).to.deep.equal([
        { path: '/etc/driftspec-probe.conf', conffile: true, problems: ['checksum'], package: 'driftspec-probe' },
      ]);
      const frame = runWithManager(SYSTEM_INTEGRITY_SCRIPT, 'rpm', shims(), 'nobody');
      const secret = parseSystemIntegrity(frame, { packageManager: 'rpm' }).findings.find(
        (f) => f.path === '/etc/driftspec-private/secret.conf',
      );
      expect(secret).to.deep.equal({
        path: '/etc/driftspec-private/secret.conf',
        conffile: true,
        problems: ['unreadable'],
        package: 'driftspec-probe',
      });
    });
  });

  describe('pacman', () => {
    const shims = () => join(work, 'pacman-shims');

    before(function () {
      if (!isRoot() || !has('pacman')) return requireInCi(this, 'root and pacman (pacman-package-manager)');
      const env = { ROOT: join(work, 'pacman-root'), PKG: join(work, 'pacman-pkg') };
      mkdirSync(join(env.PKG, 'usr/bin'), { recursive: true });
      writeFileSync(join(env.PKG, 'usr/bin/driftspec-probe'), '#!/bin/sh\n', { mode: 0o755 });
      // A package as makepkg lays it out: .PKGINFO beside the files (test/fixtures/recorded/pacman uses makepkg).
      const info = ['pkgname = driftspec-probe', 'pkgver = 1:2.0-3', 'pkgdesc = a package for the fragment test'];
      info.push('builddate = 1700000000', 'size = 10', 'arch = x86_64', 'provides = driftspec-sh');
      writeFileSync(join(env.PKG, '.PKGINFO'), `${info.join('\n')}\n`);
      sh('cd "$PKG" && tar -czf ../driftspec-probe-1:2.0-3-x86_64.pkg.tar.gz .PKGINFO usr', env);
      const dbpath = `${env.ROOT}/var/lib/pacman/`;
      sh(`mkdir -p "${dbpath}"`, env);
      sh(`pacman --root "$ROOT" --dbpath "${dbpath}" -U --noconfirm --nodeps "$PKG"/../*.pkg.tar.gz`, env);
      writeShim(shims(), 'pacman', '/usr/bin/pacman', ['--root', env.ROOT, '--dbpath', dbpath]);
    });

    it('package query: installed, absent and a provided name in one pacman -Qi (its block twice, one instance)', () => {
      const frame = runWithManager(
        packageGroupScript(['driftspec-probe', 'telnet', 'driftspec-sh']),
        'pacman',
        shims(),
      );
      expect(parsePackageFrame(frame, 'pacman', 'driftspec-probe').instances).to.deep.equal([
        {
          name: 'driftspec-probe',
          version: '1:2.0-3',
          architecture: 'x86_64',
          state: 'installed',
          presence: 'installed',
        },
      ]);
      expect(parsePackageFrame(frame, 'pacman', 'telnet').instances).to.deep.equal([]);
    });

    it('package query: a name only provided by another package is not that package', () => {
      const frame = runWithManager(packageGroupScript(['driftspec-sh']), 'pacman', shims());
      expect(frame.stdout.toString('utf8')).to.match(/^Name {12}: driftspec-probe$/m);
      expect(parsePackageFrame(frame, 'pacman', 'driftspec-sh').instances).to.deep.equal([]);
    });

    it('snapshot listing: pacman -Qi', () => {
      expect(listing('pacman', shims()).map((p) => [p.name, p.version, p.architecture])).to.deep.equal([
        ['driftspec-probe', '1:2.0-3', 'x86_64'],
      ]);
    });
  });
});
