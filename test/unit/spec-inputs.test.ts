import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { planRun } from '../../src/controls/host-plans.js';
import { control, file, planSpecs, spec } from '../../src/dsl/index.js';
import { runPlan } from '../../src/engine/run.js';
import { PlanAssembler } from '../../src/plan/assemble.js';
import { inputFlagLayer, inventoryVarsLayer, parseInputFile } from '../../src/plan/input-sources.js';
import type { InputLayer } from '../../src/plan/inputs.js';
import { maskSecrets } from '../../src/plan/mask.js';
import { loadYamlSpec } from '../../src/plan/yaml.js';
import { createRegistry } from '../../src/resources/index.js';
import { RunResultSchema } from '../../src/results/schema.js';
import type { Target } from '../../src/targets/target.js';
import { refusal } from '../support/spec-error.js';
import { execResult, framedOutput, HOST_FRAME_TEXT, ScriptedTarget } from '../support/fake-target.js';

const registry = createRegistry();

const SPEC = `spec: web
inputs:
  conf_dir: { type: string, default: /etc/app }
  port: { type: integer, default: 22 }
  admins: { type: array, items: string, default: [root] }
  token: { type: string, sensitive: true, default: "tok'en-1" }
controls:
  - id: web-01
    checks:
      - file: \${input.conf_dir}/app.conf
        exists: true
      - file: /etc/app/token
        content: { contains: "\${input.token}" }
      - port: \${input.port}
        listening: true
      - command: echo "$\${input.port}"
        exitStatus: 0
`;

function plan(text: string, layers: InputLayer[] = [], source = 'web.yaml') {
  const assembler = new PlanAssembler(registry, layers);
  loadYamlSpec(text, source, assembler, registry);
  return { plan: assembler.finish(), inputs: assembler.inputs(), secrets: assembler.secrets() };
}

const fileLayer = parseInputFile('conf_dir: /srv/app\nport: 2200\n', 'inputs.yaml');
const varsLayer = inventoryVarsLayer({ port: 2222, unrelated: 'x' }, 'fleet.yaml');
const flagLayer = inputFlagLayer(['port=2022']);

describe('inputs: order of sources (lowest first: default, --input-file, inventory vars, --input)', () => {
  const value = (layers: InputLayer[]) => {
    const { inputs } = plan(SPEC, layers);
    const port = inputs.find((i) => i.name === 'port')!;
    return `${String(port.value)} from ${port.source}`;
  };

  it('takes the default when nothing else sets it', () => {
    expect(value([])).to.equal('22 from default');
  });
  it('an input file overrides the default', () => {
    expect(value([fileLayer])).to.equal('2200 from inputs.yaml:2:1');
  });
  it('inventory vars override the input file', () => {
    expect(value([fileLayer, varsLayer])).to.equal('2222 from fleet.yaml vars.port');
  });
  it('--input overrides everything', () => {
    expect(value([fileLayer, varsLayer, flagLayer])).to.equal('2022 from --input port=…');
  });

  it('puts typed values into checks, whole or inside text, and keeps $${…} literal', () => {
    const { plan: built } = plan(SPEC, [fileLayer]);
    expect(built.checks.map((c) => c.subject)).to.deep.equal([
      '/srv/app/app.conf',
      '/etc/app/token',
      2200,
      'echo "${input.port}"',
    ]);
  });
});

describe('inputs: mistakes', () => {
  it('a reference to an undeclared input names file:line', () => {
    const text = SPEC.replace('${input.conf_dir}', '${input.confdir}');
    expect(refusal(() => plan(text))).to.equal(
      'web.yaml:10:9: unknown input "confdir"; declared: conf_dir, port, admins, token',
    );
  });

  it('a value of the wrong type names its source: file:line or the flag', () => {
    expect(refusal(() => plan(SPEC, [parseInputFile('port: twenty\n', 'inputs.yaml')]))).to.match(
      /^input "port" of spec "web" from inputs\.yaml:1:1: expected a whole number \(got "twenty"\)/,
    );
    expect(refusal(() => plan(SPEC, [inputFlagLayer(['admins=[root, 3]'])]))).to.match(
      /^input "admins" of spec "web" from --input admins=…: expected a list of string values/,
    );
    expect(refusal(() => plan(SPEC.replace('default: 22', 'default: "22"')))).to.match(
      /from its default \(web\.yaml:4:\d+\): expected a whole number/,
    );
  });

  it('never repeats a sensitive value in a message', () => {
    const message = refusal(() => plan(SPEC, [parseInputFile('token: [tok1, tok2]\n', 'inputs.yaml')]));
    expect(message).to.equal('input "token" of spec "web" from inputs.yaml:1:1: expected a string');
  });

  it('an input without default and without value is refused, naming where to set it', () => {
    const text = SPEC.replace(', default: /etc/app', '');
    expect(refusal(() => plan(text))).to.equal(
      'input "conf_dir" of spec "web" has no value and no default; set it with --input conf_dir=…, ' +
        '--input-file or the inventory vars',
    );
  });

  it('refuses a malformed --input and a --input no spec declares', async () => {
    expect(refusal(() => inputFlagLayer(['9lives=1']))).to.match(/^--input "9lives": expected name=value/);
    let message = '';
    await planRun([], {
      registry,
      cacheDir: '/nonexistent',
      inputFlags: ['port=1'],
      cwd: '/',
    }).catch((error: Error) => {
      message = error.message;
    });
    expect(message).to.equal('--input port: no spec declares this input; declared: (none)');
  });
});

