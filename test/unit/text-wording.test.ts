import { expect } from 'chai';
import { abbreviatedList } from '../../src/text/abbreviated-list.js';
import { flatText } from '../../src/text/flat-text.js';
import { painter } from '../../src/text/paint.js';
import { plural } from '../../src/text/plural.js';

describe('report wording', () => {
  it('adds an s to the noun unless the count is one', () => {
    expect(plural(0, 'check')).to.equal('0 checks');
    expect(plural(1, 'check')).to.equal('1 check');
    expect(plural(2, 'failed high control')).to.equal('2 failed high controls');
  });

  it('lists five items and counts the rest', () => {
    expect(abbreviatedList([])).to.equal('');
    expect(abbreviatedList(['a', 'b', 'c', 'd', 'e'])).to.equal('a, b, c, d, e');
    expect(abbreviatedList(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).to.equal('a, b, c, d, e and 2 more');
    expect(abbreviatedList(['a', 'b', 'c'], 2)).to.equal('a, b and 1 more');
  });

  it('paints with ANSI codes only when colour is enabled', () => {
    expect(painter(true).red('x')).to.equal('\u001b[31mx\u001b[0m');
    expect(painter(true).dim('x')).to.equal('\u001b[2mx\u001b[0m');
    expect(painter(false).red('x')).to.equal('x');
    expect(painter(false).bold('x')).to.equal('x');
  });

  it('flattens a text without changing a code unit of it', () => {
    const lone = '\ud800';
    for (const text of ['', 'h1: host unreachable', `${'a'.repeat(40)}: ${lone} é ✓ "q" \\ \n`]) {
      expect(flatText(text)).to.equal(text);
      expect(flatText(text).length).to.equal(text.length);
    }
  });
});
