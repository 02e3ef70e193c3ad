import type { z } from 'zod';
import { SpecError } from './input-error.js';
import type { Locator, Path } from './located-yaml.js';

/** Every issue on one line: `controls.0.id: Invalid input; spec: …`, for values without a file position. */
export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
      return `${at}${issue.message}`;
    })
    .join('; ');
}

/** zod's own message for a value that fits no form of a union. */
const ZOD_UNION_MESSAGE = 'Invalid input';

/**
 * zod reports a value that fits neither form of a union ("a kind or a list of kinds") as just
 * "Invalid input"; the branch that came closest says what is wrong ("expected one of: …").
 */
export function innermostIssue(issue: z.core.$ZodIssue, prefix: Path = []): { issue: z.core.$ZodIssue; path: Path } {
  const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
  if (issue.code !== 'invalid_union') return { issue, path };
  const wrongShape = (branch: readonly z.core.$ZodIssue[]) =>
    branch.every((i) => i.code === 'invalid_type' && i.path.length === 0);
  const closest = issue.errors.find((branch) => branch.length > 0 && !wrongShape(branch));
  // A union given its own message ("a group is a list … or a map …") says best what neither shape fitted.
  if (closest === undefined && issue.message !== ZOD_UNION_MESSAGE) return { issue, path };
  const first = (closest ?? issue.errors[0])?.[0];
  return first ? innermostIssue(first, path) : { issue, path };
}

export interface IssueWording {
  /** The keys allowed at a path, named when a key there is unknown. */
  expectedKeys?: (path: Path) => readonly string[];
  /** A file's own wording of an issue; undefined keeps the common one. */
  describe?: (issue: z.core.$ZodIssue, path: Path) => string | undefined;
}

/** The common wording of one issue, after `field: `. */
function describeIssue(issue: z.core.$ZodIssue, path: Path, wording: IssueWording): string {
  const own = wording.describe?.(issue, path);
  if (own !== undefined) return own;
  if (issue.code === 'unrecognized_keys') {
    const expected = wording.expectedKeys ? `; expected one of: ${wording.expectedKeys(path).join(', ')}` : '';
    return `unknown key "${issue.keys.join('", "')}"${expected}`;
  }
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  if (issue.code === 'invalid_value') return `expected one of: ${issue.values.map(String).join(', ')}`;
  return issue.message;
}

function field(path: Path): string {
  return path.length > 0 ? `${path.join('.')}: ` : '';
}

/** The first issue of a failed validation, worded and located at `file:line:col` (an unknown key at the key). */
export function locatedIssueError(error: z.ZodError, where: Locator, wording: IssueWording = {}): SpecError {
  const { issue, path } = innermostIssue(error.issues[0]!);
  const at = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path;
  return new SpecError(`${field(path)}${describeIssue(issue, path, wording)}`, where.at(at));
}

/** A mistake found after schema validation (a bad glob, an attribute the kind does not have). */
export function locatedError(message: string, where: Locator, path: Path): SpecError {
  return new SpecError(`${field(path)}${message}`, where.at(path));
}
