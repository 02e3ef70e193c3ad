import { buildProbeScript, runQuery, type ProbeQuery } from '../probe/script.js';
import type { AnyInventoryPart, StreamRequest } from '../resources/inventory-part.js';
import { STREAM_HEADER } from './probe-stream.js';
import { SNAPSHOT_PARTS } from './snapshot-schema.js';

/**
 * The snapshot probe: ONE script that records the whole state. Every part's framed listing is an
 * ordinary framed query (src/probe/script.ts; parts sharing an id share the query), run at the
 * same time as the others: none waits on or changes another's state (a command check would, and
 * is never part of a snapshot). A streamed listing (a file tree, which may be large) follows as
 * NUL-terminated records that the client parses as it arrives (probe-stream.ts), then its stderr
 * as a framed query.
 */

/** What the streamed listing (the file tree) records: its roots, its ignore globs (pruned on the target). */
export interface FileWalkOptions {
  /** Absolute paths, in the order given. */
  roots: readonly string[];
  ignores: readonly string[];
  /** Use the portable walk even where GNU find and sha256sum -z exist (tests). */
  portable?: boolean;
  /** Small text files whose text is kept; none when absent. */
  content?: StreamRequest['content'];
}

export function buildSnapshotScript(
  walk: FileWalkOptions,
  parts: readonly AnyInventoryPart[] = SNAPSHOT_PARTS,
  booted = true,
): string {
  const queries = new Map<string, ProbeQuery>();
  const streams: string[] = [];
  for (const part of parts) {
    const listing = part.listing;
    if (listing.type === 'framed') {
      if (!queries.has(listing.id)) queries.set(listing.id, { id: listing.id, script: listing.script });
      continue;
    }
    const request: StreamRequest = {
      roots: walk.roots,
      ignores: walk.ignores,
      portable: walk.portable ?? false,
      ...(walk.content ? { content: walk.content } : {}),
    };
    streams.push(streamedSection(listing.id, listing.errorsId, listing.script(request)));
  }
  return buildProbeScript([...queries.values()], { tail: streams.join('\n'), booted, concurrent: true });
}

/**
 * The section's stderr goes to a file and becomes an ordinary frame after the stream; at most
 * 1 MiB of it, so a tree full of unreadable files cannot flood the client.
 */
function streamedSection(id: string, errorsId: string, script: string): string {
  return `printf '${STREAM_HEADER} %s\\n' '${id}'
(
${script}
) 2>"$ds_dir/${id}-errors" </dev/null
printf 'Z\\000%s\\000\\n' "$?"
${runQuery({ id: errorsId, script: `head -c 1048576 "$ds_dir/${id}-errors" >&2` })}`;
}
