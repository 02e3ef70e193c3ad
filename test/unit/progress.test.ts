import { expect } from 'chai';
import { DRIFT_PROGRESS, FleetProgress, PlainProgress, progressMode, RUN_PROGRESS } from '../../reporters/progress.js';
import { unreachableHostDrift } from '../../src/drift/diff.js';
import type { HostResult, StatusCounts } from '../../src/results/schema.js';

function host(status: HostResult['status'], counts: Partial<StatusCounts> = {}): HostResult {
  return {
    target: 'ssh://root@h:22',
    status,
    startedAt: '2025-01-01T00:00:00.000+00:00',
    durationMs: 1,
    execCount: 1,
    counts: { passed: 0, failed: 0, error: 0, skipped: 0, ...counts },
    results: [],
    evidence: {},
  };
}

class Terminal {
  readonly writes: string[] = [];
  readonly isTTY = true;
  constructor(readonly columns = 120) {}
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
}

describe('fleet progress', () => {
  it('rewrites one line per finished host: done/total and outcomes so far', () => {
    const terminal = new Terminal();
    let now = 1000;
    const progress = new FleetProgress(terminal, 5, RUN_PROGRESS, () => now);
    progress.start();
    now = 1400;
    progress.hostDone(host('completed', { passed: 3 }));
    progress.hostDone(host('completed', { passed: 2, failed: 1 }));
    progress.hostDone(host('completed', { failed: 1, error: 1 }));
    now = 3250;
    progress.hostDone(host('unreachable'));
    progress.finish();
    expect(terminal.writes).to.deep.equal([
      '\r\u001b[2Kdriftspec: 0/5 hosts · 0 passed · 0 failed · 0 error · 0 unreachable · 0.0 s',
      '\r\u001b[2Kdriftspec: 1/5 hosts · 1 passed · 0 failed · 0 error · 0 unreachable · 0.4 s',
      '\r\u001b[2Kdriftspec: 2/5 hosts · 1 passed · 1 failed · 0 error · 0 unreachable · 0.4 s',
      '\r\u001b[2Kdriftspec: 3/5 hosts · 1 passed · 1 failed · 1 error · 0 unreachable · 0.4 s',
      '\r\u001b[2Kdriftspec: 4/5 hosts · 1 passed · 1 failed · 1 error · 1 unreachable · 2.3 s',
      '\r\u001b[2K',
    ]);
    expect(terminal.writes.join('')).not.to.include('\n');
  });

  it('counts a host whose probe failed as an error', () => {
    const progress = new FleetProgress(new Terminal(), 1, RUN_PROGRESS, () => 0);
    progress.hostDone(host('error'));
    expect(progress.line()).to.include('1 error');
  });

  it('counts drift hosts by their drift state, and a host with no snapshot of its own as unreachable', () => {
    const progress = new FleetProgress(new Terminal(), 4, DRIFT_PROGRESS, () => 0);
    progress.hostDone(unreachableHostDrift('a', 'unreachable: connection refused'));
    progress.hostDone({ ...unreachableHostDrift('b', 'x'), reason: undefined, state: 'drift' });
    progress.hostDone({ ...unreachableHostDrift('c', 'x'), reason: undefined, state: 'no-drift' });
    const line = 'driftspec: 3/4 hosts · 1 no drift · 1 drift · 0 incomplete · 1 unreachable · 0.0 s';
    expect(progress.line()).to.equal(line);
  });

  it('cuts the line to the terminal width so it never wraps', () => {
    const terminal = new Terminal(30);
    new FleetProgress(terminal, 100, RUN_PROGRESS, () => 0).start();
    expect(terminal.writes[0]).to.equal('\r\u001b[2K' + 'driftspec: 0/100 hosts · 0 pa');
    expect(terminal.writes[0]!.length - '\r\u001b[2K'.length).to.equal(29);
  });

  it('assumes 80 columns on a terminal that reports none', () => {
    const terminal = new Terminal(0);
    const progress = new FleetProgress(terminal, 6, RUN_PROGRESS, () => 0);
    progress.start();
    expect(terminal.writes[0]).to.equal(`\r\u001b[2K${progress.line()}`);
  });

  it('rewrites a line on a terminal, writes plain lines elsewhere and on a dumb terminal, nothing for one host', () => {
    expect(progressMode({ write: () => true, isTTY: true }, 2, {})).to.equal('line');
    expect(progressMode({ write: () => true, isTTY: true }, 1, {})).to.equal('off');
    expect(progressMode({ write: () => true }, 1, {})).to.equal('off');
    expect(progressMode({ write: () => true }, 6, {})).to.equal('plain');
    expect(progressMode({ write: () => true, isTTY: false }, 6, {})).to.equal('plain');
    expect(progressMode({ write: () => true, isTTY: true }, 6, { TERM: 'dumb' })).to.equal('plain');
  });
});

