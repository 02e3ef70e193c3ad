import type { Verdict } from '../gate/verdict.js';
import type { ShardRecord } from '../results/schema.js';
import { plural } from '../text/plural.js';

/**
 * A shard that holds none of the selected hosts checked nothing and found nothing: it passes, and
 * the merged result's verdict is the one that counts ("no host was checked" is judged there).
 */
export function emptyShardVerdict(record: ShardRecord): Verdict {
  const selected = plural(record.selection.hosts, 'host');
  const summary = `passed: no host in shard ${record.index}/${record.count} (${selected} selected in all)`;
  return { verdict: 'passed', exitCode: 0, summary, reasons: [] };
}
