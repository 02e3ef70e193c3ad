import { SECTION_MARK } from '../inventory-listing.js';
import { mapCollection, type InventoryPart, type KeyValue } from '../inventory-part.js';
import { FactError, requireRan } from '../resource.js';
import { FIND_SSHD, readSshdFrame, SSHD_T_FUNCTION, settingText } from './effective.js';

const KIND = 'sshdSettings';
const NO_SSHD = `${SECTION_MARK} no-sshd`;

/**
 * sshd's effective settings (`sshd -T`, no Match context), or a marker line where the target has
 * no sshd at all: a machine without an SSH server has no settings, which is not a gap.
 */
export const SSHD_SETTINGS_SCRIPT = `${FIND_SSHD}
${SSHD_T_FUNCTION}
[ -n "$ds_sshd" ] || { echo '${NO_SSHD}'; exit 0; }
ds_sshd_t`;

/** Keywords → effective value as text (lists joined as sshd_config writes them). */
export const sshdConfigInventory: InventoryPart<KeyValue, Record<string, string>> = {
  kind: KIND,
  noun: 'sshd setting',
  absentFromOlderSnapshots: true,
  listing: {
    type: 'framed',
    id: 'snapshot-sshd-settings',
    script: SSHD_SETTINGS_SCRIPT,
    read: (frame) => {
      const what = "reading sshd's effective configuration";
      requireRan(frame, what);
      if (frame.exitCode === 0 && frame.stdout.toString('utf8') === `${NO_SSHD}\n`) return { items: [], gaps: [] };
      const settings = readSshdFrame(frame, what);
      if (settings.size === 0) throw new FactError(`${what}: sshd -T printed no settings`);
      const items = [...settings].map(([key, value]) => ({ key, value: settingText(key, value) }));
      return { items, gaps: [] };
    },
  },
  collection: mapCollection(),
  identity: (setting) => setting.key,
  attributes: ['value'],
  unique: true,
};
