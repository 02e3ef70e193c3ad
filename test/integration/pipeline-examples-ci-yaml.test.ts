import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { requireInCi } from '../support/environment.js';
import { FakeCommandBench } from '../support/fake-command.js';
import { hasShellcheck, shellcheckFindings } from '../support/shellcheck.js';

function example(path: string): string {
  return readFileSync(fileURLToPath(new URL(`../../examples/${path}`, import.meta.url)), 'utf8');
}

const GitHubStepSchema = z.object({
  name: z.string().optional(),
  id: z.string().optional(),
  if: z.string().optional(),
  uses: z.string().optional(),
  run: z.string().optional(),
  env: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  with: z.record(z.string(), z.unknown()).optional(),
});
const GitHubWorkflowSchema = z.object({
  name: z.string(),
  on: z.record(z.string(), z.unknown()),
  env: z.record(z.string(), z.string()),
  jobs: z.record(
    z.string(),
    z.object({
      needs: z.union([z.string(), z.array(z.string())]).optional(),
      'runs-on': z.string(),
      environment: z.string().optional(),
      steps: z.array(GitHubStepSchema),
    }),
  ),
});
const GitLabJobSchema = z.object({
  stage: z.string(),
  needs: z.array(z.string()).optional(),
  script: z.array(z.string()),
  variables: z.record(z.string(), z.string()).optional(),
  environment: z.string().optional(),
  artifacts: z
    .object({
      when: z.string().optional(),
      paths: z.array(z.string()),
      reports: z.object({ junit: z.string().optional(), dotenv: z.string().optional() }).optional(),
    })
    .strict()
    .optional(),
});

const workflow = GitHubWorkflowSchema.parse(parseYaml(example('github-actions/golden-image.yml')));
const gitlab = parseYaml(example('gitlab-ci/.gitlab-ci.yml')) as Record<string, unknown>;
const GITLAB_KEYWORDS = new Set(['stages', 'variables', 'default', 'workflow', 'include']);
const gitlabJobs = Object.fromEntries(
  Object.entries(gitlab)
    .filter(([name]) => !GITLAB_KEYWORDS.has(name))
    .map(([name, job]) => [name, GitLabJobSchema.parse(job)]),
);

function githubStep(job: string, name: string) {
  const step = workflow.jobs[job]!.steps.find((candidate) => candidate.name === name);
  expect(step, `${job} step ${name}`).to.not.equal(undefined);
  return step!;
}

function gitlabScript(job: string, command: string): string {
  const block = gitlabJobs[job]!.script.find((part) => part.includes(command));
  expect(block, `${job} script running ${command}`).to.not.equal(undefined);
  return block!;
}

const RUN_AND_PROMOTE_STATUSES = [0, 1, 2, 64, 65, 70, 73, 78, 130];
const DRIFT_STATUSES = [0, 1, 2, 3, 4, 7, 8, 9, 15, 64, 70, 73, 78];

const SCRIPT_ENV = {
  SPEC: 'specs/debian-web-server.yaml',
  BASELINE: 'baselines/web.json',
  GOLDEN_RECORD: 'golden/golden.json',
  REPORTS: 'reports',
  IMAGE_ID: 'eu-central-1:ami-0a1b2c3d4e5f60718',
  CANDIDATE_HOST: '10.0.1.23',
  SSH_USER: 'admin',
  CANDIDATE_SSH_USER: 'admin',
  CANDIDATE_SSH_KEY: '/run/secrets/candidate_key',
  RUNNER_TEMP: '/run/runner-temp',
};

