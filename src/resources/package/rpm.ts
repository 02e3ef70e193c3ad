import type { Frame } from '../../probe/frames.js';
import { FactError, requireRan } from '../resource.js';
import { failure, namesInMessages, packageFact, stdoutOf, type PackageFact, type PackageInstance } from './facts.js';

/**
 * `rpm -q` answers for every name it was given, in order: format lines, or "package NAME is not
 * installed" (on stdout; some builds use stderr), and exits with the number of names not found.
 * It also accepts NAME-VERSION labels, trying the exact name first, so only lines whose %{NAME}
 * equals the subject count. rpm prints the not-installed line also when it could not open its
 * database, so any other error line makes the answer untrustworthy.
 */
export function parseRpmQuery(frame: Frame, subject: string): PackageFact {
  const what = `rpm -q ${subject}`;
  requireRan(frame, what);
  const notInstalledLine = /^package (.+) is not installed$/;
  const lines = stdoutOf(frame)
    .split('\n')
    .filter((line) => line !== '');
  const formatLines = lines.filter((line) => !notInstalledLine.test(line));
  const notInstalledLines = lines.filter((line) => notInstalledLine.test(line));
  const notInstalled = namesInMessages(
    [...notInstalledLines, frame.stderr.toString('utf8')].join('\n'),
    notInstalledLine,
  );
  const consistent =
    frame.exitCode === 0
      ? notInstalledLines.length === 0
      : notInstalled !== undefined && notInstalled.size === frame.exitCode;
  if (!consistent) throw failure(frame, what);
  if (formatLines.length === 0 && !notInstalled?.has(subject)) {
    if (frame.exitCode !== 0) throw failure(frame, what);
    throw new FactError(`${what}: exited 0 without listing any package`);
  }
  const instances = formatLines.map((line) => parseRpmLine(line, what)).filter((i) => i.name === subject);
  return packageFact('rpm', subject, instances, what);
}

export function parseRpmLine(line: string, what: string): PackageInstance {
  const fields = line.split('\t');
  if (fields.length !== 5 || fields.some((f) => f === ''))
    throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
  const [name = '', epoch = '', version = '', release = '', arch = ''] = fields;
  if (epoch !== '(none)' && !/^\d+$/.test(epoch))
    throw new FactError(`${what}: unexpected epoch ${JSON.stringify(epoch)}`);
  const evr = `${epoch === '(none)' ? '' : `${epoch}:`}${version}-${release}`;
  return { name, version: evr, architecture: arch, state: 'installed', presence: 'installed' };
}
