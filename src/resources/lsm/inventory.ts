import { z } from 'zod';
import { listCollection, type InventoryPart } from '../inventory-part.js';
import { FactError } from '../resource.js';
import { appArmorState } from './apparmor.js';
import { LSM_SCRIPT, parseLsmFiles } from './query.js';
import { selinuxState } from './selinux.js';

export const SecurityModuleItemSchema = z
  .object({
    /** `selinux`, `selinux config`, `apparmor`, or `apparmor profile NAME`. */
    name: z.string().min(1),
    /** enforcing/permissive/disabled; the configured SELINUX=; enabled/disabled; a profile's mode. */
    mode: z.string(),
  })
  .strict();
export type SecurityModuleItem = z.infer<typeof SecurityModuleItemSchema>;

const KIND = 'securityModules';

/**
 * SELinux's and AppArmor's modes and AppArmor's loaded profiles, one small item each: SELinux
 * switched to permissive, AppArmor disabled or a profile moved to complain mode is that item's
 * `mode` changed (old → new), a profile loaded an added item. What could not be read (the profiles
 * without root) is a gap, never an empty set.
 */
export const securityModulesInventory: InventoryPart<SecurityModuleItem> = {
  kind: KIND,
  noun: 'security module setting',
  absentFromOlderSnapshots: true,
  needsRunningSystem: true,
  listing: {
    type: 'framed',
    id: 'snapshot-lsm',
    script: LSM_SCRIPT,
    read: (frame, { ignored }) => {
      try {
        const files = parseLsmFiles(frame);
        const selinux = selinuxState(files);
        const apparmor = appArmorState(files);
        const items: SecurityModuleItem[] = [{ name: 'selinux', mode: selinux.mode }];
        if (selinux.configured?.mode) items.push({ name: 'selinux config', mode: selinux.configured.mode });
        items.push({ name: 'apparmor', mode: apparmor.enabled ? 'enabled' : 'disabled' });
        if ('unknown' in apparmor.profiles) {
          return { items, gaps: [{ kind: KIND, reason: apparmor.profiles.unknown }] };
        }
        for (const profile of apparmor.profiles)
          items.push({ name: `apparmor profile ${profile.name}`, mode: profile.mode });
        return { items: items.filter((item) => !ignored(item.name)), gaps: [] };
      } catch (error) {
        if (error instanceof FactError) return { items: [], gaps: [{ kind: KIND, reason: error.message }] };
        throw error;
      }
    },
  },
  collection: listCollection(SecurityModuleItemSchema, (item) => item.name),
  identity: (item) => item.name,
  attributes: ['mode'],
  unique: true,
};
