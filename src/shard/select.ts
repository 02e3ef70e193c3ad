import type { Plan } from '../plan/schema.js';
import type { ShardRecord } from '../results/schema.js';
import { valueHash } from './fingerprint.js';
import { hostIdentity, shardOf, type ShardNumber } from './partition.js';

/** A selected host as sharding sees it: its target's name and, from an inventory, its name there. */
export interface ShardCandidate {
  target: string;
  inventoryName?: string | undefined;
}

export interface ShardSelection<T> {
  /** This shard's hosts, in the order of the whole selection. */
  hosts: T[];
  /** The record the shard's result carries (`shard` in the JSON report). */
  record: ShardRecord;
}

/**
 * Keeps the hosts of one shard out of the whole selection, and records what `driftspec merge`
 * needs to check the shards belong together and to restore the whole selection's order.
 */
export function selectShard<T>(
  selected: readonly T[],
  candidate: (host: T) => ShardCandidate,
  shard: ShardNumber,
  fingerprints: { plan: Plan; policy: unknown },
): ShardSelection<T> {
  const identities = selected.map((host) => hostIdentity(candidate(host)));
  const positions = identities.flatMap((identity, position) =>
    shardOf(identity, shard.count) === shard.index ? [position] : [],
  );
  return {
    hosts: positions.map((position) => selected[position]!),
    record: {
      index: shard.index,
      count: shard.count,
      planHash: planHash(fingerprints.plan),
      policyHash: valueHash(fingerprints.policy),
      selection: { hash: valueHash(identities), hosts: identities.length },
      positions,
    },
  };
}

/** The plan's hash: its specs, controls and checks as data. */
export function planHash(plan: Pick<Plan, 'specs' | 'controls' | 'checks'>): string {
  return valueHash({ specs: plan.specs, controls: plan.controls, checks: plan.checks });
}
