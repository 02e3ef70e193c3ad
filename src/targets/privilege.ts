import { inspect } from 'node:util';
import { SpecError } from '../inputs/input-error.js';
import { parseProbeOutput } from '../probe/frames.js';
import { HOST_QUERY_ID } from '../probe/host.js';
import { shellQuote } from '../probe/quote.js';
import { UserNameSchema } from './address.js';
import type { ExecResult } from './target.js';

/** The only place the sudo password comes from: never the command line, where `ps` shows it. */
export const SUDO_PASSWORD_VARIABLE = 'DRIFTSPEC_SUDO_PASSWORD';

/**
 * The line that follows the password on the probe's stdin. When sudo does not ask for the
 * password (a NOPASSWD rule, cached credentials), the password line reaches the shell instead;
 * the wrapper below reads it into a variable and drops it, so it is never run as a command
 * (which would also print it in "not found" on stderr).
 */
export const PROBE_START_LINE = 'driftspec-probe-start';

/** `--sudo-user`: handed to sudo as one word, whatever it contains. */
export const SudoUserSchema = UserNameSchema;

/** A value that never prints: string conversion, JSON and util.inspect show a placeholder. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [inspect.custom](): string {
    return '[secret]';
  }
}

/** How the whole probe is raised, once per host; absent settings mean no sudo at all. */
export interface SudoSettings {
  /** `--sudo-user`; sudo's default (root) when absent. */
  user?: string;
  /** Sent as the first line of stdin to `sudo -S`; without it, `sudo -n` never asks. */
  password?: Secret;
}

/** What a target runs for the probe, and what goes to its stdin before the script. */
export interface ProbeLaunch {
  /** For targets that start the program themselves (local): no shell parses these words. */
  readonly argv: readonly string[];
  /** For targets that hand one command line to a login shell (sshd); data words are quoted. */
  readonly command: string;
  /** Written to stdin before the script: the sudo password line, when there is one. */
  stdinPrefix(): string;
  /** sudo's own refusal as the host's error message (with a remedy), or undefined when sudo is not the reason. */
  diagnose(result: ExecResult): string | undefined;
  /** The error to report when the program cannot be started at all (local targets). */
  startFailure(error: NodeJS.ErrnoException): Error;
  /**
   * Milliseconds the program gets after a SIGTERM to end what it started and clean up after
   * itself before everything left is killed (systemd-nspawn removes its state under /run and its
   * lock file); without it the probe's session is killed at once.
   */
  readonly termGraceMs?: number;
}

/** sudo would not run the probe: that host's error, never a pass and never a crash of the run. */
export class PrivilegeError extends Error {
  override name = 'PrivilegeError';
}

export interface LaunchContext {
  /** The shell that reads the probe on stdin. */
  shell: string;
  /** The user the target logs in as (who runs sudo), for messages and remedies. */
  loginUser: string;
}

/**
 * The shell is a program driftspec (or a test) chose, never data from a spec or the command
 * line, so it must be a plain absolute path and is written as it is.
 */
function plainShell(shell: string): string {
  if (!/^\/[A-Za-z0-9_./-]+$/.test(shell))
    throw new Error(`the probe shell must be a plain absolute path, got ${JSON.stringify(shell)}`);
  return shell;
}

/** No sudo: the shell reads the probe on stdin. */
export function plainLaunch(shell: string): ProbeLaunch {
  return {
    argv: [shell, '-s'],
    command: `${plainShell(shell)} -s`,
    stdinPrefix: () => '',
    diagnose: () => undefined,
    startFailure: (error) => error,
  };
}

/**
 * The probe wrapped in sudo once, never per check: `sudo -n [-u USER] -- SHELL -s`, or with a
 * password `sudo -S -p '' [-u USER] -- SHELL -c WRAPPER` with the password as stdin's first line.
 */
export function sudoLaunch(settings: SudoSettings, context: LaunchContext): ProbeLaunch {
  const userArgs = settings.user !== undefined ? ['-u', settings.user] : [];
  const userWords = settings.user !== undefined ? ` -u ${shellQuote(settings.user)}` : '';
  const shell = plainShell(context.shell);
  const password = settings.password;
  const launch =
    password === undefined
      ? {
          argv: ['sudo', '-n', ...userArgs, '--', context.shell, '-s'],
          command: `sudo -n${userWords} -- ${shell} -s`,
          stdinPrefix: () => '',
        }
      : {
          argv: ['sudo', '-S', '-p', '', ...userArgs, '--', context.shell, '-c', passwordWrapper(context.shell)],
          command:
            `sudo -S -p ${shellQuote('')}${userWords} -- ${shell} -c ` +
            `${shellQuote(passwordWrapper(context.shell))}`,
          stdinPrefix: () => `${password.reveal()}\n${PROBE_START_LINE}\n`,
        };
  const refusal: RefusalContext = {
    loginUser: context.loginUser,
    runAs: settings.user ?? 'root',
    shell: context.shell,
    withPassword: password !== undefined,
  };
  return {
    ...launch,
    diagnose: (result) => diagnoseSudo(result, refusal, password),
    startFailure: (error) => (error.code === 'ENOENT' ? new PrivilegeError(missingSudo(refusal)) : error),
  };
}

/** Reads the password line if sudo left it, then the start line, then runs the probe. */
function passwordWrapper(shell: string): string {
  const start = PROBE_START_LINE; // a plain word: no quoting needed inside the quoted wrapper
  return (
    `IFS= read -r ds_line && { [ "$ds_line" = ${start} ] || ` +
    `{ IFS= read -r ds_line && [ "$ds_line" = ${start} ]; }; } && exec ${plainShell(shell)} -s; ` +
    `echo "driftspec: the probe did not follow the sudo password on stdin" >&2; exit 125`
  );
}

