import { expect } from 'chai';
import type { Frame } from '../../../src/probe/frames.js';
import type { PackageManager } from '../../../src/probe/host.js';
import { packageInventory, type SnapshotPackage } from '../../../src/resources/package/inventory.js';
import { frame, hostFacts, recordedFrame } from '../../support/frames.js';
import { parseError } from '../../support/judge.js';

function listPackages(recording: Frame, manager: PackageManager): SnapshotPackage[] {
  const listing = packageInventory.listing;
  if (listing.type !== 'framed') throw new Error('framed listing expected');
  const { items } = listing.read(recording, { host: hostFacts({ packageManager: manager }), ignored: () => false });
  return packageInventory.collection.store(items) as SnapshotPackage[];
}

const brief = (p: SnapshotPackage) => [p.name, p.version, p.architecture];

describe('package listing for a snapshot, on the real tools (PACKAGES_SCRIPT recorded against private roots)', () => {
  it('rpm -qa: both instances of a multilib pair and of an install-only package (sorted by version)', () => {
    const packages = listPackages(recordedFrame('recorded/rpm/rpm-qa-listing.json'), 'rpm');
    expect(packages.map(brief)).to.deep.equal([
      ['driftspec-demo', '1.0-1', 'noarch'],
      ['driftspec-epoch', '1:3.0.7-27.ds', 'i686'],
      ['driftspec-epoch', '1:3.0.7-27.ds', 'x86_64'],
      ['driftspec-kernel', '5.14.0-362.8.1.ds', 'x86_64'],
      ['driftspec-kernel', '5.14.0-427.13.1.ds', 'x86_64'],
      ['driftspec-overlay', '1.0-1', 'noarch'],
      ['driftspec-tool', '5.1.8-9.ds', 'x86_64'],
    ]);
    expect(new Set(packages.map((p) => `${p.manager} ${p.state}`))).to.deep.equal(new Set(['rpm installed']));
  });

  it('pacman -Qi: every package with its architecture (any for an architecture-independent one)', () => {
    expect(listPackages(recordedFrame('recorded/pacman/pacman-qi-listing.json'), 'pacman').map(brief)).to.deep.equal([
      ['driftspec-demo', '2:1.0-1', 'any'],
      ['driftspec-tool', '5.2.026-2', 'x86_64'],
    ]);
  });

  it("apk: the records of apk-tools' installed database", () => {
    expect(listPackages(recordedFrame('recorded/apk/apk-db-listing.json'), 'apk').map(brief)).to.deep.equal([
      ['driftspec-demo', '1.0-r1', 'noarch'],
      ['driftspec-tool', '9.6_p1-r0', 'x86_64'],
      ['driftspec-tool-common', '9.6_p1-r0', 'x86_64'],
    ]);
  });

  it('is an error, never an empty list, when the database cannot be read or the output is not a listing', () => {
    const read = (f: Frame, manager: PackageManager) => parseError(() => listPackages(f, manager));
    expect(read(recordedFrame('recorded/apk/apk-db-unreadable.json'), 'apk')).to.match(/Permission denied/);
    expect(read(recordedFrame('recorded/apk/apk-db-missing.json'), 'apk')).to.match(/no apk installed database/);
    expect(read(recordedFrame('recorded/pacman/pacman-qi-no-database.json'), 'pacman')).to.match(/alpm/);
    expect(read(recordedFrame('recorded/rpm/rpm-q-database-error.json'), 'rpm')).to.match(/sqlite failure/);
    expect(read(frame(''), 'rpm')).to.match(/listed no package at all/);
    expect(read(frame('Name : x\n'), 'pacman')).to.match(/unexpected output/);
  });
});