describe('examples/github-actions and examples/gitlab-ci', () => {
  let bench: FakeCommandBench;
  // Made in a hook, not when mocha collects the suite: a run that selects none of these tests leaves nothing.
  before(() => {
    bench = new FakeCommandBench({
      driftspec: 'exit "$FAKE_STATUS"',
      packer: `if [ "$1" = build ]; then printf '%s\\n' $FAKE_PACKER_LOG; fi\nexit "$FAKE_STATUS"`,
    });
  });
  after(() => bench?.remove());

  /** The exit code of `script` for each status the stand-in for driftspec exits with. */
  function exitCodes(script: string, shell: 'sh' | 'bash', statuses: number[]): Record<number, number> {
    return Object.fromEntries(statuses.map((status) => [status, bench.run(script, shell, SCRIPT_ENV, status).code]));
  }

  function statusKept(statuses: number[]): Record<number, number> {
    return Object.fromEntries(statuses.map((status) => [status, status]));
  }

  it('notices a script that ignores the exit status it asked for', () => {
    const ignoring = 'status=0\ndriftspec run spec.yaml || status=$?\necho "driftspec exited $status"\n';
    expect(exitCodes(ignoring, 'sh', [1, 2])).to.deep.equal({ 1: 0, 2: 0 });
  });

  describe('GitHub Actions workflow', () => {
    it('runs the flow in order in one job, and deploys in a job that needs it', () => {
      expect(workflow.jobs.image!.steps.map((step) => step.name ?? step.uses)).to.deep.equal([
        'actions/checkout@v4',
        'hashicorp/setup-packer@v3',
        'actions/setup-node@v4',
        'Install driftspec',
        'Packer validate',
        'Packer build',
        'SSH key for the candidate',
        'Verify',
        'Drift',
        'Promote',
        'Upload the golden record',
        'Job summary',
        'Upload the reports',
        'Remove the SSH key',
      ]);
      expect(workflow.env.PACKER_TEMPLATE).to.equal('examples/packer/candidate.pkr.hcl');
      expect(workflow.jobs.deploy!.needs).to.equal('image');
      expect(workflow.jobs.deploy!.environment).to.equal('production');
    });

    it('lets a failed gate skip promotion: only the report steps run always', () => {
      const conditional = workflow.jobs.image!.steps.filter((step) => step.if !== undefined);
      expect(conditional.map((step) => [step.name, step.if])).to.deep.equal([
        ['Job summary', 'always()'],
        ['Upload the reports', 'always()'],
        ['Remove the SSH key', 'always()'],
      ]);
    });

    it('hands the golden record from the promote step to terraform apply', () => {
      expect(githubStep('image', 'Upload the golden record').with).to.deep.include({
        name: 'golden-record',
        path: `\${{ env.GOLDEN_RECORD }}`,
        'if-no-files-found': 'error',
      });
      expect(githubStep('deploy', 'Download the golden record').with).to.deep.equal({
        name: 'golden-record',
        path: 'golden',
      });
      expect(workflow.env.GOLDEN_RECORD).to.equal('golden/golden.json');
      expect(githubStep('deploy', 'Terraform apply').run).to.include(
        '-var "golden_record_path=$GITHUB_WORKSPACE/$GOLDEN_RECORD"',
      );
    });

    it('ends each driftspec step with driftspec exit status, for every status', () => {
      for (const [name, statuses] of [
        ['Verify', RUN_AND_PROMOTE_STATUSES],
        ['Drift', DRIFT_STATUSES],
        ['Promote', RUN_AND_PROMOTE_STATUSES],
      ] as const) {
        expect(exitCodes(githubStep('image', name).run!, 'bash', [...statuses]), name).to.deep.equal(
          statusKept([...statuses]),
        );
      }
    });

    it('calls driftspec run with the reports the job publishes', () => {
      const run = bench.run(githubStep('image', 'Verify').run!, 'bash', SCRIPT_ENV, 0);
      expect(run.fakeArguments).to.include.members([
        'run',
        'specs/debian-web-server.yaml',
        'ssh://admin@10.0.1.23',
        '--image-id',
        'eu-central-1:ami-0a1b2c3d4e5f60718',
        'junit:reports/junit.xml',
        'html:reports/report.html',
        'json:reports/run.json',
        'markdown:reports/summary.md',
      ]);
      expect(githubStep('image', 'Job summary').run).to.include('cat "$REPORTS/summary.md" >> "$GITHUB_STEP_SUMMARY"');
    });

    it("takes the image id from Packer's machine-readable log, and fails on none, several or a failed build", () => {
      const script = githubStep('image', 'Packer build').run!;
      const artifact = (id: string) => `1733472000,amazon-ebs.candidate,artifact,0,id,${id}`;
      const build = (log: string[], status: number) =>
        bench.run(script, 'bash', { ...SCRIPT_ENV, GITHUB_OUTPUT: 'out', FAKE_PACKER_LOG: log.join(' ') }, status);
      const one = build(['1733472000,,ui,say,done', artifact('eu-central-1:ami-0a1b2c3d4e5f60718')], 0);
      expect(one.code, one.output).to.equal(0);
      expect(readFileSync(join(one.work, 'out'), 'utf8')).to.equal('image-id=eu-central-1:ami-0a1b2c3d4e5f60718\n');
      expect(build([artifact('ami-1'), artifact('ami-2')], 0).code).to.equal(1);
      expect(build(['1733472000,,ui,say,nothing'], 0).code).to.equal(1);
      expect(build([artifact('ami-1')], 1).code).to.equal(1);
    });

    it('passes secrets to scripts only through env, and never prints them', () => {
      const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
      for (const step of steps) {
        expect(step.run ?? '', `${step.name} run`).to.not.include('secrets.');
        const secretNames = Object.entries(step.env ?? {})
          .filter(([, value]) => String(value).includes('secrets.'))
          .map(([name]) => name);
        for (const line of (step.run ?? '').split('\n')) {
          const mentioned = secretNames.filter((name) => line.includes(`$${name}`));
          if (mentioned.length === 0) continue;
          expect(line, `${step.name}: ${mentioned.join(', ')}`).to.match(/^printf '%s\\n' "\$\w+" > "\$RUNNER_TEMP\//);
        }
      }
      expect(githubStep('image', 'SSH key for the candidate').run).to.include(
        'install -m 600 /dev/null "$RUNNER_TEMP/candidate_key"',
      );
    });
  });

  describe('GitLab CI pipeline', () => {
    it('has the stages of the flow, each job needing the one before', () => {
      expect(gitlab.stages).to.deep.equal(['validate', 'build', 'verify', 'drift', 'promote', 'deploy']);
      expect(
        Object.fromEntries(Object.entries(gitlabJobs).map(([name, job]) => [name, [job.stage, job.needs ?? []]])),
      ).to.deep.equal({
        'packer-validate': ['validate', []],
        'packer-build': ['build', ['packer-validate']],
        verify: ['verify', ['packer-build']],
        drift: ['drift', ['verify']],
        promote: ['promote', ['packer-build', 'verify', 'drift']],
        deploy: ['deploy', ['promote']],
      });
      expect((gitlab.variables as Record<string, string>).PACKER_TEMPLATE).to.equal(
        'examples/packer/candidate.pkr.hcl',
      );
    });

    it('publishes the JUnit report driftspec writes, also when the job fails', () => {
      expect(gitlabJobs.verify!.artifacts).to.deep.equal({
        when: 'always',
        paths: ['reports/'],
        reports: { junit: 'reports/junit.xml' },
      });
      expect(gitlabScript('verify', 'driftspec run')).to.include('--reporter "junit:$REPORTS/junit.xml"');
      expect(gitlabJobs['packer-build']!.artifacts?.reports).to.deep.equal({ dotenv: 'image.env' });
      expect(gitlabJobs.promote!.artifacts?.paths).to.deep.equal(['golden/golden.json']);
      expect(gitlabJobs.deploy!.script.join('\n')).to.include(
        '-var "golden_record_path=$CI_PROJECT_DIR/$GOLDEN_RECORD"',
      );
    });

    it('ends each driftspec job with driftspec exit status, for every status', () => {
      for (const [job, command, statuses] of [
        ['verify', 'driftspec run', RUN_AND_PROMOTE_STATUSES],
        ['drift', 'driftspec drift', DRIFT_STATUSES],
        ['promote', 'driftspec promote', RUN_AND_PROMOTE_STATUSES],
      ] as const) {
        expect(exitCodes(gitlabScript(job, command), 'sh', [...statuses]), job).to.deep.equal(
          statusKept([...statuses]),
        );
      }
    });

    it('writes the image id for later jobs, and fails on a failed build', () => {
      const script = gitlabScript('packer-build', 'packer build');
      const log = '1733472000,amazon-ebs.candidate,artifact,0,id,eu-central-1:ami-0a1b2c3d4e5f60718';
      const built = bench.run(script, 'sh', { ...SCRIPT_ENV, FAKE_PACKER_LOG: log }, 0);
      expect(built.code, built.output).to.equal(0);
      expect(readFileSync(join(built.work, 'image.env'), 'utf8')).to.equal(
        'IMAGE_ID=eu-central-1:ami-0a1b2c3d4e5f60718\n',
      );
      expect(bench.run(script, 'sh', { ...SCRIPT_ENV, FAKE_PACKER_LOG: log }, 1).code).to.equal(1);
    });

    it('names no secret in a script except as an argument, and never prints one', () => {
      const scripts = Object.values(gitlabJobs).flatMap((job) => job.script);
      for (const line of scripts.flatMap((script) => script.split('\n'))) {
        if (/\b(echo|printf|cat)\b/.test(line)) expect(line).to.not.match(/\$\w*(SECRET|KEY|TOKEN|PASSWORD)/);
        expect(line).to.not.match(/\bset\s+-\w*x/);
      }
    });
  });

  it('has scripts that ShellCheck finds clean', function () {
    if (!hasShellcheck()) return requireInCi(this, 'shellcheck is not installed');
    for (const step of Object.values(workflow.jobs).flatMap((job) => job.steps)) {
      if (step.run) expect(shellcheckFindings(step.run, 'bash'), step.name).to.deep.equal([]);
    }
    for (const [name, job] of Object.entries(gitlabJobs)) {
      expect(shellcheckFindings(job.script.join('\n'), 'sh'), name).to.deep.equal([]);
    }
  });
});
