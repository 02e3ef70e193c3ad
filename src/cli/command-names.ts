/**
 * Names that start-up and the help need, kept apart from the commands themselves: the loader in
 * bin/driftspec picks a command's code cache by name before any command module is loaded.
 */
export const COMMAND_NAMES = [
  'run',
  'plan',
  'schema',
  'snapshot',
  'drift',
  'generate',
  'promote',
  'init',
  'merge',
  'verify-packages',
  'profile',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const SCHEMA_NAMES = ['spec', 'plan', 'result', 'inventory', 'policy', 'drift', 'snapshot', 'golden'] as const;
