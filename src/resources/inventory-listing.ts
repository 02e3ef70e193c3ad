import type { Frame } from '../probe/frames.js';
import { FactError, firstLines } from './resource.js';

/** What the listings of inventory parts share: their marker lines, the exit status of a missing tool, its message. */

/** Starts the marker lines in a listing's output (services, kernel parameters); no real entry starts with it. */
export const SECTION_MARK = '#driftspec';

/** Exit status of a listing when the tool it needs is missing on the target. */
export const LISTING_UNSUPPORTED = 3;

export function stderrText(frame: Frame): string {
  return frame.stderr.toString('utf8').trim();
}

/** Why a listing failed, in the target's own words where it gave any. */
export function listingFailure(frame: Frame, what: string): FactError {
  const stderr = stderrText(frame);
  if (frame.exitCode === LISTING_UNSUPPORTED)
    return new FactError(`${what}: ${stderr || 'not supported on the target'}`);
  return new FactError(`${what}: exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
}

export function outputLines(frame: Frame): string[] {
  return frame.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
}
