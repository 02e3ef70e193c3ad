import { z } from 'zod';
import type { Scalar, ValueExpectation } from '../../matchers/value.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import {
  attribute,
  defineResource,
  groupedQuery,
  NoArgs,
  predicate,
  readParts,
  requirePart,
  type FactQuery,
} from '../resource.js';
import { FIND_SSHD, readSshdFrame, SSHD_T_FUNCTION, type SshdValue } from './effective.js';

export { parseSshdT, type SshdSettings, type SshdValue } from './effective.js';

const KeywordSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an sshd_config keyword such as PermitRootLogin: letters and digits only');

/** A connection word of `sshd -C`: no blanks, commas or "=" (they separate the specification). */
const ConnectionWord = z.string().regex(/^[^\s,=]+$/, 'one word without blanks, commas or "="');

/** The connection whose Match blocks apply (`sshd -T -C user=…,host=…,addr=…`). */
export const SshdMatchSchema = z
  .object({
    user: ConnectionWord.optional(),
    host: ConnectionWord.optional(),
    addr: ConnectionWord.optional(),
    laddr: ConnectionWord.optional(),
    lport: z.number().int().min(1).max(65535).optional(),
    rdomain: ConnectionWord.optional(),
  })
  .strict()
  .refine((match) => Object.keys(match).length > 0, 'name at least one of user, host, addr, laddr, lport, rdomain');

export const SshdConfigOptionsSchema = z.object({ match: SshdMatchSchema.optional() }).strict();
export type SshdConfigOptions = z.infer<typeof SshdConfigOptionsSchema>;

export type SshdSetting = { exists: true; value: SshdValue } | { exists: false; reason: string };

/** `-C` specification of the options' connection, in a fixed order; '' for no Match context. */
export function connectionSpec(options: SshdConfigOptions): string {
  const match = options.match ?? {};
  const words = (['user', 'host', 'addr', 'laddr', 'lport', 'rdomain'] as const)
    .filter((key) => match[key] !== undefined)
    .map((key) => `${key}=${match[key]}`);
  return words.join(',');
}

/** One `sshd -T` per connection the spec names, each its own part ("-" for no Match context). */
export function sshdGroupScript(specs: readonly string[]): string {
  const parts = [...new Set(specs)].map((spec) =>
    partScript(partName(spec), spec === '' ? 'ds_sshd_t' : `ds_sshd_t -C ${shellQuote(spec)}`),
  );
  return [FIND_SSHD, SSHD_T_FUNCTION, partsScript(parts)].join('\n');
}

function partName(spec: string): string {
  return spec === '' ? '-' : spec;
}

/** Why `sshd -T` may print no line for a keyword. */
const UNPRINTED =
  'it is not set (AllowUsers, AllowGroups, DenyUsers and DenyGroups are printed only when set), ' +
  'or this sshd does not know the keyword';

function settingQuery(keyword: string, options: SshdConfigOptions): FactQuery<SshdSetting> {
  const spec = connectionSpec(options);
  const lower = keyword.toLowerCase();
  const group = { key: 'sshd-config', member: spec, script: sshdGroupScript };
  const context = spec === '' ? '' : ` for the connection ${spec}`;
  const what = `reading sshd's effective configuration${context}`;
  return groupedQuery(`sshd-config:${spec}:${lower}`, group, (frame) => {
    const settings = readSshdFrame(requirePart(readParts(frame, what), partName(spec), what), what);
    const value = settings.get(lower);
    return value === undefined
      ? { exists: false, reason: `sshd -T prints no setting ${lower} (${UNPRINTED})` }
      : { exists: true, value };
  });
}

export const sshdConfigResource = defineResource({
  type: 'sshd_config',
  dslName: 'sshdConfig',
  summary:
    "One setting of sshd's effective configuration (sshd -T: includes, defaults and Match blocks " +
    'applied), optionally for a given connection.',
  subject: KeywordSchema,
  options: SshdConfigOptionsSchema,
  title: (keyword: string, options: SshdConfigOptions) => {
    const spec = connectionSpec(options);
    return `sshd setting ${keyword}${spec === '' ? '' : ` for ${spec}`}`;
  },
  facts: {
    setting: (keyword: string, options: SshdConfigOptions) => settingQuery(keyword, options),
  },
  matchers: {
    exists: predicate<SshdSetting, Record<string, never>>({
      fact: 'setting',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) =>
        fact.exists
          ? { pass: true, actual: `it is ${JSON.stringify(fact.value)}` }
          : { pass: false, actual: fact.reason },
    }),
    value: attribute<SshdSetting, Scalar | ValueExpectation>({
      fact: 'setting',
      describe: 'have value',
      read: (fact) => (fact.exists ? fact.value : { absent: fact.reason }),
    }),
  },
});
