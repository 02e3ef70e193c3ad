import { z } from 'zod';
import { FactError, validateFact } from '../resource.js';

export type AccountDatabase = 'passwd' | 'group';

/**
 * getent (glibc and musl) looks a key up by id whenever strtoul(3) reads all of it as a number,
 * so `getent passwd -- 1234` never finds a user NAMED 1234. Such names are looked up in the
 * whole table instead.
 */
export function looksNumeric(name: string): boolean {
  return /^\s*[+-]?\d+$/.test(name);
}

/** A name that can be an account: ':' and newlines would break the database's own format. */
export const AccountNameSchema = z
  .string()
  .min(1)
  .refine((n) => !/[:\n\0]/.test(n), 'an account name cannot contain ":", a newline or a NUL byte');

export const PasswdEntrySchema = z.object({
  name: z.string().min(1),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  gecos: z.string(),
  home: z.string(),
  shell: z.string(),
});
export type PasswdEntry = z.infer<typeof PasswdEntrySchema>;

export const GroupEntrySchema = z.object({
  name: z.string().min(1),
  gid: z.number().int().nonnegative(),
  members: z.array(z.string()),
});
export type GroupEntry = z.infer<typeof GroupEntrySchema>;

const ID = /^\d+$/;

export function parsePasswdLine(line: string, what: string): PasswdEntry {
  const fields = line.split(':');
  if (fields.length !== 7 || !ID.test(fields[2]!) || !ID.test(fields[3]!)) {
    throw new FactError(`${what}: unparseable passwd entry ${JSON.stringify(line.slice(0, 200))}`);
  }
  const [name, , uid, gid, gecos, home, shell] = fields as [string, string, string, string, string, string, string];
  return validateFact(PasswdEntrySchema, { name, uid: Number(uid), gid: Number(gid), gecos, home, shell }, what);
}

export function parseGroupLine(line: string, what: string): GroupEntry {
  const fields = line.split(':');
  if (fields.length !== 4 || !ID.test(fields[2]!)) {
    throw new FactError(`${what}: unparseable group entry ${JSON.stringify(line.slice(0, 200))}`);
  }
  const [name, , gid, members] = fields as [string, string, string, string];
  return validateFact(GroupEntrySchema, { name, gid: Number(gid), members: members.split(',').filter(Boolean) }, what);
}

export function entryName(line: string): string {
  const colon = line.indexOf(':');
  return colon === -1 ? line : line.slice(0, colon);
}
