import { z } from 'zod';
import { builtOnce } from '../inputs/built-once.js';
import { ProxyCommandValue } from '../targets/ssh-config.js';

/** The implicit group of every host; neither a host nor a group may be called this. */
export const ALL_GROUP = 'all';

/** The inventory file's schemas, built when an inventory is first read. */
const inventorySchemas = builtOnce(() => {
  /** Host and group names share one namespace, so `--limit web` always means one thing. */
  const InventoryNameSchema = z
    .string()
    .regex(
      /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
      'a host or group name is letters, digits, "_", "." and "-", and starts with a letter, digit or "_"',
    )
    .max(253, 'a host or group name is at most 253 characters');

  const OneOrMoreSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

  /** Free-form values for specs to use; merged defaults → groups → host. */
  const VarsSchema = z.record(z.string(), z.unknown());

  const ConnectionFields = {
    user: z
      .string()
      .min(1)
      .optional()
      .describe('Login user; a host without one takes defaults.user, else the user running driftspec.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('SSH port; a host without one takes defaults.port, else 22.'),
    identity: OneOrMoreSchema.optional().describe(
      'Private key file(s), relative to the inventory file (~/ is the home directory); they replace --identity ' +
        '(ssh-agent and DRIFTSPEC_SSH_PASSWORD still apply).',
    ),
    hostKey: OneOrMoreSchema.optional().describe(
      'Pinned host key fingerprint(s) as "ssh-keygen -lf" prints them (SHA256:…); they replace --host-key.',
    ),
    proxyCommand: ProxyCommandValue.optional().describe(
      'A command whose stdin and stdout reach the host, run with /bin/sh -c as ProxyCommand (tokens %h %p %r %n ' +
        "%%); it replaces --proxy-command, --jump and ssh_config's ProxyCommand and ProxyJump for the host.",
    ),
  };

  const InventoryHostSchema = z
    .object({
      url: z.string().optional().describe('ssh://[user@]host[:port] or "local"; instead of host/user/port.'),
      host: z.string().optional().describe("DNS name or IP address; default: the host's name in the inventory."),
      ...ConnectionFields,
      tags: z.array(z.string().min(1)).optional().describe('Labels recorded with the host in reports.'),
      vars: VarsSchema.optional(),
    })
    .strict();

  const InventoryGroupSchema = z.union(
    [
      z.array(InventoryNameSchema).describe('Members: names of hosts or of other groups.'),
      z
        .object({
          hosts: z.array(InventoryNameSchema).optional(),
          groups: z
            .array(InventoryNameSchema)
            .optional()
            .describe('Child groups: their hosts belong to this group too.'),
          vars: VarsSchema.optional(),
        })
        .strict(),
    ],
    { error: 'a group is a list of host or group names, or a map with hosts, groups and vars' },
  );

  const InventoryFileSchema = z
    .object({
      defaults: z
        .object({ ...ConnectionFields, vars: VarsSchema.optional() })
        .strict()
        .optional()
        .describe('Settings for every host that does not set its own.'),
      hosts: z
        .record(InventoryNameSchema, InventoryHostSchema.nullable())
        .refine((hosts) => Object.keys(hosts).length > 0, 'an inventory needs at least one host')
        .describe('Host name → how to reach it. An empty entry reaches the name itself: `web-1.example.com:`.'),
      groups: z.record(InventoryNameSchema, InventoryGroupSchema).optional(),
    })
    .strict();

  return {
    InventoryFileSchema,
    InventoryHostSchema,
    InventoryGroupSchema,
    InventoryRestSchema: InventoryFileSchema.omit({ hosts: true }),
    /** One host at a time, under `hosts:` as in the file, so that a mistake has the file's path. */
    InventoryOneHostSchema: z.object({ hosts: z.record(InventoryNameSchema, InventoryHostSchema.nullable()) }),
  };
});

type InventorySchemas = ReturnType<typeof inventorySchemas>;
export type InventoryHostEntry = z.infer<InventorySchemas['InventoryHostSchema']>;
export type InventoryGroupEntry = z.infer<InventorySchemas['InventoryGroupSchema']>;
export type InventoryFile = z.infer<InventorySchemas['InventoryFileSchema']>;

export function inventoryFileSchema(): InventorySchemas['InventoryFileSchema'] {
  return inventorySchemas().InventoryFileSchema;
}

/**
 * The parts of the file schema that an inventory read host by host checks one at a time: a host's
 * name and entry (as the file's `hosts:` checks them) and the rest of the file.
 */
export function inventoryPartSchemas(): Pick<InventorySchemas, 'InventoryRestSchema' | 'InventoryOneHostSchema'> {
  return inventorySchemas();
}

/** `driftspec schema inventory`: for editors, generated from the schema that validates the file. */
export function inventoryJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(inventoryFileSchema(), { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>),
    $id: 'urn:driftspec:schema:inventory:1',
    title: 'driftspec inventory file',
  };
}
