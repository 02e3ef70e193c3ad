import { expect } from 'chai';
import {
  imageTargetName,
  looksLikeTarget,
  parseTargetAddress,
  TargetAddressError,
  type ImageAddress,
} from '../../../src/targets/address.js';

describe('image target addresses (oci:, docker-archive:, disk:)', () => {
  it('parses an archive path and the image reference after its first colon', () => {
    expect(parseTargetAddress('oci:/srv/images/web/')).to.deep.equal({ kind: 'oci', path: '/srv/images/web' });
    expect(parseTargetAddress('oci:/srv/web.tar:1.4')).to.deep.equal({
      kind: 'oci',
      path: '/srv/web.tar',
      reference: '1.4',
    });
    expect(parseTargetAddress('docker-archive:/srv/all.tar:web:1.4')).to.deep.equal({
      kind: 'docker-archive',
      path: '/srv/all.tar',
      reference: 'web:1.4',
    });
    expect(parseTargetAddress('disk:/srv/a/../disk.raw')).to.deep.equal({ kind: 'disk', path: '/srv/disk.raw' });
  });

  it('refuses a relative path, an empty reference and control characters, naming the form', () => {
    expect(() => parseTargetAddress('oci:images/web')).to.throw(TargetAddressError, /absolute path.*oci:\//);
    expect(() => parseTargetAddress('docker-archive:/srv/web.tar:')).to.throw(TargetAddressError, /reference.*empty/);
    expect(() => parseTargetAddress('docker-archive:/srv/web.tar:web\n')).to.throw(TargetAddressError, /control/);
    expect(() => parseTargetAddress('disk:')).to.throw(TargetAddressError, /absolute path.*disk:\//);
    expect(() => parseTargetAddress('tarball:/srv/x')).to.throw(TargetAddressError, /docker-archive:/);
  });

  it('names an image target as written, normalised', () => {
    const addresses: ImageAddress[] = [
      { kind: 'rootfs', path: '/srv/web' },
      { kind: 'oci', path: '/srv/web', reference: 'v2' },
      { kind: 'docker-archive', path: '/srv/web.tar' },
      { kind: 'disk', path: '/srv/disk.raw' },
    ];
    expect(addresses.map(imageTargetName)).to.deep.equal([
      'rootfs:/srv/web',
      'oci:/srv/web:v2',
      'docker-archive:/srv/web.tar',
      'disk:/srv/disk.raw',
    ]);
  });

  it('tells a target from a snapshot file name', () => {
    for (const text of ['local', 'ssh://h', 'rootfs:/r', 'oci:/o', 'docker-archive:/d.tar', 'disk:/d.raw'])
      expect(looksLikeTarget(text), text).to.equal(true);
    for (const text of ['snapshot.json', './oci.json', '/srv/disk.raw'])
      expect(looksLikeTarget(text), text).to.equal(false);
  });
});
