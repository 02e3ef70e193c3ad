import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SERVICES_SCRIPT, serviceInventory } from '../../src/resources/service/inventory.js';
import { hostFacts } from '../support/frames.js';
import { runInProbe } from '../support/probe-run.js';

/**
 * The snapshot's services listing of an image that is not booted, run by the real probe with this
 * machine's systemctl over an image root of the test's own (`--root=/` inside an image's chroot).
 */
describe('the services listing of an image that is not booted', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'driftspec-unit-files-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const list = (imageRoot: string) => {
    const script = SERVICES_SCRIPT.replaceAll('--root=/ ', `--root=${imageRoot} `);
    const frame = runInProbe(`DS_INIT=systemd DS_BOOTED=no\n${script}`);
    const host = hostFacts({ initSystem: 'systemd', booted: false });
    const listing = serviceInventory.listing;
    if (listing.type !== 'framed') throw new Error('the services listing is a framed query');
    return { frame, read: () => listing.read(frame, { host, ignored: () => false }) };
  };

  it('lists each unit file with its state; templates and aliases are no services', () => {
    const units = join(root, 'usr/lib/systemd/system');
    mkdirSync(units, { recursive: true });
    writeFileSync(join(units, 'web.service'), '[Service]\nExecStart=/bin/true\n');
    writeFileSync(join(units, 'each@.service'), '[Service]\nExecStart=/bin/true %i\n');
    symlinkSync('web.service', join(units, 'www.service'));
    expect(list(root).read().items).to.deep.equal([{ name: 'web', enabled: 'static', active: null, sub: null }]);
  });

  it('an image without a service unit file has no services (systemctl exits 1 and says nothing)', () => {
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    const { frame, read } = list(root);
    expect(frame.exitCode).to.equal(0);
    expect(read()).to.deep.equal({ items: [], gaps: [] });
  });

  it('a listing systemctl cannot make is an error in its own words, not an empty list', () => {
    const { frame, read } = list(join(root, 'missing'));
    expect(frame.exitCode).to.equal(4);
    expect(() => read()).to.throw(/listing the services: exited 4: Failed to get unit file list: No such file/);
  });
});
