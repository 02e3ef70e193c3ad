import { expect } from 'chai';
import { describeValueMatcher, matchValue, ValueMatcherSchema } from '../../src/matchers/value.js';

describe('value matchers', () => {
  it('compares numbers as numbers, text as text', () => {
    expect(matchValue('0', 0)).to.equal(true);
    expect(matchValue(' 1\n', 1)).to.equal(true);
    expect(matchValue('01', 1)).to.equal(true);
    expect(matchValue('abc', 0)).to.equal(false);
    expect(matchValue('1.0', '1')).to.equal(false);
    expect(matchValue(true, true)).to.equal(true);
  });

  it('orders numbers with gt, ge, lt, le and refuses non-numbers', () => {
    expect(matchValue('5', { gt: 4 })).to.equal(true);
    expect(matchValue(4, { ge: 4 })).to.equal(true);
    expect(matchValue(4, { lt: 4 })).to.equal(false);
    expect(matchValue('x', { le: 4 })).to.equal(false);
  });

  it('matches regular expressions with flags', () => {
    expect(matchValue('a\nPermitRootLogin no\n', { matches: '^PermitRootLogin no$', flags: 'm' })).to.equal(true);
    expect(matchValue('a\nPermitRootLogin no\n', { matches: '^PermitRootLogin no$' })).to.equal(false);
  });

  it('reads contains as substrings of text and elements of lists', () => {
    expect(matchValue('hello world', { contains: 'lo w' })).to.equal(true);
    expect(matchValue(['nodev', 'nosuid', 'rw'], { contains: ['nodev', 'nosuid'] })).to.equal(true);
    expect(matchValue(['nodev', 'rw'], { contains: ['nodev', 'nosuid'] })).to.equal(false);
    expect(matchValue(['ansible-lint'], { contains: 'ansible' })).to.equal(false);
  });

  it('asks of a list whether some element matches a plain value, so negation means none does', () => {
    expect(matchValue(['root', 'docker'], 'docker')).to.equal(true);
    expect(matchValue(['root', 'docker'], { not: 'docker' })).to.equal(false);
    expect(matchValue(['root'], { not: 'docker' })).to.equal(true);
    expect(matchValue(['1', '70'], { gt: 50 })).to.equal(true);
    expect(matchValue(['tcp4 0.0.0.0'], { matches: '^tcp4 ' })).to.equal(true);
  });

  it('combines with not, allOf, anyOf and oneOf', () => {
    expect(matchValue(3, { not: { gt: 5 } })).to.equal(true);
    expect(matchValue(3, { allOf: [{ gt: 1 }, { lt: 5 }] })).to.equal(true);
    expect(matchValue(9, { anyOf: [{ lt: 1 }, { gt: 5 }] })).to.equal(true);
    expect(matchValue('b', { oneOf: ['a', 'b'] })).to.equal(true);
  });

  it('describes what is expected in words', () => {
    expect(describeValueMatcher({ allOf: [{ ge: 1 }, { not: { matches: 'x', flags: 'i' } }] })).to.equal(
      'at least 1 and not matching /x/i',
    );
  });

  it('rejects a bad regular expression and unknown keys', () => {
    expect(ValueMatcherSchema.safeParse({ matches: '(' }).success).to.equal(false);
    expect(ValueMatcherSchema.safeParse({ matches: 'a', flags: 'g' }).success).to.equal(false);
    expect(ValueMatcherSchema.safeParse({ greater: 1 }).success).to.equal(false);
    expect(ValueMatcherSchema.safeParse({ not: { lt: 2 } }).success).to.equal(true);
  });
});