/** Settings from `--sudo`, `--sudo-user` and DRIFTSPEC_SUDO_PASSWORD; undefined when neither flag is given. */
export function loadSudoSettings(
  flags: { sudo?: boolean; sudoUser?: string },
  env: NodeJS.ProcessEnv,
): SudoSettings | undefined {
  if (!flags.sudo && flags.sudoUser === undefined) return undefined;
  const value = env[SUDO_PASSWORD_VARIABLE];
  const settings: SudoSettings = flags.sudoUser !== undefined ? { user: SudoUserSchema.parse(flags.sudoUser) } : {};
  if (value === undefined || value === '') return settings;
  // sudo reads one line: a line break would send the rest of the password to the shell.
  if (/[\r\n\0]/.test(value))
    throw new SpecError('the sudo password cannot contain a line break or a NUL byte', SUDO_PASSWORD_VARIABLE);
  return { ...settings, password: new Secret(value) };
}

interface RefusalContext {
  loginUser: string;
  runAs: string;
  shell: string;
  withPassword: boolean;
}

interface Refusal {
  /** Matched against each line sudo wrote on stderr. */
  pattern: RegExp;
  message: (context: RefusalContext) => string;
}

/** What sudo 1.9 prints (test/fixtures/recorded/debian12/sudo-*.json), first match wins. */
const REFUSALS: readonly Refusal[] = [
  {
    pattern: /you must have a tty to run sudo/,
    message: ({ loginUser }) =>
      `sudo on this host requires a terminal (requiretty) and driftspec runs the probe without one: add ` +
      `"Defaults:${loginUser} !requiretty" to a file in /etc/sudoers.d`,
  },
  {
    pattern: /^sudo: unknown user /,
    message: ({ runAs }) => `sudo does not know the user "${runAs}" named by --sudo-user on this host: check the name`,
  },
  {
    pattern: / is not in the sudoers file/,
    message: (context) => `${context.loginUser} may not use sudo on this host: ${grantRule(context)}`,
  },
  {
    pattern: / is not allowed to execute | may not run sudo on /,
    message: (context) =>
      `sudo does not allow ${context.loginUser} to run ${context.shell} as ${context.runAs} on this host: ` +
      `${grantRule(context)}`,
  },
  {
    pattern: /incorrect password attempt|^Sorry, try again\./,
    message: ({ loginUser }) =>
      `sudo refused the password in ${SUDO_PASSWORD_VARIABLE}: set it to ${loginUser}'s password on this host`,
  },
  {
    pattern: /a password is required|no password was provided/,
    message: (context) =>
      context.withPassword
        ? `sudo asked for a password and got none: check that ${SUDO_PASSWORD_VARIABLE} holds ` +
          `${context.loginUser}'s password`
        : `sudo needs a password for ${context.loginUser} (driftspec ran sudo -n, which never asks; sudo says the ` +
          `same when ${context.loginUser} may not use sudo at all): ` +
          `set ${SUDO_PASSWORD_VARIABLE} to ${context.loginUser}'s password, or allow it without one: ` +
          `${grantRule({ ...context, noPassword: true })}`,
  },
];

/** Lines sudo prints that do not stop it. */
const WARNINGS = [/^sudo: unable to resolve host /];

function grantRule(context: RefusalContext & { noPassword?: boolean }): string {
  const tag = context.noPassword || !context.withPassword ? 'NOPASSWD: ' : '';
  return (
    `a sudoers rule such as "${context.loginUser} ALL=(${context.runAs}) ${tag}${context.shell}" in ` +
    `/etc/sudoers.d (mode 0440)`
  );
}

function missingSudo(context: RefusalContext): string {
  return (
    `sudo is not installed on this host (or not on ${context.loginUser}'s PATH): install it, or run driftspec ` +
    `as root without --sudo`
  );
}

/**
 * sudo's failure is told apart from the probe's by the host frame: when the probe ran, its first
 * frame is there whatever happened later, and stderr belongs to the probe. Only without it is
 * stderr read for sudo's messages.
 */
function diagnoseSudo(result: ExecResult, context: RefusalContext, password?: Secret): string | undefined {
  if (result.timedOut || parseProbeOutput(result.stdout).frames.has(HOST_QUERY_ID)) return undefined;
  const stderr = redact(result.stderr.toString('utf8'), password);
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !WARNINGS.some((warning) => warning.test(line)));
  const refusal = REFUSALS.find(({ pattern }) => lines.some((line) => pattern.test(line)));
  if (refusal) return `${refusal.message(context)} [${quoteSudo(lines)}]`;
  if (result.exitCode === 127 && lines.some((line) => /\bsudo\b/.test(line) && /not found/.test(line)))
    return `${missingSudo(context)} [${quoteSudo(lines)}]`;
  const fromSudo = lines.filter((line) => line.startsWith('sudo:'));
  if (fromSudo.length > 0)
    return (
      `sudo did not run the probe as ${context.runAs} (exit ${result.exitCode ?? result.signal}) ` +
      `[${quoteSudo(fromSudo)}]`
    );
  return undefined;
}

/** sudo's own words, short enough for a report line. */
function quoteSudo(lines: readonly string[]): string {
  const text = lines.join(' / ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Defence in depth: whatever went wrong, the password is not repeated in a message. */
function redact(text: string, password: Secret | undefined): string {
  const secret = password?.reveal();
  return secret ? text.split(secret).join('[secret]') : text;
}