describe('plain fleet progress (not a terminal)', () => {
  it('writes one line per finished host: position, target, counts, time so far; nothing else', () => {
    const log = new Terminal();
    let now = 1000;
    const progress = new PlainProgress(log, 4, RUN_PROGRESS, () => now);
    progress.start();
    now = 2200;
    progress.hostDone({ ...host('completed', { passed: 48, failed: 2 }), target: 'ssh://root@web1:22' });
    progress.hostDone(host('completed', { passed: 3, error: 1, skipped: 2, 'not-applicable': 4 }));
    now = 3000;
    progress.hostDone({ ...host('unreachable'), reason: 'connect ECONNREFUSED' });
    progress.hostDone(host('error'));
    progress.finish();
    expect(log.writes).to.deep.equal([
      '[1/4] ssh://root@web1:22 passed 48, failed 2 (1.2 s)\n',
      '[2/4] ssh://root@h:22 passed 3, failed 0, error 1, skipped 2, not applicable 4 (1.2 s)\n',
      '[3/4] ssh://root@h:22 unreachable: connect ECONNREFUSED (2.0 s)\n',
      '[4/4] ssh://root@h:22 error: no reason given (2.0 s)\n',
    ]);
  });

  it('escapes control characters in targets and reasons: one line per host, no terminal sequences', () => {
    const log = new Terminal();
    const progress = new PlainProgress(log, 2, RUN_PROGRESS, () => 0);
    progress.hostDone({ ...host('unreachable'), target: 'ssh://a\u001b[2J', reason: 'line one\nline two\r' });
    expect(log.writes).to.deep.equal(['[1/2] ssh://a\\x1b[2J unreachable: line one\\nline two\\r (0.0 s)\n']);
    expect(log.writes.join('')).not.to.match(/[\u0000-\u0009\u000b-\u001f\u007f]/);
  });

  it('sums drift hosts up by state and counts', () => {
    const log = new Terminal();
    const progress = new PlainProgress(log, 3, DRIFT_PROGRESS, () => 0);
    const unreachable = unreachableHostDrift('ssh://a', 'unreachable: connection refused');
    const counts = { ...unreachable.counts, added: 1, changed: 3, notCompared: 0 };
    progress.hostDone(unreachable);
    progress.hostDone({ ...unreachable, target: 'ssh://b', reason: undefined, state: 'drift', counts });
    progress.hostDone({ ...unreachable, target: 'ssh://c', reason: undefined, state: 'incomplete' });
    const gaps = unreachable.counts.notCompared;
    expect(log.writes).to.deep.equal([
      '[1/3] ssh://a unreachable: connection refused (0.0 s)\n',
      '[2/3] ssh://b drift: added 1, removed 0, changed 3 (0.0 s)\n',
      `[3/3] ssh://c incomplete: added 0, removed 0, changed 0, not compared ${gaps} (0.0 s)\n`,
    ]);
  });
});
