import { z } from 'zod';
import { SpecError } from '../inputs/input-error.js';
import { readInputFile } from '../inputs/read.js';
import { parseYamlInput } from '../inputs/yaml-input.js';
import { InputNameSchema, type InputLayer } from './inputs.js';

/** `--input-file`: a YAML map of input names to values. Names no spec declares are left alone. */
export function loadInputFile(path: string, cwd: string = process.cwd()): InputLayer {
  return parseInputFile(readInputFile(path, 'inputs', cwd), path);
}

export function parseInputFile(text: string, source: string): InputLayer {
  const { value, where } = parseYamlInput(text, source, z.record(InputNameSchema, z.unknown()), {
    shape: 'an input file must be a map of input names to values',
  });
  return { values: new Map(Object.entries(value)), locate: (name) => where.at([name]) };
}

/** `--input name=value` (repeatable; the last of a name wins). The value is read per the input's type. */
export function inputFlagLayer(assignments: readonly string[]): InputLayer {
  const values = new Map<string, string>();
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    const name = equals < 0 ? assignment : assignment.slice(0, equals);
    if (equals < 0 || !InputNameSchema.safeParse(name).success)
      throw new SpecError(`--input ${JSON.stringify(name)}: expected name=value, the name letters, digits and "_"`);
    values.set(name, assignment.slice(equals + 1));
  }
  return { values, locate: (name) => `--input ${name}=…`, fromText: true };
}

/** The vars of an inventory host, as one layer; shared by the hosts whose vars are the same. */
export function inventoryVarsLayer(vars: Readonly<Record<string, unknown>>, inventory: string): InputLayer {
  return { values: new Map(Object.entries(vars)), locate: (name) => `${inventory} vars.${name}` };
}
