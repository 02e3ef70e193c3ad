import { CommanderError, InvalidArgumentError } from 'commander';
import { EXIT } from '../gate/exit-codes.js';
import { parseDuration } from '../plan/duration.js';
import { parseTargetAddress, type TargetAddress } from '../targets/address.js';
import { parseFingerprint } from '../targets/host-key-policy.js';
import { parseJumpList, type JumpSpec } from '../targets/jump-spec.js';
import { SudoUserSchema } from '../targets/privilege.js';
import { ProxyCommandValue } from '../targets/ssh-config.js';

// Parsers of option values, shared by every command. A bad value is wrong usage (exit 64), with
// commander's message naming the option.

/** An unusable --sudo-user is a bad option value (exit 64); any other name is handed to sudo as data. */
export function parseSudoUser(value: string): string {
  const parsed = SudoUserSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

/** A --proxy-command with a %-token driftspec does not replace is a bad option value (exit 64). */
export function parseProxyCommand(value: string): string {
  const parsed = ProxyCommandValue.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A malformed --target is a bad option value (exit 64); commander prints the reason. */
/** `--controls a,b --controls c` → a, b, c; an empty item is a bad option value (exit 64). */
export function collectCommaList(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new InvalidArgumentError(`empty item in "${value}"`);
  return [...previous, ...items];
}

export function collectTarget(value: string, previous: TargetAddress[] = []): TargetAddress[] {
  return [...previous, asOptionValue(() => parseTargetAddress(value))];
}

export function collectJumps(value: string, previous: JumpSpec[] = []): JumpSpec[] {
  return [...previous, ...asOptionValue(() => parseJumpList(value))];
}

export function collectFingerprint(value: string, previous: string[] = []): string[] {
  return [...previous, asOptionValue(() => parseFingerprint(value))];
}

export function parseDurationOption(value: string): number {
  return asOptionValue(() => parseDuration(value));
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw invalidNumber(`expected a positive number of seconds, got "${value}"`);
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw invalidNumber(`expected a whole number of at least 1, got "${value}"`);
  return n;
}

function invalidNumber(message: string): CommanderError {
  return new CommanderError(EXIT.usage, 'driftspec.invalidNumber', message);
}

function asOptionValue<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