describe('inputs: sensitive values', () => {
  it('are recorded as *** and masked as written and as the probe quotes them', () => {
    const { inputs, secrets } = plan(SPEC);
    expect(inputs.find((i) => i.name === 'token')).to.deep.equal({
      spec: 'web',
      name: 'token',
      value: '***',
      source: 'default',
      sensitive: true,
    });
    expect(maskSecrets(`grep -F -- 'tok'\\''en-1' file; token tok'en-1`, secrets)).to.equal(
      "grep -F -- '***' file; token ***",
    );
  });

  it('never reach a run result: titles, messages, expected values, evidence scripts', async () => {
    const built = plan(SPEC.replace('- command: echo "$${input.port}"', '- command: "test -n ${input.token}"'));
    const target = new ScriptedTarget([() => execResult(framedOutput([{ id: 'host', stdout: HOST_FRAME_TEXT }]))]);
    const result = await runPlan(built.plan, [target], {
      registry,
      commandTimeoutMs: 5000,
      toolVersion: '0.0.0',
      concurrency: 1,
      hostTimeoutMs: 10_000,
      hostPlan: () => built,
    });
    RunResultSchema.parse(result);
    expect(target.calls[0]!.script).to.include("tok'\\''en-1");
    expect(JSON.stringify(result.hosts[0]!.evidence)).to.include('test -n ***');
    const json = JSON.stringify(result);
    expect(json).not.to.include('en-1');
    expect(json).to.include('containing \\"***\\"');
  });
});

describe('inputs: the TypeScript DSL', () => {
  it('hands the body typed values from the same sources', () => {
    const definition = spec(
      {
        name: 'web',
        inputs: {
          conf_dir: { type: 'string', default: '/etc/app' },
          admins: { type: 'array', items: 'string', default: ['root'] },
        },
      },
      (inputs) => {
        control('web-01', () => {
          for (const admin of inputs.admins) file(`${inputs.conf_dir}/${admin}`).exists();
        });
      },
    );
    expect(planSpecs([{ definition }], registry).checks.map((c) => c.subject)).to.deep.equal(['/etc/app/root']);
    // The same body, planned again with other values: one plan per set of inputs.
    const withFlags = planSpecs([{ definition }], registry, [inputFlagLayer(['admins=[ops, audit]'])]);
    expect(withFlags.checks.map((c) => c.subject)).to.deep.equal(['/etc/app/ops', '/etc/app/audit']);
  });

  it('refuses a declaration that is not a known type', () => {
    expect(refusal(() => spec({ name: 'x', inputs: { a: { type: 'text' as never } } }, () => {}))).to.match(
      /^spec\("x"\): invalid inputs: /,
    );
  });
});

describe('inputs: a plan per host where inventory vars differ, still one exec per host', () => {
  it('gives each host its own values and shares a plan between hosts with the same ones', async () => {
    const hostA = target('ssh://a');
    const hostB = target('ssh://b');
    const hostC = target('ssh://c');
    const entries = new Map<Target, { vars: Record<string, unknown> }>([
      [hostA, { vars: { port: 2201, other: 1 } }],
      [hostB, { vars: { port: 2202 } }],
      [hostC, { vars: { port: 2201, other: 2 } }],
    ]);
    const first = { target: hostA.name, vars: entries.get(hostA)!.vars };
    const planning = await planRunFromText(SPEC, { entries, first, inventory: 'fleet.yaml' });
    const hostPlans = await planning.planHosts();
    expect(hostPlans(hostA)!.plan.checks[2]!.subject).to.equal(2201);
    expect(hostPlans(hostB)!.plan.checks[2]!.subject).to.equal(2202);
    expect(hostPlans(hostC)).to.equal(hostPlans(hostA));
    const result = await runPlan(planning.plan, [hostA, hostB], {
      registry,
      commandTimeoutMs: 5000,
      toolVersion: '0.0.0',
      concurrency: 2,
      hostTimeoutMs: 10_000,
      hostPlan: (t) => hostPlans(t) ?? planning,
    });
    expect([hostA.calls.length, hostB.calls.length]).to.deep.equal([1, 1]);
    expect(result.hosts.map((h) => h.inputs!.find((i) => i.name === 'port')!.value)).to.deep.equal([2201, 2202]);
    expect(result.hosts[0]!.inputs!.find((i) => i.name === 'port')!.source).to.equal('fleet.yaml vars.port');
  });
});

function target(name: string): ScriptedTarget & { name: string } {
  const scripted = new ScriptedTarget([() => execResult(framedOutput([{ id: 'host', stdout: HOST_FRAME_TEXT }]))]);
  Object.defineProperty(scripted, 'name', { value: name });
  return scripted;
}

const dir = mkdtempSync(join(tmpdir(), 'driftspec-inputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function planRunFromText(text: string, hosts: Parameters<typeof planRun>[1]['hosts']) {
  const path = join(dir, 'web.yaml');
  writeFileSync(path, text);
  return planRun([path], { registry, cacheDir: dir, ...(hosts ? { hosts } : {}), cwd: dir });
}
