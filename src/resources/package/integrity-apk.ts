import type { Frame } from '../../probe/frames.js';
import { FactError, requireRan } from '../resource.js';
import { failure, stdoutOf } from './facts.js';
import { linesOf, type IntegrityProblem, type VerifyLine } from './integrity-facts.js';

/**
 * `apk audit` (apk-audit(8)): a letter, a space, the path. U contents modified, M metadata
 * (uid, gid or mode), X deleted, x xattrs, e an error (a file it could not read). A, d, D and m
 * are files and directories added or directory metadata: not package files that changed, so not
 * findings of integrity. `-` and `+` are detail records, written only with --details.
 */
const APK_PROBLEMS: Record<string, IntegrityProblem | null> = {
  U: 'checksum',
  M: 'metadata',
  X: 'missing',
  x: 'xattrs',
  e: 'unreadable',
  A: null,
  d: null,
  D: null,
  m: null,
  '-': null,
  '+': null,
};

/** One part of `apk audit`: `--system` (every package file but the protected ones) or `--backup` (those). */
export function readApkAudit(frame: Frame, conffiles: boolean, what: string): VerifyLine[] {
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw failure(frame, what);
  const lines: VerifyLine[] = [];
  for (const line of linesOf(stdoutOf(frame))) {
    const problem = APK_PROBLEMS[line.charAt(0)];
    if (problem === undefined || line.charAt(1) !== ' ' || line.length < 3)
      throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
    if (problem === null) continue;
    const path = line.slice(2);
    lines.push({ path: path.startsWith('/') ? path : `/${path}`, conffile: conffiles, problems: [problem] });
  }
  return lines;
}
