import { z } from 'zod';
import { attributesOf, listCollection, type InventoryPart } from '../inventory-part.js';
import { FactError, readParts, requireExit } from '../resource.js';
import { readUnitFiles } from './facts.js';
import { NO_SYSTEMCTL, TIMER_LISTING_SCRIPT } from './query.js';
import { timerSettings } from './unit-file.js';

export const TimerItemSchema = z
  .object({
    name: z.string().min(1),
    /** The unit file state (`systemctl --root=/ list-unit-files`): enabled, disabled, static, masked … */
    state: z.string().min(1),
    onCalendar: z.array(z.string()),
    monotonic: z.array(z.string()),
    unit: z.string().min(1),
    persistent: z.boolean(),
  })
  .strict();
export type TimerItem = z.infer<typeof TimerItemSchema>;

/**
 * Every timer unit file (templates apart) with its state and [Timer] settings, read from the unit
 * files as systemd would at boot: the same on a booted host and on an image, so a new timer, one
 * enabled or disabled, or a changed schedule is drift. A host without systemd lists none.
 */
export const systemdTimerInventory: InventoryPart<TimerItem> = {
  kind: 'systemdTimers',
  noun: 'systemd timer',
  absentFromOlderSnapshots: true,
  listing: {
    type: 'framed',
    id: 'snapshot-systemd-timers',
    script: TIMER_LISTING_SCRIPT,
    read: (frame, { ignored }) => {
      const what = 'listing the systemd timers';
      // systemd always brings systemctl: a host without it (sysvinit, openrc) has no systemd timers.
      if (frame.exitCode === NO_SYSTEMCTL && /systemctl is not on the target/.test(frame.stderr.toString('utf8')))
        return { items: [], gaps: [] };
      const parts = readParts(frame, what);
      const list = parts.get('list');
      if (!list) throw new FactError(`${what}: the output has no part "list"`);
      // systemctl exits 1, saying nothing, where no unit file matches: a system without timers.
      if (list.exitCode === 1 && list.stdout.length === 0 && list.stderr.length === 0) return { items: [], gaps: [] };
      requireExit(list, [0], `${what} (systemctl --root=/ list-unit-files --type=timer)`);
      const items = list.stdout
        .toString('utf8')
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter(([name = '']) => name.endsWith('.timer') && !name.endsWith('@.timer'))
        .filter(([name]) => !ignored(name!))
        .map(([name, state]): TimerItem => {
          const settings = timerSettings(name!, readUnitFiles(parts, name!, what));
          return { name: name!, state: state ?? 'unknown', ...settings };
        });
      return { items, gaps: [] };
    },
  },
  collection: listCollection(TimerItemSchema, (item) => item.name),
  identity: (item) => item.name,
  attributes: attributesOf(TimerItemSchema, ['name']),
  unique: true,
};
