import { createHash, type Hash } from 'node:crypto';
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
  const selector = new ShardSelector(shard);
  const hosts = selected.filter((host) => selector.offer(hostIdentity(candidate(host))));
  return { hosts, record: selector.record(fingerprints) };
}

/**
 * The whole selection as a shard records it, told one host at a time in the selection's order:
 * which are this shard's, and the hash of every host's identity, without holding the identities
 * (a shard of a very large inventory keeps only its own hosts).
 */
export class ShardSelector {
  private readonly identities: Hash = createHash('sha256').update('[');
  private hosts = 0;
  private readonly positions: number[] = [];

  constructor(private readonly shard: ShardNumber) {}

  /** Counts the host (its hostIdentity) in the whole selection; true when it belongs to this shard. */
  offer(identity: string): boolean {
    // The JSON of the identities' list, written as it goes: the same hash as valueHash(identities).
    this.identities.update(`${this.hosts > 0 ? ',' : ''}${JSON.stringify(identity)}`, 'utf8');
    const position = this.hosts++;
    if (shardOf(identity, this.shard.count) !== this.shard.index) return false;
    this.positions.push(position);
    return true;
  }

  /** Once every host of the selection was offered. */
  record(fingerprints: { plan: Plan; policy: unknown }): ShardRecord {
    return {
      index: this.shard.index,
      count: this.shard.count,
      planHash: planHash(fingerprints.plan),
      policyHash: valueHash(fingerprints.policy),
      selection: { hash: `sha256:${this.identities.copy().update(']').digest('hex')}`, hosts: this.hosts },
      positions: [...this.positions],
    };
  }
}

/** The plan's hash: its specs, controls and checks as data. */
export function planHash(plan: Pick<Plan, 'specs' | 'controls' | 'checks'>): string {
  return valueHash({ specs: plan.specs, controls: plan.controls, checks: plan.checks });
}
