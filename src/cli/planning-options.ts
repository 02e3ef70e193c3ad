import type { Command } from 'commander';
import type { RunPlanningOptions } from '../controls/host-plans.js';
import type { PlanningFlags } from './flags.js';
import { collect, collectCommaList } from './options.js';

/** What `run` and `plan` add to the specs' own plan: inputs, the controls and tags kept, waivers. */
export function addPlanningOptions(command: Command): Command {
  return command
    .option('--input <name=value>', "set a spec's input (repeatable; overrides everything else)", collect)
    .option('--input-file <file>', 'input values (YAML map); overridden by inventory vars and --input')
    .option('--waivers <file>', 'waivers (YAML): control id → justification, expires, run; see docs/controls.md')
    .option(
      '--controls <ids>',
      'check only these controls (comma-separated ids or globs; repeatable)',
      collectCommaList,
    )
    .option(
      '--tags <tags>',
      'check only controls with one of these tags (key or key:value, globs ok)',
      collectCommaList,
    );
}

type PlanningOption = 'inputFile' | 'inputFlags' | 'controls' | 'tags' | 'waivers';

/** What the flags add to the specs' own plan: inputs, the controls and tags kept, waivers. */
export function planningFlags(flags: PlanningFlags): Pick<RunPlanningOptions, PlanningOption> {
  return {
    ...(flags.inputFile === undefined ? {} : { inputFile: flags.inputFile }),
    ...(flags.input ? { inputFlags: flags.input } : {}),
    ...(flags.controls ? { controls: flags.controls } : {}),
    ...(flags.tags ? { tags: flags.tags } : {}),
    ...(flags.waivers === undefined ? {} : { waivers: flags.waivers }),
  };
}
