import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import ssh2 from 'ssh2';
import { parse as parseYaml } from 'yaml';
import { FleetSimulator, makeSimKeys, ProbeRecordings, runProbeHere, writeInventory } from '../../bench/sim/sweep.js';
import { EXIT } from '../../src/gate/exit-codes.js';
import type { RunResult } from '../../src/results/schema.js';
import { BIN, runCli } from '../support/cli.js';
import { shellSteps, tokenizeGroovy } from '../support/groovy-structure.js';
import { fencedBlocks } from '../support/shard-examples.js';
import { comparableJunit, comparableMarkdown, comparableRun } from '../support/shard-compare.js';

/** Runs a shell script as a pod or a CI agent would: `sh [-e] -c`, driftspec on PATH. */
function runScript(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; errexit: boolean },
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const flags = options.errexit ? ['-e', '-c'] : ['-c'];
    const child = spawn('/bin/sh', [...flags, script], { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const example = (path: string) => readFileSync(new URL(`../../examples/${path}`, import.meta.url), 'utf8');

const SPEC = `spec: shards
version: 1.0.0
controls:
  - id: files-01
    impact: medium
    checks:
      - file: /etc/passwd
        exists: true
      - file: /nonexistent/driftspec-shard-test
        exists: true
  - id: users-01
    impact: high
    checks:
      - user: root
        exists: true
`;

describe('sharded sweep: N shard processes of the CLI against the fleet simulator, merged', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-shards-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-shards-cache-'));
  const keys = makeSimKeys(dir);
  const recordings = new ProbeRecordings(runProbeHere);
  const simulator = new FleetSimulator({
    hostKey: keys.hostKey,
    clientPublicKey: keys.clientPublicKey,
    latencyMs: 5,
    answer: (script) => recordings.answer(script),
  });
  const at = (name: string) => join(dir, name);
  let common: string[] = [];
  let livePort = 0;

  before(async () => {
    const ports = await simulator.listen();
    livePort = ports.live;
    writeInventory(at('fleet.yaml'), { hosts: 23, refused: 2, silent: 0 }, ports, keys);
    writeFileSync(at('spec.yaml'), SPEC);
    writeFileSync(at('policy.yaml'), 'failures:\n  allow:\n    medium: 1\n');
    common = [
      'run',
      at('spec.yaml'),
      '--inventory',
      at('fleet.yaml'),
      '--host-key',
      keys.hostKeyFingerprint,
      '--no-ssh-config',
      '--connect-timeout',
      '5',
      // More than 10 hosts at once make the fleet warn of a possible leak (11 abort listeners) on stderr.
      '--concurrency',
      '8',
      '--policy',
      at('policy.yaml'),
      '-q',
    ];
  });
  after(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const shardFiles = [1, 2, 3, 4].map((k) => at(`shard-${k}.json`));
  const runShard = (k: number) => {
    // Shard 1 as a Kubernetes Indexed Job starts it (0-based index in the environment), the others with --shard.
    const shardArgs = k === 1 ? ['--shard-count', '4'] : ['--shard', `${k}/4`];
    const env = k === 1 ? { JOB_COMPLETION_INDEX: '0' } : {};
    return runCli([...common, ...shardArgs, '-r', `json:${shardFiles[k - 1]}`], cacheDir, env);
  };

  it('the merged JSON, JUnit and Markdown and the exit code equal a single run over all hosts', async () => {
    const single = await runCli(
      [
        ...common,
        '-r',
        `json:${at('single.json')}`,
        '-r',
        `junit:${at('single.xml')}`,
        '-r',
        `markdown:${at('single.md')}`,
      ],
      cacheDir,
    );
    expect(single.stderr).to.equal('');
    const shards = await Promise.all([1, 2, 3, 4].map(runShard));
    for (const shard of shards) expect(shard.stderr).to.equal('');
    const merged = await runCli(
      [
        'merge',
        ...shardFiles,
        '--policy',
        at('policy.yaml'),
        '-q',
        '-r',
        `json:${at('merged.json')}`,
        '-r',
        `junit:${at('merged.xml')}`,
        '-r',
        `markdown:${at('merged.md')}`,
      ],
      cacheDir,
    );
    expect(merged.stderr).to.equal('');
    const singleRun = JSON.parse(readFileSync(at('single.json'), 'utf8')) as RunResult;
    const mergedRun = JSON.parse(readFileSync(at('merged.json'), 'utf8')) as RunResult;
    expect(singleRun.hosts).to.have.length(23);
    expect(singleRun.hosts.filter((h) => h.status === 'unreachable')).to.have.length(2);
    expect(singleRun.counts.failed).to.equal(21);
    expect(mergedRun).to.not.have.property('shard');
    expect(comparableRun(mergedRun)).to.deep.equal(comparableRun(singleRun));
    expect(comparableJunit(readFileSync(at('merged.xml'), 'utf8'))).to.equal(
      comparableJunit(readFileSync(at('single.xml'), 'utf8')),
    );
    const markdown = (name: string) => comparableMarkdown(readFileSync(at(name), 'utf8'));
    expect(markdown('merged.md')).to.equal(markdown('single.md')).and.include('h0023');
    expect(merged.code).to.equal(single.code).and.equal(EXIT.error);
    // Every host was probed once by exactly one shard: 21 live hosts, twice (the single run and the shards).
    expect(simulator.stats.probes).to.equal(42);

    const results = shardFiles.map((file) => JSON.parse(readFileSync(file, 'utf8')) as RunResult);
    const sizes = results.map((r) => r.hosts.length);
    expect(sizes.reduce((a, b) => a + b)).to.equal(23);
    expect(results.map((r) => r.shard?.index)).to.deep.equal([1, 2, 3, 4]);
    for (const result of results) expect(result.shard?.positions).to.have.length(result.hosts.length);
  });

  it('hosts named on the command line beside the inventory: each in one shard, merged as the single run', async () => {
    const named = [1, 2].flatMap((n) => ['-t', `ssh://named${n}@127.0.0.1:${livePort}`]);
    const args = [...common, ...named, '-i', keys.clientKeyPath];
    const single = await runCli([...args, '-r', `json:${at('named-single.json')}`], cacheDir);
    expect(single.stderr).to.equal('');
    const files = [1, 2, 3].map((k) => at(`named-shard-${k}.json`));
    const shards = await Promise.all(
      files.map((file, i) => runCli([...args, '--shard', `${i + 1}/3`, '-r', `json:${file}`], cacheDir)),
    );
    for (const shard of shards) expect(shard.stderr).to.equal('');
    const merged = await runCli(
      ['merge', ...files, '--policy', at('policy.yaml'), '-q', '-r', `json:${at('named-merged.json')}`],
      cacheDir,
    );
    expect(merged.stderr).to.equal('');
    const singleRun = JSON.parse(readFileSync(at('named-single.json'), 'utf8')) as RunResult;
    const mergedRun = JSON.parse(readFileSync(at('named-merged.json'), 'utf8')) as RunResult;
    expect(singleRun.hosts.map((host) => host.target).slice(0, 2)).to.deep.equal([
      `ssh://named1@127.0.0.1:${livePort}`,
      `ssh://named2@127.0.0.1:${livePort}`,
    ]);
    expect(singleRun.hosts).to.have.length(25);
    expect(comparableRun(mergedRun)).to.deep.equal(comparableRun(singleRun));
  });

  it('merges shards larger than its heap: each host read into the spool, never every host at once', async () => {
    // Every live host's first evidence padded to 4 MiB: some 84 MiB of shard JSON, merged by a
    // process whose heap stops at 48 MiB. Reading the files whole would need the text and its parse.
    const padding = 'x'.repeat(4 * 1024 * 1024);
    const bigFiles = shardFiles.map((file, i) => {
      const result = JSON.parse(readFileSync(file, 'utf8')) as RunResult;
      for (const host of result.hosts) {
        const first = Object.values(host.evidence)[0];
        if (first) first.stdout += padding;
      }
      writeFileSync(at(`big-${i + 1}.json`), JSON.stringify(result, null, 2));
      return at(`big-${i + 1}.json`);
    });
    const total = bigFiles.reduce((sum, file) => sum + statSync(file).size, 0);
    expect(total).to.be.above(80 * 1024 * 1024);
    const merged = await runCli(
      ['merge', ...bigFiles, '--policy', at('policy.yaml'), '-q', '-r', `json:${at('big-merged.json')}`],
      cacheDir,
      { NODE_OPTIONS: '--max-old-space-size=48' },
    );
    expect(merged.stderr).to.equal('');
    const mergedRun = JSON.parse(readFileSync(at('big-merged.json'), 'utf8')) as RunResult;
    for (const host of mergedRun.hosts) {
      const first = Object.values(host.evidence)[0];
      if (first) {
        expect(first.stdout.endsWith(padding)).to.equal(true);
        first.stdout = first.stdout.slice(0, -padding.length);
      }
    }
    const normal = JSON.parse(readFileSync(at('merged.json'), 'utf8')) as RunResult;
    expect(comparableRun(mergedRun)).to.deep.equal(comparableRun(normal));
  });

  it('a shard holds the same hosts whatever the order of the inventory', async () => {
    const before = JSON.parse(readFileSync(shardFiles[1]!, 'utf8')) as RunResult;
    const lines = readFileSync(at('fleet.yaml'), 'utf8').split('\n');
    const hostLines = lines.filter((line) => /^ {2}h\d{4}:/.test(line)).reverse();
    writeFileSync(at('reversed.yaml'), `${[...lines.slice(0, 3), ...hostLines].join('\n')}\n`);
    const args = common.map((arg) => (arg === at('fleet.yaml') ? at('reversed.yaml') : arg));
    await runCli([...args, '--shard', '2/4', '-r', `json:${at('reversed-2.json')}`], cacheDir);
    const after = JSON.parse(readFileSync(at('reversed-2.json'), 'utf8')) as RunResult;
    const names = (result: RunResult) => result.hosts.map((h) => h.inventory?.name).sort();
    expect(names(after)).to.deep.equal(names(before)).and.not.be.empty;
    expect(after.shard?.selection.hash, 'another order is another selection').to.not.equal(
      before.shard?.selection.hash,
    );
  });

  it('empty shards are valid (exit 0, no hosts) and merge with the others into the single run', async () => {
    const limited = [...common, '--limit', 'h0005'];
    const single = await runCli([...limited, '-r', `json:${at('one.json')}`], cacheDir);
    const shards = await Promise.all(
      [1, 2, 3, 4].map((k) => runCli([...limited, '--shard', `${k}/4`, '-r', `json:${at(`one-${k}.json`)}`], cacheDir)),
    );
    const results = [1, 2, 3, 4].map((k) => JSON.parse(readFileSync(at(`one-${k}.json`), 'utf8')) as RunResult);
    const empty = results.filter((result) => result.hosts.length === 0);
    expect(empty).to.have.length(3);
    for (const result of empty) {
      expect(shards[result.shard!.index - 1]!.code).to.equal(0);
      expect(result.verdict?.summary).to.equal(
        `passed: no host in shard ${result.shard!.index}/4 (1 host selected in all)`,
      );
      expect(result.counts).to.deep.equal({ passed: 0, failed: 0, error: 0, skipped: 0 });
    }
    const merged = await runCli(
      [
        'merge',
        ...[1, 2, 3, 4].map((k) => at(`one-${k}.json`)),
        '--policy',
        at('policy.yaml'),
        '-q',
        '-r',
        `json:${at('one-merged.json')}`,
      ],
      cacheDir,
    );
    expect(merged.code).to.equal(single.code).and.equal(EXIT.passed);
    const read = (name: string) => comparableRun(JSON.parse(readFileSync(at(name), 'utf8')) as RunResult);
    expect(read('one-merged.json')).to.deep.equal(read('one.json'));
  });

  it('refuses a missing or duplicate shard, another policy (exit 79) and a file that is no result (78)', async () => {
    const missing = await runCli(['merge', ...shardFiles.slice(1), '--policy', at('policy.yaml')], cacheDir);
    expect(missing.code).to.equal(EXIT.shards);
    expect(missing.stderr).to.equal('driftspec: cannot merge these shards:\n  - missing shard 1/4\n');
    const twice = await runCli(['merge', ...shardFiles, shardFiles[0]!, '--policy', at('policy.yaml')], cacheDir);
    expect(twice.code).to.equal(EXIT.shards);
    expect(twice.stderr).to.contain(`shard 1/4 is given twice: ${shardFiles[0]} and ${shardFiles[0]}`);
    const mixed = await runCli(['merge', ...shardFiles.slice(0, 3), at('reversed-2.json')], cacheDir);
    expect(mixed.code).to.equal(EXIT.shards);
    expect(mixed.stderr).to.contain('have different host selections');
    const otherPolicy = await runCli(['merge', ...shardFiles], cacheDir);
    expect(otherPolicy.code).to.equal(EXIT.shards);
    expect(otherPolicy.stderr).to.contain('the shards ran with another gate policy than the one given to merge');
    writeFileSync(at('broken.json'), '{"schemaVersion": 1, "hosts": [');
    const broken = await runCli(['merge', ...shardFiles, at('broken.json')], cacheDir);
    expect(broken.code).to.equal(EXIT.config);
    expect(broken.stderr).to.match(new RegExp(`^driftspec: ${at('broken.json')}: `));
  });

  /**
   * A scratch machine for the examples' own scripts: `driftspec` on PATH (this checkout's CLI), an
   * empty HOME (no ssh_config), the simulator's host key in a known_hosts file, and the login key.
   */
  function exampleMachine(name: string): { root: string; env: NodeJS.ProcessEnv; knownHosts: string } {
    const root = at(name);
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'home'));
    writeFileSync(
      join(root, 'bin', 'driftspec'),
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
    );
    chmodSync(join(root, 'bin', 'driftspec'), 0o755);
    const hostKey = ssh2.utils.parseKey(keys.hostKey);
    if (hostKey instanceof Error) throw hostKey;
    const knownHosts = join(root, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${livePort} ${hostKey.type} ${hostKey.getPublicSSH().toString('base64')}\n`);
    const env = {
      PATH: `${join(root, 'bin')}:${process.env.PATH}`,
      HOME: join(root, 'home'),
      NO_COLOR: '1',
      SSH_AUTH_SOCK: '',
      DRIFTSPEC_CACHE_DIR: cacheDir,
    };
    return { root, env, knownHosts };
  }

  it("the Kubernetes example's pod scripts (4 indexes) and merge script give the single run's result", async () => {
    const machine = exampleMachine('kubernetes');
    const moved = (script: string) =>
      script
        .replaceAll('/etc/driftspec', join(machine.root, 'config'))
        .replaceAll('/var/run/secrets/driftspec', join(machine.root, 'secrets'))
        .replaceAll('/results', join(machine.root, 'results'));
    for (const folder of ['config', 'secrets', 'results']) mkdirSync(join(machine.root, folder));
    copyFileSync(at('spec.yaml'), join(machine.root, 'config', 'spec.yaml'));
    copyFileSync(at('fleet.yaml'), join(machine.root, 'config', 'inventory.yaml'));
    copyFileSync(at('policy.yaml'), join(machine.root, 'config', 'policy.yaml'));
    copyFileSync(machine.knownHosts, join(machine.root, 'config', 'known_hosts'));
    copyFileSync(keys.clientKeyPath, join(machine.root, 'secrets', 'id_ed25519'));
    const podScript = (file: string) => {
      const job = parseYaml(example(`kubernetes/${file}`)) as {
        spec: { completions?: number; template: { spec: { containers: { command: string[] }[] } } };
      };
      return { completions: job.spec.completions, script: moved(job.spec.template.spec.containers[0]!.command[2]!) };
    };
    const sweep = podScript('sweep-job.yaml');
    expect(sweep.completions).to.equal(4);
    const pods = await Promise.all(
      Array.from({ length: sweep.completions! }, (_, index) =>
        runScript(sweep.script, {
          cwd: machine.root,
          env: { ...machine.env, JOB_COMPLETION_INDEX: String(index) },
          errexit: false,
        }),
      ),
    );
    for (const pod of pods) expect(pod.code, pod.stderr).to.equal(0);
    const merging = await runScript(podScript('merge-job.yaml').script, {
      cwd: machine.root,
      env: machine.env,
      errexit: false,
    });
    expect(merging.code, merging.stderr).to.equal(EXIT.error);
    const merged = JSON.parse(readFileSync(join(machine.root, 'results', 'run.json'), 'utf8')) as RunResult;
    const single = JSON.parse(readFileSync(at('single.json'), 'utf8')) as RunResult;
    // The pods read the spec from the ConfigMap's folder: only the spec's recorded path differs.
    expect(merged.specs.map((spec) => spec.source)).to.deep.equal([join(machine.root, 'config', 'spec.yaml')]);
    const sourceless = (run: RunResult) => ({ ...run, specs: run.specs.map(({ source: _, ...spec }) => spec) });
    expect(comparableRun(sourceless(merged))).to.deep.equal(comparableRun(sourceless(single)));
    expect(comparableJunit(readFileSync(join(machine.root, 'results', 'junit.xml'), 'utf8'))).to.equal(
      comparableJunit(readFileSync(at('single.xml'), 'utf8')),
    );
  });

  it("the Jenkins example's shard steps (SHARD 1 to 3) and merge step give the single run's result", async () => {
    const machine = exampleMachine('jenkins');
    const steps = shellSteps(tokenizeGroovy(example('jenkins/Jenkinsfile.sharded'))).map((step) => step.script);
    const [shardStep, mergeStep] = steps;
    expect(steps).to.have.length(2);
    // The Jenkinsfile's environment and parameters, pointed at the simulated fleet.
    const env = {
      ...machine.env,
      SPEC: at('spec.yaml'),
      INVENTORY: at('fleet.yaml'),
      KNOWN_HOSTS: machine.knownHosts,
      SSH_KEY: keys.clientKeyPath,
      POLICY: at('policy.yaml'),
      SHARDS: '3',
      REPORTS: 'reports',
    };
    const shards = await Promise.all(
      ['1', '2', '3'].map((SHARD) =>
        runScript(shardStep!, { cwd: machine.root, env: { ...env, SHARD }, errexit: true }),
      ),
    );
    for (const shard of shards) expect(shard.code, shard.stderr).to.be.oneOf([0, 1, 2]);
    const merging = await runScript(mergeStep!, { cwd: machine.root, env, errexit: true });
    expect(merging.code, merging.stderr).to.equal(EXIT.error);
    const merged = JSON.parse(readFileSync(join(machine.root, 'reports', 'run.json'), 'utf8')) as RunResult;
    const single = JSON.parse(readFileSync(at('single.json'), 'utf8')) as RunResult;
    expect(comparableRun(merged)).to.deep.equal(comparableRun(single));
  });

  it('the first example of docs/scale.md, run as written, gives the single run over the same hosts', async () => {
    const machine = exampleMachine('docs');
    mkdirSync(join(machine.root, 'home', '.ssh'));
    copyFileSync(machine.knownHosts, join(machine.root, 'home', '.ssh', 'known_hosts'));
    mkdirSync(join(machine.root, 'results'));
    copyFileSync(at('spec.yaml'), join(machine.root, 'fleet.yaml'));
    copyFileSync(at('fleet.yaml'), join(machine.root, 'hosts.yaml'));
    const doc = readFileSync(new URL('../../docs/scale.md', import.meta.url), 'utf8');
    const [example] = fencedBlocks(doc, '## Splitting: `run --shard K/N`', 'sh');
    const lines = example!.trim().split('\n');
    expect(lines).to.have.length(4);
    const shards = await Promise.all(
      lines.slice(0, 3).map((line) => runScript(line, { cwd: machine.root, env: machine.env, errexit: false })),
    );
    for (const shard of shards) expect(shard.code, shard.stderr).to.be.oneOf([0, 1, 2]);
    const merging = await runScript(lines[3]!, { cwd: machine.root, env: machine.env, errexit: false });
    expect(merging.code, merging.stderr).to.equal(EXIT.error);
    const merged = JSON.parse(readFileSync(join(machine.root, 'results', 'run.json'), 'utf8')) as RunResult;
    const single = JSON.parse(readFileSync(at('single.json'), 'utf8')) as RunResult;
    // The example names the spec fleet.yaml and gives no --policy: only the spec's path and the verdict differ.
    const comparable = (run: RunResult) => {
      const { verdict: _, ...rest } = run;
      return comparableRun({ ...rest, specs: run.specs.map(({ source: _s, ...spec }) => spec) });
    };
    expect(merged.specs[0]?.source).to.equal('fleet.yaml');
    expect(comparable(merged)).to.deep.equal(comparable(single));
  });
});
