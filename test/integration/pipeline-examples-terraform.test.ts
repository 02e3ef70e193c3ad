import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { z } from 'zod';
import { GoldenRecordSchema } from '../../src/promotion/golden-schema.js';

interface Hcl2Json {
  parse(fileName: string, hcl: string): Promise<Record<string, object>>;
}
// Imported by a name the type checker does not follow: the package's declarations pull in the DOM library
// (`/// <reference lib="dom" />`), which would change how the other tests type-check.
const HCL2JSON_PACKAGE = '@cdktf/hcl2json';
const { parse: parseHcl } = (await import(HCL2JSON_PACKAGE)) as Hcl2Json;

const TERRAFORM_DIR = fileURLToPath(new URL('../../examples/terraform/', import.meta.url));

const TerraformSchema = z.object({
  locals: z.array(z.record(z.string(), z.string())),
  resource: z.object({ aws_instance: z.object({ web: z.array(z.record(z.string(), z.unknown())) }) }),
  variable: z.record(z.string(), z.array(z.object({ type: z.string() }).passthrough())),
  output: z.record(z.string(), z.array(z.object({ value: z.string() }).passthrough())),
});

/** Every file of the example parsed by Terraform's own HCL parser (compiled to WebAssembly), merged. */
async function parseConfiguration(): Promise<z.infer<typeof TerraformSchema>> {
  const files = readdirSync(TERRAFORM_DIR).filter((name) => name.endsWith('.tf'));
  const merged: Record<string, unknown> = {};
  for (const name of files) {
    const parsed = await parseHcl(name, readFileSync(TERRAFORM_DIR + name, 'utf8'));
    for (const [block, value] of Object.entries(parsed)) {
      const previous = merged[block];
      merged[block] = Array.isArray(value)
        ? [...((previous as unknown[] | undefined) ?? []), ...value]
        : { ...((previous as object | undefined) ?? {}), ...value };
    }
  }
  return TerraformSchema.parse(merged);
}

/** How hcl2json writes an expression: as a Terraform template of that one expression. */
function expression(text: string): string {
  return `\${${text}}`;
}

/** The paths of `local.golden.…` references in the configuration (`run.exitCode`, `imageId`). */
function goldenReferences(source: string): string[] {
  return [...new Set([...source.matchAll(/local\.golden\.([\w.]+)/g)].map((match) => match[1]!))];
}

function valueAt(record: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], record);
}

describe('examples/terraform', () => {
  it('parses as HCL, and a syntax error in it would not', async () => {
    await parseConfiguration();
    let failure: unknown;
    await parseHcl('broken.tf', 'locals {\n  golden = jsondecode(file(var.golden_record_path)\n}\n').catch((error) => {
      failure = error;
    });
    expect(String(failure)).to.match(/broken\.tf:3/);
  });

  it('reads the image id from the golden record with jsondecode(file(…)), and nowhere else', async () => {
    const configuration = await parseConfiguration();
    const locals = Object.assign({}, ...configuration.locals) as Record<string, string>;
    expect(locals.golden).to.equal(expression('jsondecode(file(var.golden_record_path))'));
    expect(locals.image_id).to.equal(expression('regex("ami-[0-9a-f]+$", local.golden.imageId)'));
    const instance = configuration.resource.aws_instance.web[0]!;
    expect(instance.ami).to.equal(expression('local.image_id'));
    expect(configuration.variable.golden_record_path![0]).to.deep.include({
      type: expression('string'),
      default: 'golden.json',
    });
    expect(Object.keys(configuration.variable)).to.not.include.members(['ami', 'image_id']);
  });

  it('refuses a record of another schema version or of a run that did not pass', async () => {
    const instance = (await parseConfiguration()).resource.aws_instance.web[0]!;
    const lifecycle = z
      .array(z.object({ precondition: z.array(z.object({ condition: z.string(), error_message: z.string() })) }))
      .parse(instance.lifecycle);
    expect(lifecycle[0]!.precondition.map((check) => check.condition)).to.deep.equal([
      expression('local.golden.schemaVersion == 1'),
      expression('local.golden.run.exitCode == 0'),
    ]);
  });

  it('refers only to golden record fields that a record has, and takes the AMI id out of its image id', () => {
    const source = readdirSync(TERRAFORM_DIR)
      .filter((name) => name.endsWith('.tf'))
      .map((name) => readFileSync(TERRAFORM_DIR + name, 'utf8'))
      .join('\n');
    const record: unknown = JSON.parse(readFileSync(`${TERRAFORM_DIR}golden.example.json`, 'utf8'));
    const valid = GoldenRecordSchema.safeParse(record);
    expect(valid.success, 'the example is a golden record as driftspec promote writes it').to.equal(true);
    const references = goldenReferences(source);
    expect(references).to.have.members(['imageId', 'schemaVersion', 'run.exitCode', 'promotedAt']);
    for (const path of references) expect(valueAt(record, path), path).to.not.equal(undefined);
    // The same pattern Terraform's regex() applies; RE2 and JavaScript agree on it.
    const amiPattern = /ami-[0-9a-f]+$/;
    expect(amiPattern.exec(valueAt(record, 'imageId') as string)?.[0]).to.equal('ami-0a1b2c3d4e5f60718');
    expect(amiPattern.exec('ami-0a1b2c3d4e5f60718')?.[0]).to.equal('ami-0a1b2c3d4e5f60718');
  });
});
