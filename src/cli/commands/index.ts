import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import * as drift from './drift.js';
import * as generate from './generate.js';
import * as init from './init.js';
import * as merge from './merge.js';
import * as plan from './plan.js';
import * as profile from './profile.js';
import * as promote from './promote.js';
import * as run from './run.js';
import * as schema from './schema.js';
import * as snapshot from './snapshot.js';
import * as verifyPackages from './verify-packages.js';

/**
 * A command module registers its name, arguments and options with the program and loads the code
 * that does the work (its `-action` module) only when it runs: start-up pays for one command, not all.
 */
export interface CommandModule {
  register(program: Command, io: CliIo): void;
}

/** In the order `--help` lists them (the names also in ../command-names.ts, for the code cache). */
export const COMMANDS: readonly CommandModule[] = [
  run,
  plan,
  schema,
  snapshot,
  drift,
  generate,
  promote,
  init,
  merge,
  verifyPackages,
  profile,
];
