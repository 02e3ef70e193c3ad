import type { Command } from 'commander';
import { collect, parseCount, parseDurationOption, parsePositive } from './options.js';

/**
 * The options that choose and pace the hosts of a fleet, as `driftspec run` and `driftspec drift`
 * take them: an inventory and `--limit`, how many hosts at once, one host's budget, waiting for
 * freshly booted hosts, the progress line and `--quiet`. `done` says what happens to a host ("checked"),
 * `named` how the command's other hosts are given ("--target").
 */
export function addFleetOptions(command: Command, words: { done: string; named: string }): Command {
  return command
    .option(
      '--wait <duration>',
      'for freshly booted hosts: retry connecting and wait for cloud-init and systemd to finish booting, for up to ' +
        'this long (90s, 5m)',
      parseDurationOption,
    )
    .option(
      '--no-degraded',
      'with --wait: refuse a host whose systemd finished booting "degraded" (accepted by default)',
    )
    .option(
      '--inventory <file>',
      `YAML inventory of hosts and groups (see "driftspec schema inventory"); combines with ${words.named}`,
    )
    .option(
      '--limit <names>',
      'only these inventory hosts or groups (comma list, repeatable; "all" for every host)',
      collect,
    )
    .option('--concurrency <n>', `how many hosts are ${words.done} at once`, parseCount, 16)
    .option(
      '--host-timeout <seconds>',
      "one host's whole budget: connecting, logging in and the probe " +
        '(default: connect timeout + probe timeout + 10, and the time --wait allows)',
      parsePositive,
    )
    .option('--no-progress', 'no progress on stderr during fleet runs (a line on a terminal, else a line per host)')
    .option(
      '-q, --quiet',
      'only errors on stderr (no progress, no notes); on stdout no cli report unless --reporter asks for one',
      false,
    );
}

export interface FleetFlags {
  /** Milliseconds (`--wait`); undefined: no waiting. */
  wait?: number;
  /** False with --no-degraded. */
  degraded: boolean;
  inventory?: string;
  limit?: string[];
  concurrency: number;
  /** Seconds; undefined: derived from the connect and probe timeouts. */
  hostTimeout?: number;
  /** False with --no-progress. */
  progress: boolean;
  /** `-q`: no progress or notes on stderr, and no default cli report on stdout (docs/cli.md). */
  quiet: boolean;
}
