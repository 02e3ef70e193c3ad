import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Longer than this is a mistake, and past ~24.8 days Node's timers would fire at once. */
export const MAX_DURATION_MS = 24 * 3_600_000;

/**
 * Reads `500ms`, `90s`, `1.5s`, `5m`, `1h` and sums like `1m30s` into milliseconds. A unit is
 * required: a bare `60` could mean seconds (like `--timeout`) or milliseconds (like JavaScript's
 * timers), so it is refused rather than guessed.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) {
    const hint = /^\d+(\.\d+)?$/.test(trimmed) ? `; add a unit, such as "${trimmed}s"` : '';
    throw new Error(
      `"${text}" is not a duration (expected a number with a unit: ms, s, m or h, such as 90s, 5m or 1m30s)${hint}`,
    );
  }
  let total = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g))
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  const ms = Math.round(total);
  if (ms <= 0) throw new Error(`"${text}" is not a positive duration`);
  if (ms > MAX_DURATION_MS) throw new Error(`"${text}" is longer than the longest duration allowed (24h)`);
  return ms;
}

/**
 * A duration as text in a spec (`60s`), read into milliseconds. A bare number is read only to
 * refuse it with the hint to add a unit.
 */
export const DurationSchema = z.union([z.string(), z.number()]).transform((text, context) => {
  try {
    return parseDuration(String(text));
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** `90000` → `1m30s`, `1500` → `1.5s`: how messages show a duration. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}
