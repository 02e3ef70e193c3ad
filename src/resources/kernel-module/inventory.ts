import { z } from 'zod';
import { FactError } from '../resource.js';
import { listCollection, listed, type InventoryPart } from '../inventory-part.js';
import { KERNEL_MODULES_SCRIPT, parseKernelModules } from './probe.js';

export const KernelModuleItemSchema = z
  .object({
    name: z.string().min(1),
    /** Live, Loading or Unloading in /proc/modules; `not loaded`; absent on an image (no kernel runs). */
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
export const kernelModuleInventory: InventoryPart<KernelModuleItem> = {
  kind: 'kernelModules',
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
      if (modules.loadedUnknown !== undefined) throw new FactError(modules.loadedUnknown);
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
      return listed(items);
    },
  },
  collection: listCollection(KernelModuleItemSchema, (item) => item.name),
  identity: (item) => item.name,
  attributes: ['state', 'blacklisted', 'install'],
  unique: true,
};
