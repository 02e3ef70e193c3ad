import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { jsonSchemaFor } from '../../src/cli/commands/schema-action.js';
import { runLocally } from '../support/local.js';
import { file } from '../../src/dsl/index.js';
import { RESULT_SCHEMA_VERSION } from '../../src/results/schema.js';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The published JSON Schemas, checked by an independent validator against real documents. */
function validator(name: Parameters<typeof jsonSchemaFor>[0]) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(jsonSchemaFor(name) as object);
  return (document: unknown) => {
    validate(document);
    return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

describe('published JSON Schemas accept real documents and refuse wrong ones', () => {
  it('result: the recorded golden run and a fresh run on this machine', async () => {
    const validate = validator('result');
    expect(validate(JSON.parse(readFileSync(root('test/fixtures/golden/run.json'), 'utf8')))).to.deep.equal([]);
    const host = await runLocally(() => {
      file('/etc/passwd').isFile();
      file('/nonexistent').exists();
    });
    const fresh = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      tool: { name: 'driftspec', version: '0.0.0' },
      startedAt: host.startedAt,
      finishedAt: host.startedAt,
      specs: [{ name: 'test' }],
      controls: [],
      counts: host.counts,
      hosts: [host],
    };
    expect(validate(JSON.parse(JSON.stringify(fresh)))).to.deep.equal([]);
    expect(validate({ ...fresh, schemaVersion: 99 })).to.not.deep.equal([]);
  });

  it('spec: the bundled spec, and not a check with a misspelt key', () => {
    const validate = validator('spec');
    expect(validate(parseYaml(readFileSync(root('specs/debian-web-server.yaml'), 'utf8')))).to.deep.equal([]);
    expect(validate({ spec: 'x', checks: [{ file: '/x', colour: 'red' }] })).to.not.deep.equal([]);
  });

  it('inventory and policy: the documented examples', () => {
    expect(validator('inventory')(parseYaml(readFileSync(root('docs/examples/inventory.yaml'), 'utf8')))).to.deep.equal(
      [],
    );
    expect(validator('policy')(parseYaml(readFileSync(root('test/fixtures/golden/gate.yaml'), 'utf8')))).to.deep.equal(
      [],
    );
  });
});
