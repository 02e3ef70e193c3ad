import type { Plan } from '../plan/schema.js';
import type { Selection } from '../results/schema.js';
import { selectControls, type ControlFilter } from './select.js';
import { loadWaiversFile, resolveWaivers, skipWaivedChecks, type WaiverBook } from './waivers.js';

export interface ControlOptions extends ControlFilter {
  /** A waivers file (`--waivers`). */
  waivers?: string;
  /** The day waivers are judged on. */
  today: Date;
  cwd: string;
}

export interface PreparedPlan {
  /** What is probed: the selected controls, the checks of waivers with `run: false` skipped. */
  plan: Plan;
  waivers?: WaiverBook;
  selection?: Selection;
}

/** Applies `--controls`, `--tags` and `--waivers` to a plan before anything is probed. */
export function prepareControls(plan: Plan, options: ControlOptions): PreparedPlan {
  const selected = selectControls(plan, options);
  if (options.waivers === undefined) return { plan: selected.plan, ...selectionOf(selected.selection) };
  const file = loadWaiversFile(options.waivers, options.cwd);
  const waivers = resolveWaivers(file, selected.plan, options.today, selected.filteredOut);
  return { plan: skipWaivedChecks(selected.plan, waivers), waivers, ...selectionOf(selected.selection) };
}

function selectionOf(selection: Selection | undefined): { selection?: Selection } {
  return selection ? { selection } : {};
}
