import { z } from 'zod';
import type { ValueExpectation } from '../../matchers/value.js';
import { attribute, defineResource, NoArgs, predicate, type FactQuery } from '../resource.js';
import { HostNameSchema } from '../host/index.js';
import { parseLookup, type DnsAnswer } from './parse.js';
import { lookupScript, type Lookup } from './query.js';

export { canonicalRecord, parseLookup } from './parse.js';
export { lookupScript } from './query.js';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'CAA'] as const;
export const DEFAULT_DNS_TIMEOUT = 5;

export const DnsOptionsSchema = z
  .object({
    /** The record type (default A). */
    type: z.enum(DNS_RECORD_TYPES, { error: `one of ${DNS_RECORD_TYPES.join(', ')}` }).optional(),
    /** Ask this server instead of the target's configured ones. */
    server: HostNameSchema.optional(),
    /** Seconds to wait for an answer (default 5). */
    timeout: z.number().int().positive().max(60).optional(),
  })
  .strict();
export type DnsOptions = z.infer<typeof DnsOptionsSchema>;

function lookupOf(name: string, options: DnsOptions): Lookup {
  return { name, type: options.type ?? 'A', server: options.server, timeout: options.timeout ?? DEFAULT_DNS_TIMEOUT };
}

function lookupQuery(name: string, options: DnsOptions): FactQuery<DnsAnswer> {
  const lookup = lookupOf(name, options);
  return {
    key: `dns:${lookup.type}:${lookup.timeout}:${lookup.server ?? ''}:${name}`,
    script: lookupScript(lookup),
    parse: (frame) => parseLookup(frame, lookup),
  };
}

function noRecords(fact: DnsAnswer): string {
  return fact.status === 'NXDOMAIN'
    ? 'the name does not exist (NXDOMAIN)'
    : 'there is no such record (NOERROR, no answer)';
}

export const dnsResource = defineResource({
  type: 'dns',
  summary: 'A DNS lookup of one record type from the target (dig or host): whether it answers and the records.',
  subject: HostNameSchema,
  options: DnsOptionsSchema,
  title: (name: string) => `dns ${name}`,
  facts: { answer: (name: string, options: DnsOptions) => lookupQuery(name, options) },
  matchers: {
    resolvable: predicate<DnsAnswer, Record<string, never>>({
      fact: 'answer',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'have records',
      test: (fact) =>
        fact.records.length > 0
          ? { pass: true, actual: `it has ${fact.records.join(', ')} (${fact.tool})` }
          : { pass: false, actual: `${noRecords(fact)} (${fact.tool})` },
    }),
    records: attribute<DnsAnswer, ValueExpectation>({
      fact: 'answer',
      needsRunningSystem: true,
      describe: 'have records',
      read: (fact) => fact.records,
    }),
  },
});
