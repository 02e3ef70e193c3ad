import { expect } from 'chai';
import { judgeHost } from '../../src/chai/judge.js';
import type { CheckResult, HostResult } from '../../src/results/schema.js';

function check(status: CheckResult['status'], message: string, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    checkId: 'chai#1',
    control: null,
    title: 'file /etc/passwd should have mode 0600',
    resource: 'file',
    subject: '/etc/passwd',
    matcher: 'mode',
    negated: false,
    status,
    message,
    ...extra,
  };
}

function hostWith(results: CheckResult[], status: HostResult['status'] = 'completed'): HostResult {
  return {
    target: 'local',
    status,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    execCount: 1,
    counts: { passed: 0, failed: 0, error: 0, skipped: 0 },
    results,
    evidence: {
      q1: {
        id: 'q1',
        script: 'stat …',
        exitCode: 0,
        stdout: '',
        stderr: 'stat: denied\nmore\n',
        stdoutBytes: 82,
        stderrBytes: 18,
        truncated: false,
      },
    },
  };
}

describe('chai: judging a host result', () => {
  it('passes when every check passed', () => {
    expect(judgeHost(hostWith([check('passed', 'ok'), check('passed', 'ok')]))).to.deep.equal({ outcome: 'passed' });
  });

  it('fails with the title, message and evidence line, and expected and actual of a single failure', () => {
    const failed = check('failed', 'expected file /etc/passwd to have mode 0600, but got 0644', {
      expected: '0600',
      actual: '0644',
      evidence: 'q1',
    });
    expect(judgeHost(hostWith([check('passed', 'ok'), failed]))).to.deep.equal({
      outcome: 'failed',
      message: [
        'file /etc/passwd should have mode 0600 (on local)',
        '    expected file /etc/passwd to have mode 0600, but got 0644',
        '    evidence: query q1 exited 0, 82 bytes of output; stderr: stat: denied | more',
      ].join('\n'),
      expected: '0600',
      actual: '0644',
    });
    const two = judgeHost(hostWith([failed, failed]));
    expect(two).to.include({ outcome: 'failed' }).and.not.have.any.keys('expected', 'actual');
  });

  it('is an error, never a pass or a failure, when any check could not be judged', () => {
    for (const status of ['error', 'not-applicable', 'skipped'] as const) {
      const judged = judgeHost(hostWith([check('failed', 'expected …'), check(status, 'reason given')]));
      expect(judged, status).to.deep.equal({
        outcome: 'error',
        message: 'file /etc/passwd should have mode 0600 (on local)\n    could not check: reason given',
      });
    }
    const errored = judgeHost(hostWith([check('error', 'could not check file /etc/passwd: denied')]));
    expect(errored).to.have.property('message').that.contains('\n    could not check file /etc/passwd: denied');
  });

  it('is an error when the host ran no check at all', () => {
    expect(judgeHost(hostWith([], 'error'))).to.deep.equal({ outcome: 'error', message: 'no check ran on local' });
  });
});
