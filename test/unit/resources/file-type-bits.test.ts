import { expect } from 'chai';
import { TYPE_BY_FORMAT_BITS } from '../../../src/resources/file/meta.js';

describe('file types from the mode stat prints in hex (%f)', () => {
  it('reads the S_IFMT bits of real modes', () => {
    const typeOf = (hex: string) => TYPE_BY_FORMAT_BITS.get(parseInt(hex, 16) & 0o170000);
    expect(typeOf('81a4')).to.equal('file'); // -rw-r--r--
    expect(typeOf('41ed')).to.equal('directory'); // drwxr-xr-x
    expect(typeOf('a1ff')).to.equal('symlink'); // lrwxrwxrwx
    expect(typeOf('c1ed')).to.equal('socket');
    expect(typeOf('61b0')).to.equal('block_device');
    expect(typeOf('21b6')).to.equal('char_device'); // /dev/null
    expect(typeOf('11a4')).to.equal('pipe');
  });
});
