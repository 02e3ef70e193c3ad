import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { loadGatePolicy } from '../../src/gate/policy.js';
import { requireInCi } from '../support/environment.js';
import {
  credentialVariables,
  decisionsOf,
  ignoredStatuses,
  methodBodies,
  shellSteps,
  stageNames,
  statusUses,
  tokenizeGroovy,
} from '../support/groovy-structure.js';
import { driftspecInvocations, fencedBlocks, optionValue, unknownOptions } from '../support/shard-examples.js';
import { FakeCommandBench } from '../support/fake-command.js';
import { hasShellcheck, shellcheckFindings } from '../support/shellcheck.js';

/** How GitHub Actions writes the matrix value in a step (a stand-in replaces it to run the step). */
const MATRIX_SHARD = ['$', '{{ matrix.shard }}'].join('');
const examplePath = (path: string) => fileURLToPath(new URL(`../../examples/${path}`, import.meta.url));
const example = (path: string) => readFileSync(examplePath(path), 'utf8');

/** One YAML document, refused when the file holds errors, warnings or more than one document. */
function yamlDocument(path: string): unknown {
  const documents = parseAllDocuments(example(path), { uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(documents)) throw new Error(`${path}: no document`);
  expect(documents, path).to.have.length(1);
  const [document] = documents;
  expect(document!.errors.map(String), path).to.deep.equal([]);
  expect(document!.warnings.map(String), path).to.deep.equal([]);
  return document!.toJS();
}

// The parts of the Kubernetes API these manifests use, as the API defines them (batch/v1 Job, core/v1 Pod).
const NAME = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
const MetadataSchema = z.object({ name: NAME, labels: z.record(z.string(), z.string()).optional() }).strict();
const VolumeMountSchema = z
  .object({ name: NAME, mountPath: z.string().startsWith('/'), readOnly: z.boolean().optional() })
  .strict();
const ContainerSchema = z
  .object({
    name: NAME,
    image: z.string().min(1),
    command: z.array(z.string()),
    volumeMounts: z.array(VolumeMountSchema),
    resources: z
      .object({
        requests: z.record(z.string(), z.string()).optional(),
        limits: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
const VolumeSchema = z
  .object({
    name: NAME,
    configMap: z.object({ name: NAME }).strict().optional(),
    secret: z
      .object({ secretName: NAME, defaultMode: z.number().int().min(0).max(0o777) })
      .strict()
      .optional(),
    persistentVolumeClaim: z.object({ claimName: NAME }).strict().optional(),
  })
  .strict()
  .refine((volume) => [volume.configMap, volume.secret, volume.persistentVolumeClaim].filter(Boolean).length === 1);
const JobSchema = z
  .object({
    apiVersion: z.literal('batch/v1'),
    kind: z.literal('Job'),
    metadata: MetadataSchema,
    spec: z
      .object({
        completionMode: z.enum(['NonIndexed', 'Indexed']).optional(),
        completions: z.number().int().positive().optional(),
        parallelism: z.number().int().positive().optional(),
        backoffLimit: z.number().int().nonnegative(),
        template: z
          .object({
            metadata: MetadataSchema.omit({ name: true }).strict(),
            spec: z
              .object({
                restartPolicy: z.enum(['Never', 'OnFailure']),
                containers: z.array(ContainerSchema).length(1),
                volumes: z.array(VolumeSchema),
              })
              .strict(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();
type Job = z.infer<typeof JobSchema>;
const PvcSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('PersistentVolumeClaim'),
    metadata: MetadataSchema,
    spec: z
      .object({
        accessModes: z.array(z.enum(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'])),
        resources: z.object({ requests: z.object({ storage: z.string() }).strict() }).strict(),
      })
      .strict(),
  })
  .strict();

const sweep = JobSchema.parse(yamlDocument('kubernetes/sweep-job.yaml'));
const merge = JobSchema.parse(yamlDocument('kubernetes/merge-job.yaml'));
const pvc = PvcSchema.parse(yamlDocument('kubernetes/results-pvc.yaml'));

const container = (job: Job) => job.spec.template.spec.containers[0]!;
/** The shell script a container runs (`/bin/sh -c SCRIPT`). */
function containerScript(job: Job): string {
  const [shell, flag, script] = container(job).command;
  expect([shell, flag]).to.deep.equal(['/bin/sh', '-c']);
  return script!;
}
function mountOf(job: Job, claim: string): string {
  const volume = job.spec.template.spec.volumes.find((v) => v.persistentVolumeClaim?.claimName === claim);
  const mount = container(job).volumeMounts.find((m) => m.name === volume?.name);
  expect(mount, `${job.metadata.name} mounts ${claim}`).to.not.equal(undefined);
  return mount!.mountPath;
}

describe('examples/kubernetes: an Indexed Job of shards and a merge Job', () => {
  const [run] = driftspecInvocations(containerScript(sweep));
  const [merging] = driftspecInvocations(containerScript(merge));

  it('runs one pod per shard: Indexed, completions N, and --shard-count N', () => {
    expect(sweep.spec.completionMode).to.equal('Indexed');
    expect(sweep.spec.completions).to.equal(4);
    expect(sweep.spec.parallelism).to.equal(sweep.spec.completions);
    expect(run![0]).to.equal('run');
    expect(optionValue(run!, '--shard-count')).to.equal(String(sweep.spec.completions));
    expect(run).to.not.include('--shard').and.not.include('--shard-index');
    expect(sweep.spec.template.spec.restartPolicy).to.equal('Never');
  });

  it('uses only options the real commands have', () => {
    expect(unknownOptions(['run', '--shard-count', '4', '--shards', '4']), 'the check itself').to.deep.equal([
      'driftspec run has no option --shards',
    ]);
    expect(unknownOptions(run!)).to.deep.equal([]);
    expect(unknownOptions(merging!)).to.deep.equal([]);
  });

  it('writes each shard to the shared volume under its index, and merges exactly those files', () => {
    expect(pvc.spec.accessModes).to.deep.equal(['ReadWriteMany']);
    const claim = pvc.metadata.name;
    const sweepDir = mountOf(sweep, claim);
    expect(mountOf(merge, claim)).to.equal(sweepDir);
    const output = run!.find((word) => word.startsWith('json:'));
    expect(output).to.equal(`json:${sweepDir}/shard-$JOB_COMPLETION_INDEX.json`);
    expect(merging!.slice(0, 2)).to.deep.equal(['merge', `${sweepDir}/shard-*.json`]);
    expect(merge.spec.backoffLimit, 'a blocked verdict is not retried').to.equal(0);
    expect(merge.spec.completionMode).to.equal(undefined);
  });

  it('gives the shards and the merge the same policy, spec config and image', () => {
    expect(optionValue(merging!, '--policy')).to.equal(optionValue(run!, '--policy'));
    const configOf = (job: Job) => job.spec.template.spec.volumes.find((v) => v.configMap)?.configMap?.name;
    expect(configOf(merge)).to.equal(configOf(sweep)).and.equal('driftspec-sweep');
    expect(container(merge).image).to.equal(container(sweep).image);
    const key = sweep.spec.template.spec.volumes.find((v) => v.secret)?.secret;
    expect(key?.defaultMode, 'the SSH key readable by its owner only').to.equal(0o400);
  });

  it('lets a shard pod succeed on findings (0, 1, 2) and fail on anything else', () => {
    const bench = mkdtempSync(join(tmpdir(), 'driftspec-k8s-shard-'));
    try {
      writeFileSync(join(bench, 'driftspec'), '#!/bin/sh\nexit "$FAKE_STATUS"\n');
      chmodSync(join(bench, 'driftspec'), 0o755);
      for (const [status, podExit] of [
        [0, 0],
        [1, 0],
        [2, 0],
        [64, 64],
        [70, 70],
        [73, 73],
        [78, 78],
      ] as const) {
        const pod = spawnSync('/bin/sh', ['-c', containerScript(sweep)], {
          env: { PATH: `${bench}:${process.env.PATH}`, FAKE_STATUS: String(status), JOB_COMPLETION_INDEX: '0' },
        });
        expect(pod.status, `driftspec exiting ${status}`).to.equal(podExit);
      }
    } finally {
      rmSync(bench, { recursive: true, force: true });
    }
  });

  it('has container scripts that ShellCheck finds clean', function () {
    if (!hasShellcheck()) return requireInCi(this, 'shellcheck is not installed');
    for (const job of [sweep, merge]) expect(shellcheckFindings(containerScript(job), 'sh')).to.deep.equal([]);
  });
});

describe('examples/jenkins/Jenkinsfile.sharded: a matrix of shards and a merge stage', () => {
  const JENKINSFILE = example('jenkins/Jenkinsfile.sharded');
  const tokens = tokenizeGroovy(JENKINSFILE);
  const scriptRunning = (command: string) => {
    const steps = shellSteps(tokens).filter((step) => step.script.includes(`driftspec ${command} `));
    expect(steps, `one sh step running driftspec ${command}`).to.have.length(1);
    return steps[0]!.script;
  };
  const invocation = (command: string) => driftspecInvocations(scriptRunning(command))[0]!;

  it('is a declarative pipeline: a matrix stage of shards, then the merge', () => {
    expect(tokens[0]).to.deep.include({ kind: 'word', text: 'pipeline' });
    expect(stageNames(tokens)).to.deep.equal(['Sweep', 'Shard', 'Merge']);
    expect(JENKINSFILE).to.match(/stage\('Sweep'\) \{\n\s+matrix \{/);
  });

  it("runs shards 1 to SHARDS: the matrix axis, the --shard option and the merge's unstash loop agree", () => {
    const axis = /name 'SHARD'\s+values ((?:'\d+'(?:, )?)+)/.exec(JENKINSFILE);
    const values = [...(axis?.[1] ?? '').matchAll(/'(\d+)'/g)].map((m) => Number(m[1]));
    const shards = Number(/SHARDS = '(\d+)'/.exec(JENKINSFILE)?.[1]);
    expect(values).to.deep.equal(Array.from({ length: shards }, (_, i) => i + 1));
    const run = invocation('run');
    expect(optionValue(run, '--shard')).to.equal('$SHARD/$SHARDS');
    expect(run).to.include('json:$REPORTS/shard-$SHARD.json');
    expect(JENKINSFILE).to.include(`stash name: "shard-\${SHARD}", includes: "reports/shard-\${SHARD}.json"`);
    expect(JENKINSFILE).to.include('for (int shard = 1; shard <= (env.SHARDS as int); shard++) {');
    expect(JENKINSFILE).to.include(`unstash "shard-\${shard}"`);
    expect(invocation('merge').slice(0, 2)).to.deep.equal(['merge', '$REPORTS/shard-*.json']);
  });

  it('uses only options the real commands have, and the same policy for the shards and the merge', () => {
    expect(unknownOptions(invocation('run'))).to.deep.equal([]);
    expect(unknownOptions(invocation('merge'))).to.deep.equal([]);
    expect(optionValue(invocation('merge'), '--policy')).to.equal('$POLICY');
    expect(optionValue(invocation('run'), '--policy')).to.equal('$POLICY');
    const policy = /POLICY = '([^']+)'/.exec(JENKINSFILE)?.[1];
    expect(policy).to.equal('examples/jenkins/fleet-policy.yaml');
    expect(loadGatePolicy(examplePath('jenkins/fleet-policy.yaml')).failures.allow).to.deep.equal({
      low: 'unlimited',
    });
  });

  it('acts on every status: a shard fails only when it has no result, the merge on every exit code', () => {
    expect(ignoredStatuses(tokens)).to.deep.equal([]);
    const handlers = statusUses(tokens).map((use) => [use.step.script.match(/driftspec \w+/)?.[0], use.handedTo]);
    expect(handlers).to.deep.equal([
      ['driftspec run', ['actOnShardStatus']],
      ['driftspec merge', ['actOnMergeStatus']],
    ]);
    const table = (method: string) =>
      Object.fromEntries(decisionsOf(methodBodies(tokens).get(method)!).map((d) => [d.when, d.calls]));
    expect(table('actOnShardStatus')).to.deep.equal({
      'case 0': [],
      'case 1': [],
      'case 2': ['return'],
      default: ['error'],
    });
    expect(table('actOnMergeStatus')).to.deep.equal({
      'case 0': ['return'],
      'case 1': ['blockedByFindings', 'return'],
      'case 2': ['error', 'return'],
      'case 78': ['error', 'return'],
      'case 79': ['error', 'return'],
      default: ['error'],
    });
  });

  it('publishes the merged JUnit report and archives the merged and shard results', () => {
    expect(invocation('merge')).to.include('junit:$REPORTS/junit.xml').and.include('json:$REPORTS/run.json');
    expect(JENKINSFILE).to.include(
      "junit testResults: 'reports/junit.xml', allowEmptyResults: true, skipMarkingBuildUnstable: true",
    );
    expect(credentialVariables(tokens)).to.deep.equal(['SSH_KEY']);
  });

  it('has shell steps that ShellCheck finds clean', function () {
    if (!hasShellcheck()) return requireInCi(this, 'shellcheck is not installed');
    for (const step of shellSteps(tokens)) {
      expect(shellcheckFindings(step.script, 'sh'), `sh at line ${step.line}`).to.deep.equal([]);
    }
  });
});

describe('docs/scale.md: the GitHub Actions and GitLab CI snippets', () => {
  const DOC = readFileSync(fileURLToPath(new URL('../../docs/scale.md', import.meta.url)), 'utf8');
  const only = (blocks: string[]) => {
    expect(blocks).to.have.length(1);
    return parseYaml(blocks[0]!, { uniqueKeys: true }) as Record<string, unknown>;
  };
  const scriptsOf = (steps: { run?: string }[] | string[]) =>
    steps.map((step) => (typeof step === 'string' ? step : (step.run ?? ''))).join('\n');

  it('GitHub Actions: a matrix of shards 1 to N, --shard matrix.shard/N, and a merge job that needs them', () => {
    const { jobs } = only(fencedBlocks(DOC, '## GitHub Actions: a matrix', 'yaml')) as {
      jobs: Record<
        string,
        { needs?: string; strategy?: { 'fail-fast': boolean; matrix: { shard: number[] } }; steps: { run?: string }[] }
      >;
    };
    const shard = jobs.shard!;
    const run = driftspecInvocations(scriptsOf(jobs.shard!.steps));
    const merge = driftspecInvocations(scriptsOf(jobs.merge!.steps));
    expect(run.map((words) => words[0])).to.deep.equal(['run']);
    expect(merge.map((words) => words[0])).to.deep.equal(['merge']);
    const count = Number(/\/(\d+)$/.exec(optionValue(run[0]!, '--shard') ?? '')?.[1]);
    expect(shard.strategy?.matrix.shard).to.deep.equal(Array.from({ length: count }, (_, i) => i + 1));
    expect(shard.strategy?.['fail-fast']).to.equal(false);
    expect(optionValue(run[0]!, '--shard')).to.equal(`${MATRIX_SHARD}/${count}`);
    expect(jobs.merge!.needs).to.equal('shard');
    expect(unknownOptions(run[0]!)).to.deep.equal([]);
    expect(unknownOptions(merge[0]!)).to.deep.equal([]);
    expect(optionValue(merge[0]!, '--policy')).to.equal(optionValue(run[0]!, '--policy'));
  });

  it('GitLab CI: parallel N, --shard CI_NODE_INDEX/CI_NODE_TOTAL, and a merge job that needs the shards', () => {
    const pipeline = only(fencedBlocks(DOC, '## GitLab CI: `parallel:`', 'yaml')) as Record<
      string,
      { parallel?: number; needs?: string[]; script: string[]; artifacts: { paths: string[] } }
    >;
    const run = driftspecInvocations(scriptsOf(pipeline.shard!.script));
    const merge = driftspecInvocations(scriptsOf(pipeline.merge!.script));
    expect(pipeline.shard!.parallel).to.be.a('number').and.above(1);
    expect(optionValue(run[0]!, '--shard')).to.equal('$CI_NODE_INDEX/$CI_NODE_TOTAL');
    expect(pipeline.merge!.needs).to.deep.equal(['shard']);
    expect(pipeline.shard!.artifacts.paths).to.deep.equal(['shards/']);
    expect(run[0]).to.include('json:shards/shard-$CI_NODE_INDEX.json');
    expect(merge[0]![1]).to.equal('shards/shard-*.json');
    expect(unknownOptions(run[0]!)).to.deep.equal([]);
    expect(unknownOptions(merge[0]!)).to.deep.equal([]);
  });

  it('has shard scripts that fail only when driftspec wrote no result (above 2), clean for ShellCheck', function () {
    const github = only(fencedBlocks(DOC, '## GitHub Actions: a matrix', 'yaml')) as {
      jobs: Record<string, { steps: { name?: string; run?: string }[] }>;
    };
    const gitlab = only(fencedBlocks(DOC, '## GitLab CI: `parallel:`', 'yaml')) as Record<string, { script: string[] }>;
    const githubStep = github.jobs.shard!.steps.find((step) => step.run?.includes('driftspec run'))!.run!;
    const scripts = [
      { script: githubStep.replaceAll(MATRIX_SHARD, '1'), shell: 'bash' as const },
      { script: gitlab.shard!.script.join('\n'), shell: 'bash' as const },
    ];
    const bench = new FakeCommandBench({ npx: 'exit "$FAKE_STATUS"' });
    try {
      for (const { script, shell } of scripts) {
        for (const [status, ok] of [
          [0, true],
          [1, true],
          [2, true],
          [64, false],
          [78, false],
        ] as const) {
          const env = { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '3' };
          expect(bench.run(script, shell, env, status).code === 0, `${script}\nexiting ${status}`).to.equal(ok);
        }
      }
    } finally {
      bench.remove();
    }
    if (!hasShellcheck()) return requireInCi(this, 'shellcheck is not installed');
    for (const { script, shell } of scripts) expect(shellcheckFindings(script, shell), script).to.deep.equal([]);
  });
});
