import { z } from 'zod';
import { EXIT } from '../../gate/exit-codes.js';
import { policyJsonSchema } from '../../gate/policy.js';
import { inventoryJsonSchema } from '../../inventory/schema.js';
import { goldenJsonSchema } from '../../promotion/golden-schema.js';
import { PlanSchema } from '../../plan/schema.js';
import { specFileJsonSchema } from '../../plan/spec-file.js';
import { createRegistry } from '../../resources/index.js';
import { RunResultSchema } from '../../results/schema.js';
import { driftReportJsonSchema } from '../../drift/diff-schema.js';
import { snapshotJsonSchema } from '../../drift/snapshot-schema.js';
import { SCHEMA_NAMES } from '../command-names.js';
import type { CliIo } from '../io.js';

/** JSON Schemas generated from the zod schemas that validate the same data. */
export function jsonSchemaFor(name: (typeof SCHEMA_NAMES)[number]): unknown {
  if (name === 'spec') return specFileJsonSchema(createRegistry());
  if (name === 'inventory') return inventoryJsonSchema();
  if (name === 'policy') return policyJsonSchema();
  if (name === 'drift') return driftReportJsonSchema();
  if (name === 'snapshot') return snapshotJsonSchema();
  if (name === 'golden') return goldenJsonSchema();
  const schema = name === 'plan' ? PlanSchema : RunResultSchema;
  return {
    ...(z.toJSONSchema(schema, { unrepresentable: 'any' }) as object),
    $id: `urn:driftspec:schema:${name}:1`,
    title: `driftspec ${name}`,
  };
}

export function schemaCommand(name: string, io: CliIo): number {
  if (!(SCHEMA_NAMES as readonly string[]).includes(name)) {
    io.stderr.write(`driftspec schema: unknown schema "${name}"; expected one of: ${SCHEMA_NAMES.join(', ')}\n`);
    return EXIT.usage;
  }
  io.stdout.write(`${JSON.stringify(jsonSchemaFor(name as (typeof SCHEMA_NAMES)[number]), null, 2)}\n`);
  return EXIT.passed;
}
