import type { Verdict } from '../gate/verdict.js';
import type { ShardRecord } from '../results/schema.js';
import { plural } from '../text/plural.js';

/**
 * A shard that holds none of the selected hosts checked nothing and found nothing: it passes, and
 * the merged result's verdict is the one that counts ("no host was checked" is judged there).
 */
export function emptyShardVerdict(record: ShardRecord): Verdict {
  const selected = plural(record.selection.hosts, 'selected host');
  const summary = `passed: shard ${record.index}/${record.count} holds none of the ${selected}`;
  return { verdict: 'passed', exitCode: 0, summary, reasons: [] };
}
