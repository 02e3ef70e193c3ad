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
import type { SshdValue } from '../sshd-config/effective.js';
import { readSshGFrame, SSH_G_FUNCTION } from './client.js';

export { parseSshG } from './client.js';

const KeywordSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an ssh_config keyword such as ForwardAgent: letters and digits only');

/** The system-wide client configuration, which includes `ssh_config.d/*.conf` on Debian. */
export const DEFAULT_SSH_CONFIG_FILE = '/etc/ssh/ssh_config';

/** A destination in the reserved `.invalid` domain: only blocks that match every host apply to it. */
export const DEFAULT_SSH_HOST = 'driftspec.invalid';

export const SshConfigOptionsSchema = z
  .object({
    host: z
      .string()
      .regex(/^[A-Za-z0-9_.:%[\]][A-Za-z0-9_.:%[\]@-]*$/, 'a host name or address (letters, digits, . - _ : % @ [ ])')
      .max(255)
      .optional(),
    file: z
      .string()
      .regex(/^\/[^\n\0]*$/, 'an absolute path')
      .optional(),
  })
  .strict();
export type SshConfigOptions = z.infer<typeof SshConfigOptionsSchema>;

export type SshSetting = { exists: true; value: SshdValue } | { exists: false; reason: string };

interface Connection {
  file: string;
  host: string;
}

function connectionOf(options: SshConfigOptions): Connection {
  return { file: options.file ?? DEFAULT_SSH_CONFIG_FILE, host: options.host ?? DEFAULT_SSH_HOST };
}

/** A group member and part name: the file and the host, which holds no blank, on one line. */
function memberOf(connection: Connection): string {
  return `${connection.host} ${connection.file}`;
}

function connectionOfMember(member: string): Connection {
  const blank = member.indexOf(' ');
  return { host: member.slice(0, blank), file: member.slice(blank + 1) };
}

/** One `ssh -G` per (file, host) the spec names, each its own part. */
export function sshGroupScript(members: readonly string[]): string {
  const parts = [...new Set(members)].map((member) => {
    const { file, host } = connectionOfMember(member);
    return partScript(member, `ds_ssh_g ${shellQuote(file)} ${shellQuote(host)}`);
  });
  return [SSH_G_FUNCTION, partsScript(parts)].join('\n');
}

function settingQuery(keyword: string, options: SshConfigOptions): FactQuery<SshSetting> {
  const connection = connectionOf(options);
  const member = memberOf(connection);
  const lower = keyword.toLowerCase();
  const group = { key: 'ssh-config', member, script: sshGroupScript };
  const what = `reading ssh's effective configuration for ${connection.host} from ${connection.file}`;
  return groupedQuery(`ssh-config:${member}:${lower}`, group, (frame) => {
    const settings = readSshGFrame(requirePart(readParts(frame, what), member, what), what);
    const value = settings.get(lower);
    return value === undefined
      ? { exists: false, reason: `ssh -G prints no setting ${lower} (this ssh does not know the keyword)` }
      : { exists: true, value };
  });
}

function title(keyword: string, options: SshConfigOptions): string {
  const where = [
    options.host === undefined ? '' : ` for ${options.host}`,
    options.file === undefined ? '' : ` from ${options.file}`,
  ];
  return `ssh client setting ${keyword}${where.join('')}`;
}

export const sshConfigResource = defineResource({
  type: 'ssh_config',
  dslName: 'sshConfig',
  summary:
    "One setting of the SSH client's effective configuration for a destination (ssh -G: includes, " +
    'defaults and Host/Match blocks applied).',
  subject: KeywordSchema,
  options: SshConfigOptionsSchema,
  title,
  facts: {
    setting: (keyword: string, options: SshConfigOptions) => settingQuery(keyword, options),
  },
  matchers: {
    exists: predicate<SshSetting, Record<string, never>>({
      fact: 'setting',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) =>
        fact.exists
          ? { pass: true, actual: `it is ${JSON.stringify(fact.value)}` }
          : { pass: false, actual: fact.reason },
    }),
    value: attribute<SshSetting, Scalar | ValueExpectation>({
      fact: 'setting',
      describe: 'have value',
      read: (fact) => (fact.exists ? fact.value : { absent: fact.reason }),
    }),
  },
});
