import { z } from 'zod';
import { PasswdEntrySchema } from '../accounts/index.js';

export const UserAccountSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({ exists: z.literal(true), entry: PasswdEntrySchema }),
]);
export type UserAccount = z.infer<typeof UserAccountSchema>;

export const UserMembershipSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({
    exists: z.literal(true),
    /** The name of the group with the user's gid, or the gid as text where no group has it. */
    primaryGroup: z.string(),
    /** Primary group first, then every group that lists the user, in database order. */
    groups: z.array(z.string()),
  }),
]);
export type UserMembership = z.infer<typeof UserMembershipSchema>;

export const PASSWORD_STATES = ['locked', 'disabled', 'empty', 'set'] as const;

export const UserShadowSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({
    exists: z.literal(true),
    /** From the first character of the hash only: the hash itself never leaves the target. */
    password: z.enum(PASSWORD_STATES),
    minDays: z.number().int().nullable(),
    maxDays: z.number().int().nullable(),
    warnDays: z.number().int().nullable(),
    inactiveDays: z.number().int().nullable(),
    /** Days since 1970-01-01, as shadow(5) stores it. */
    expiresOn: z.number().int().nullable(),
  }),
]);
export type UserShadow = z.infer<typeof UserShadowSchema>;

export const AuthorizedKeySchema = z.object({
  options: z.string().optional(),
  type: z.string(),
  blob: z.string(),
  comment: z.string(),
});
export type AuthorizedKey = z.infer<typeof AuthorizedKeySchema>;

export const UserKeysSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({
    exists: z.literal(true),
    path: z.string(),
    /** False when the file (or its directory) does not exist: then no key is authorized there. */
    fileExists: z.boolean(),
    keys: z.array(AuthorizedKeySchema),
  }),
]);
export type UserKeys = z.infer<typeof UserKeysSchema>;

/** authorized_keys is read up to this size; a larger one is an error, not a partial answer. */
export const AUTHORIZED_KEYS_LIMIT = 1024 * 1024;
