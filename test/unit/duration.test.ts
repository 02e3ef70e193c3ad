import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../src/plan/duration.js';

describe('durations', () => {
  it('reads a number with a unit, and sums of them', () => {
    expect(parseDuration('500ms')).to.equal(500);
    expect(parseDuration('90s')).to.equal(90_000);
    expect(parseDuration('1.5s')).to.equal(1500);
    expect(parseDuration('5m')).to.equal(300_000);
    expect(parseDuration('1h')).to.equal(3_600_000);
    expect(parseDuration('1m30s')).to.equal(90_000);
    expect(parseDuration(' 2s ')).to.equal(2000);
  });

  it('refuses a bare number with the hint to add a unit', () => {
    expect(() => parseDuration('60')).to.throw(/add a unit, such as "60s"/);
  });

  it('refuses what is not a positive duration of at most 24h', () => {
    for (const bad of ['', 's', '5x', '-5s', '5 s', '1d', 'ms5', '1e3ms'])
      expect(() => parseDuration(bad), bad).to.throw(/is not a duration/);
    expect(() => parseDuration('0s')).to.throw(/not a positive duration/);
    expect(() => parseDuration('25h')).to.throw(/longest duration allowed \(24h\)/);
    expect(parseDuration('24h')).to.equal(86_400_000);
  });

  it('prints durations the way they are written', () => {
    expect(formatDuration(250)).to.equal('250ms');
    expect(formatDuration(1500)).to.equal('1.5s');
    expect(formatDuration(60_000)).to.equal('1m');
    expect(formatDuration(90_000)).to.equal('1m30s');
    expect(formatDuration(119_700)).to.equal('2m');
  });
});
