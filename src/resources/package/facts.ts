import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import { FactError, firstLines, validateFact } from '../resource.js';

export const PACKAGE_MANAGERS = ['dpkg', 'rpm', 'apk', 'pacman'] as const;
export type SupportedPackageManager = (typeof PACKAGE_MANAGERS)[number];

/**
 * Whether one entry of the package database counts as installed. `transitional` covers dpkg's
 * half-installed, unpacked, half-configured and trigger states: files may be on disk, so such a
 * package is evidence neither of "installed" nor of "not installed".
 */
export const PresenceSchema = z.enum(['installed', 'absent', 'transitional']);
export type Presence = z.infer<typeof PresenceSchema>;

export const PackageInstanceSchema = z.object({
  name: z.string().min(1),
  /** Empty for dpkg entries that were never installed (state not-installed). */
  version: z.string(),
  architecture: z.string(),
  /** The manager's own word for the state, such as installed, config-files, half-configured. */
  state: z.string().min(1),
  presence: PresenceSchema,
});
export type PackageInstance = z.infer<typeof PackageInstanceSchema>;

/** Every database entry whose name is exactly the subject; none means the manager has no such package. */
export const PackageFactSchema = z.object({
  manager: z.enum(PACKAGE_MANAGERS),
  name: z.string().min(1),
  instances: z.array(PackageInstanceSchema),
});
export type PackageFact = z.infer<typeof PackageFactSchema>;

// The tools expand \t and \n themselves; the shell sees them inside single quotes.
export const DPKG_FORMAT = '${db:Status-Abbrev}\\t${binary:Package}\\t${Version}\\t${Architecture}\\n';
export const RPM_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n';
/** The documented apk installed database; newer apk-tools builds keep it under /usr. */
export const APK_DATABASES = ['/lib/apk/db/installed', '/usr/lib/apk/db/installed'] as const;

export function stdoutOf(frame: Frame): string {
  return frame.stdout.toString('utf8');
}

export function stderrOf(frame: Frame): string {
  return frame.stderr.toString('utf8').trim();
}

export function failure(frame: Frame, what: string): FactError {
  const stderr = stderrOf(frame);
  return new FactError(`${what} exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
}

export function packageFact(
  manager: SupportedPackageManager,
  name: string,
  instances: PackageInstance[],
  what: string,
): PackageFact {
  return validateFact(PackageFactSchema, { manager, name, instances: oncePerEntry(instances) }, what);
}

/**
 * Asked for several names at once, a manager describes a package again for each name that leads to
 * it (`pacman -Qi NAME PROVIDED`, `rpm -q NAME NAME-VERSION`); one database entry is one instance.
 */
function oncePerEntry(instances: readonly PackageInstance[]): PackageInstance[] {
  const entries = new Map(instances.map((i) => [JSON.stringify([i.name, i.version, i.architecture, i.state]), i]));
  return [...entries.values()];
}

/**
 * The names in a tool's "not found" lines, or undefined when any line of `text` is something
 * else: then the tool did not only report missing packages.
 */
export function namesInMessages(text: string, message: RegExp): Set<string> | undefined {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = message.exec(line);
    if (!match) return undefined;
    names.add(match[1]!);
  }
  return names;
}
