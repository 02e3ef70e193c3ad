import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseTargetAddress, TargetAddressError } from '../../../src/targets/address.js';
import { createTarget } from '../../../src/targets/parse.js';
import { nspawnArgv, RootfsError, RootfsTarget } from '../../../src/targets/rootfs.js';

const noSsh = () => {
  throw new Error('a rootfs target must not read SSH settings');
};

describe('rootfs: target', () => {
  it('parses rootfs:/path, normalised and without resolving anything', () => {
    expect(parseTargetAddress('rootfs:/srv/images/web/')).to.deep.equal({ kind: 'rootfs', path: '/srv/images/web' });
    expect(parseTargetAddress('rootfs:/srv//a/../web')).to.deep.equal({ kind: 'rootfs', path: '/srv/web' });
    expect(parseTargetAddress('rootfs:/')).to.deep.equal({ kind: 'rootfs', path: '/' });
  });

  it('refuses a relative or empty path and control characters', () => {
    expect(() => parseTargetAddress('rootfs:images/web')).to.throw(TargetAddressError, /absolute path/);
    expect(() => parseTargetAddress('rootfs:')).to.throw(TargetAddressError, /absolute path/);
    expect(() => parseTargetAddress('rootfs:/srv/a\nb')).to.throw(TargetAddressError, /control character/);
    expect(() => parseTargetAddress('image:/srv')).to.throw(TargetAddressError, /rootfs:\/path/);
  });

  it('is a target that is not booted, named by its root', () => {
    const target = createTarget({ kind: 'rootfs', path: '/srv/images/web' }, noSsh);
    expect(target).to.be.instanceOf(RootfsTarget);
    expect(target.name).to.equal('rootfs:/srv/images/web');
    expect(target.booted).to.equal(false);
  });

  it('runs the probe in systemd-nspawn without boot, network or writes to the image', () => {
    const argv = nspawnArgv('/srv/images/web', 'driftspec-test');
    expect(argv[0]).to.equal('systemd-nspawn');
    expect(argv).to.include.members([
      '--directory=/srv/images/web',
      '--machine=driftspec-test',
      '--as-pid2',
      '--private-network',
      '--volatile=overlay',
      '--register=no',
      '--resolv-conf=off',
      '--timezone=off',
      '--link-journal=no',
      '--pipe',
    ]);
    expect(argv).not.to.include.members(['-b', '--boot']);
    expect(argv.slice(-3)).to.deep.equal(['--', '/bin/sh', '-s']);
    expect(nspawnArgv('/x')).not.to.deep.equal(nspawnArgv('/x'), 'a machine name of its own for every exec');
  });

  it('is a host error, before anything starts, without an image root or with sudo settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-rootfs-'));
    const options = { timeoutMs: 1000 };
    const missing = new RootfsTarget({ kind: 'rootfs', path: join(dir, 'missing') });
    await expectRejection(missing.exec('true', options), /image root .*missing: no such directory/);
    writeFileSync(join(dir, 'file'), '');
    const notDirectory = new RootfsTarget({ kind: 'rootfs', path: join(dir, 'file') });
    await expectRejection(notDirectory.exec('true', options), /is not a directory/);
    const sudo = createTarget({ kind: 'rootfs', path: dir }, noSsh, { user: 'root' });
    await expectRejection(sudo.exec('true', options), /sudo settings do not apply/);
  });
});

async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(RootfsError);
    expect((error as Error).message).to.match(message);
    return;
  }
  expect.fail('expected a RootfsError');
}
