import { z } from 'zod';

// The options every function that probes hosts shares, as the CLI's connection options
// (docs/api.md, docs/cli.md): one schema each, checked before anything is read or contacted.

const positiveSeconds = z.number({ error: 'a number of seconds' }).positive({ error: 'a number of seconds above 0' });
const stringList = z.array(z.string({ error: 'a string' }), { error: 'an array of strings' });

export const SshOptionsSchema = z
  .object({
    /** Private key files to log in with (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
    identity: stringList.optional(),
    /** known_hosts files to verify host keys with (default: ~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts). */
    knownHosts: stringList.optional(),
    /** Accept only these host keys: "SHA256:…" as `ssh-keygen -lf` prints them. */
    hostKeys: stringList.optional(),
    /** Trust the key of a host that known_hosts does not list (never a changed key). */
    acceptNewHostKeys: z.boolean({ error: 'true or false' }).optional(),
    /** An ssh_config file, or false to read none (default: ~/.ssh/config where it exists). */
    config: z.union([z.string().min(1), z.literal(false)], { error: 'a file path or false' }).optional(),
    /** Jump hosts, first hop first: "[user@]host[:port]" or "ssh://…". */
    jump: stringList.optional(),
    /** A command whose stdin and stdout reach every SSH target, as ssh_config's ProxyCommand (not with jump). */
    proxyCommand: z.string({ error: 'a command' }).min(1, { error: 'a command' }).optional(),
  })
  .strict();

export const SudoOptionSchema = z.union(
  [z.boolean(), z.object({ user: z.string({ error: 'a user name' }).optional() }).strict()],
  { error: 'true, false or { user: "name" }' },
);

/**
 * What driftspec reads of an AbortSignal. Written out so that the published declarations need
 * neither the DOM library nor @types/node; every AbortSignal is one.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export const signalSchema = z.custom<AbortSignalLike>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignalLike).aborted === 'boolean' &&
    typeof (value as AbortSignalLike).addEventListener === 'function',
  { error: 'an AbortSignal' },
);

export const ConnectionOptionsSchema = z.object({
  /** How long the probe may run on one host (default 300). */
  commandTimeoutSeconds: positiveSeconds.default(300),
  /** How long connecting and logging in to one host may take (default 10). */
  connectTimeoutSeconds: positiveSeconds.default(10),
  /** One host's whole budget (default: connect timeout + command timeout + 10, and any waiting). */
  hostTimeoutSeconds: positiveSeconds.optional(),
  ssh: SshOptionsSchema.optional(),
  /** Run the whole probe through sudo once per host; the password comes from DRIFTSPEC_SUDO_PASSWORD. */
  sudo: SudoOptionSchema.optional(),
  /** Relative paths are read from here (default: the process's working directory). */
  cwd: z.string({ error: 'a directory path' }).optional(),
  signal: signalSchema.optional(),
});

const names = (what: string) => z.array(z.string({ error: what }), { error: `an array: ${what} each` });

/** What run() and drift() share with `driftspec run` and `driftspec drift`'s fleet options. */
export const FleetOptionsSchema = ConnectionOptionsSchema.extend({
  /** Target addresses as the CLI takes them: "local", "ssh://user@host:port", "rootfs:/path", … */
  targets: names('a target address').optional(),
  /** An inventory file whose hosts are taken after `targets`. */
  inventory: z.string({ error: 'an inventory file path' }).optional(),
  /** The inventory's hosts or groups to take ("all" for every host). */
  limit: names('a host or group name').optional(),
  /** How many hosts are worked on at once (default 16). */
  concurrency: z
    .number({ error: 'a whole number' })
    .int({ error: 'a whole number' })
    .min(1, { error: 'a whole number of at least 1' })
    .default(16),
  /** For freshly booted hosts: retry connecting and wait for the boot to finish, up to this long. */
  waitSeconds: positiveSeconds.optional(),
  /** With waitSeconds: accept a host whose systemd finished booting "degraded" (default true). */
  allowDegraded: z.boolean({ error: 'true or false' }).default(true),
});

type FleetOptions = z.output<typeof FleetOptionsSchema>;

/** The rules between fleet options, added after a function's own `.strict()` schema. */
export function withFleetRules<S extends z.ZodType<FleetOptions>>(schema: S) {
  return schema
    .refine((options) => options.limit === undefined || options.inventory !== undefined, {
      error: 'limit selects hosts of an inventory: give `inventory` too',
      path: ['limit'],
    })
    .refine((options) => options.allowDegraded || options.waitSeconds !== undefined, {
      error: 'allowDegraded: false is a rule for waitSeconds: give `waitSeconds` too',
      path: ['allowDegraded'],
    });
}

/** The seconds of a fleet's options as the engine paces hosts (`wait` in milliseconds, as `--wait` parses). */
export function fleetPacing(options: FleetOptions) {
  return {
    timeout: options.commandTimeoutSeconds,
    connectTimeout: options.connectTimeoutSeconds,
    degraded: options.allowDegraded,
    ...(options.hostTimeoutSeconds === undefined ? {} : { hostTimeout: options.hostTimeoutSeconds }),
    ...(options.waitSeconds === undefined ? {} : { wait: options.waitSeconds * 1000 }),
  };
}

export type SshOptions = z.input<typeof SshOptionsSchema>;
