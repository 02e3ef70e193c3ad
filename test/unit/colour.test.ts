import { expect } from 'chai';
import { shouldUseColor } from '../../src/text/paint.js';

const terminal = { isTTY: true };
const pipe = { isTTY: false };

describe('colour: FORCE_COLOR, NO_COLOR, TERM and the terminal', () => {
  it('colours a terminal and not a pipe when nothing is set', () => {
    expect(shouldUseColor(terminal, {})).to.equal(true);
    expect(shouldUseColor(pipe, {})).to.equal(false);
    expect(shouldUseColor({}, {})).to.equal(false);
  });

  for (const value of ['1', '2', '3', 'true', '', ' 1 ']) {
    it(`FORCE_COLOR=${JSON.stringify(value)} colours a pipe, over NO_COLOR and TERM=dumb`, () => {
      expect(shouldUseColor(pipe, { FORCE_COLOR: value })).to.equal(true);
      expect(shouldUseColor(pipe, { FORCE_COLOR: value, NO_COLOR: '1', TERM: 'dumb' })).to.equal(true);
    });
  }

  for (const value of ['0', 'false', 'no', '4']) {
    it(`FORCE_COLOR=${JSON.stringify(value)} turns colour off, even on a terminal`, () => {
      expect(shouldUseColor(terminal, { FORCE_COLOR: value })).to.equal(false);
    });
  }

  it('a non-empty NO_COLOR turns colour off on a terminal; an empty one does not (no-color.org)', () => {
    expect(shouldUseColor(terminal, { NO_COLOR: '1' })).to.equal(false);
    expect(shouldUseColor(terminal, { NO_COLOR: '0' })).to.equal(false);
    expect(shouldUseColor(terminal, { NO_COLOR: '' })).to.equal(true);
  });

  it('TERM=dumb turns colour off on a terminal', () => {
    expect(shouldUseColor(terminal, { TERM: 'dumb' })).to.equal(false);
  });
});
