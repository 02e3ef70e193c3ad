import { expect } from 'chai';
import { hostPhases, parseTimingLines, PhaseTimeline } from '../../../src/engine/timeline.js';

describe('phase timeline', () => {
  it('keeps each mark with its moment and host, and reads back the lines it prints among other text', () => {
    const times = [12.34, 40, 41.5, 90];
    const timeline = new PhaseTimeline(() => times.shift()!);
    timeline.mark('cli-loaded');
    timeline.mark('spec-read');
    hostPhases(timeline, 'ssh://root@10.0.0.5:22')?.('ssh-ready');
    timeline.mark('evaluated', 'ssh://root@10.0.0.5:22');
    const text = timeline.render();
    expect(text.split('\n')[0]).to.equal('driftspec: timing 12.3 ms cli-loaded');
    expect(
      parseTimingLines(`[1/1] ssh://root@10.0.0.5:22 passed 50\n${text}driftspec: timing 5 ms no-such-phase\n`),
    ).to.deep.equal([
      { phase: 'cli-loaded', atMs: 12.3 },
      { phase: 'spec-read', atMs: 40 },
      { phase: 'ssh-ready', host: 'ssh://root@10.0.0.5:22', atMs: 41.5 },
      { phase: 'evaluated', host: 'ssh://root@10.0.0.5:22', atMs: 90 },
    ]);
  });

  it('shows control characters of a host name escaped, one line per mark', () => {
    const timeline = new PhaseTimeline(() => 1);
    timeline.mark('evaluated', 'ssh://h\u001b[2J\nx');
    const text = timeline.render();
    expect(text).to.not.include('\u001b');
    expect(text).to.match(/^[^\n]*\n$/);
  });

  it('gives no listener without a recorder', () => {
    expect(hostPhases(undefined, 'local')).to.equal(undefined);
  });
});
