/** The gate's decision, as the CLI's exit code says it (docs/api.md, "Verdicts and exit codes"). */
export interface ApiVerdict {
  /** True when the policy lets the result through: the exit code is 0. */
  passed: boolean;
  /** The exit code `driftspec run` or `driftspec drift` would end with for this result. */
  exitCode: number;
  summary: string;
  /** What blocked, then what the policy allowed; empty for a clean pass. */
  reasons: string[];
}

export function apiVerdict(verdict: {
  verdict: 'passed' | 'blocked';
  exitCode: number;
  summary: string;
  reasons: string[];
}): ApiVerdict {
  return {
    passed: verdict.verdict === 'passed',
    exitCode: verdict.exitCode,
    summary: verdict.summary,
    reasons: verdict.reasons,
  };
}
