import { contentQuery } from '../file/index.js';
import { FactError, type FactQuery } from '../resource.js';

/**
 * The file resource's bounded content read, the same query (so a file checked as text, by key or
 * as a certificate is read once), its text parsed in driftspec by `parse`. A file that is missing
 * or no regular file has nothing to parse: an error ending "so it `lacks`", negated or not.
 */
export function parsedContentQuery<F>(path: string, lacks: string, parse: (text: string) => F): FactQuery<F> {
  const content = contentQuery(path);
  return {
    key: content.key,
    script: content.script,
    parse: (frame, host) => {
      const read = content.parse(frame, host);
      if (!read.exists) throw new FactError(`${path}: ${read.reason}, so it ${lacks}`);
      return parse(read.content);
    },
  };
}
