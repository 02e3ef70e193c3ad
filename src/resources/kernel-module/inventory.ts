import { z } from 'zod';
import { listCollection, type InventoryPart } from '../inventory-part.js';
import { KERNEL_MODULES_SCRIPT, parseKernelModules } from './probe.js';

export const KernelModuleItemSchema = z
  .object({
    name: z.string().min(1),
    /** Live, Loading or Unloading in /proc/modules; `not loaded`; absent where no list was read (an image). */
    state: z.string().optional(),
    blacklisted: z.boolean(),
    /** The install command modprobe runs instead of loading it (`/bin/false` disables it); null: none. */
    install: z.string().nullable(),
  })
  .strict();
export type KernelModuleItem = z.infer<typeof KernelModuleItemSchema>;

/**
 * Every module that is loaded or that the modprobe configuration names in a `blacklist` or
 * `install` line: one snapshot item each (underscore spelling), so loading a module, a new
 * blacklist file or a changed install command is drift.
 */
const KIND = 'kernelModules';

export const kernelModuleInventory: InventoryPart<KernelModuleItem> = {
  kind: KIND,
  noun: 'kernel module',
  onImage: {
    holds: 'the modprobe configuration the image holds; no module is loaded in an image',
    comparableWithBooted: ['blacklisted', 'install'],
  },
  listing: {
    type: 'framed',
    id: 'snapshot-kernel-modules',
    script: KERNEL_MODULES_SCRIPT,
    read: (frame, { host, ignored }) => {
      const modules = parseKernelModules(frame, host);
      const names = new Set([
        ...(modules.loaded ?? []).map((m) => m.name),
        ...modules.config.blacklisted.keys(),
        ...modules.config.install.keys(),
      ]);
      const items = [...names]
        .filter((name) => !ignored(name))
        .map((name): KernelModuleItem => {
          const state = modules.loaded
            ? (modules.loaded.find((m) => m.name === name)?.state ?? 'not loaded')
            : undefined;
          return {
            name,
            ...(state === undefined ? {} : { state }),
            blacklisted: modules.config.blacklisted.has(name),
            install: modules.config.install.get(name)?.command ?? null,
          };
        });
      // The configuration is still recorded where the loaded list is not: a gap says what is missing.
      const gaps = modules.loadedUnknown === undefined ? [] : [{ kind: KIND, reason: modules.loadedUnknown }];
      return { items, gaps };
    },
  },
  collection: listCollection(KernelModuleItemSchema, (item) => item.name),
  identity: (item) => item.name,
  attributes: ['state', 'blacklisted', 'install'],
  unique: true,
};
