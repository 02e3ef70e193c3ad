import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { diffSnapshots } from '../../src/drift/diff.js';
import { takeSnapshot } from '../../src/drift/snapshot.js';
import { inventoryParts } from '../../src/resources/inventory-part.js';
import { createRegistry, RESOURCES } from '../../src/resources/index.js';
import { kernelModuleResource } from '../../src/resources/kernel-module/index.js';
import { kernelModuleInventory, type KernelModuleItem } from '../../src/resources/kernel-module/inventory.js';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { instanceSshTarget } from '../support/instance-ssh.js';
import { journalCursor, sessionsAfter } from '../support/sshd-log.js';
import { useTestbed } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-configfiles-'));
const recordedCertificate = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/recorded/configfiles/cert-rsa-sans.json', import.meta.url)), 'utf8'),
).stdout as string;

/** Files of every new kind in the instance's overlay, and sshd's DEBUG1 log that counts sessions. */
function prepare({ upperDir }: { upperDir: string }): void {
  const put = (path: string, text: string) => {
    mkdirSync(join(upperDir, path, '..'), { recursive: true });
    writeFileSync(join(upperDir, path), text);
  };
  put('etc/ssh/sshd_config.d/50-driftspec-configfiles.conf', 'LogLevel DEBUG1\n');
  put('etc/driftspec-app/app.json', '{ "db": { "port": 5432, "hosts": ["a", "b"] }, "debug": false }\n');
  put('etc/driftspec-app/app.yaml', 'db:\n  port: 5432\nfeatures: [x, y]\n');
  put('etc/driftspec-app/app.ini', '[db]\nport = 5432\n[db]\nport = 6432\n');
  put('etc/driftspec-app/broken.json', '{\n  "db": {\n    "port": 5432,\n  }\n}\n');
  put('etc/ssl/driftspec/web.pem', recordedCertificate);
  put('etc/modprobe.d/driftspec-e2e.conf', 'blacklist cramfs\ninstall cramfs /bin/false\n');
}

const SPEC = `spec: configfiles-e2e
controls:
  - id: cf-01
    checks:
      - json_file: /etc/driftspec-app/app.json
        key: { path: db.port, value: 5432 }
      - json_file: /etc/driftspec-app/app.json
        not: { key: { path: db.user, value: admin } }
      - json_file: /etc/driftspec-app/broken.json
        key: { path: db.port, value: 5432 }
      - yaml_file: /etc/driftspec-app/app.yaml
        key: { path: features, value: { contains: [x, y] } }
      - ini_file: /etc/driftspec-app/app.ini
        key: { path: db.port, value: 6432 }
      - key_value_file: /etc/login.defs
        key: { path: PASS_MAX_DAYS, value: 99999 }
      - key_value_file: /etc/ssh/sshd_config
        options: { duplicates: first, ignoreCase: true, endAt: Match }
        key: { path: UsePAM, value: 'yes' }
      - kernel_module: cramfs
        blacklisted: true
        disabled: true
      - kernel_module: squashfs
        not: { blacklisted: true }
      - kernel_module: cramfs
        not: { loaded: true }
      - x509_certificate: /etc/ssl/driftspec/web.pem
        valid: true
        validFor: { days: 30 }
        sans: { contains: 'DNS:www.example.test' }
        keySize: 2048
        signatureAlgorithm: sha256WithRSAEncryption
`;

describe('structured files, kernel modules and certificates on a booted instance', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 245, count: 1, prepare });
  const instance = () => bed.instances[0]!;

  it('judges a check of every new resource in ONE exec (counted by sshd)', async () => {
    const path = join(work, 'spec.yaml');
    writeFileSync(path, SPEC);
    const cursor = journalCursor(instance());
    const run = await runCli(
      [
        'run',
        path,
        '--format',
        'json',
        '--target',
        instance().url,
        '-i',
        instance().keyPath,
        '--known-hosts',
        instance().knownHostsPath,
        '--no-ssh-config',
      ],
      join(work, 'cache'),
    );
    const host: HostResult = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    const lines = host.results.map((r) => `${r.subject} ${r.negated ? 'not ' : ''}${r.matcher}: ${r.status}`);
    expect(lines).to.deep.equal([
      '/etc/driftspec-app/app.json key: passed',
      '/etc/driftspec-app/app.json not key: error',
      '/etc/driftspec-app/broken.json key: error',
      '/etc/driftspec-app/app.yaml key: passed',
      '/etc/driftspec-app/app.ini key: passed',
      '/etc/login.defs key: passed',
      '/etc/ssh/sshd_config key: passed',
      'cramfs blacklisted: passed',
      'cramfs disabled: passed',
      'squashfs not blacklisted: passed',
      // Loaded or not, from /proc/modules, or (this machine's kernel) from a procfs without it.
      'cramfs not loaded: passed',
      '/etc/ssl/driftspec/web.pem valid: passed',
      '/etc/ssl/driftspec/web.pem validFor: passed',
      '/etc/ssl/driftspec/web.pem sans: passed',
      '/etc/ssl/driftspec/web.pem keySize: passed',
      '/etc/ssl/driftspec/web.pem signatureAlgorithm: passed',
    ]);
    expect(host.results[2]!.message).to.include('/etc/driftspec-app/broken.json:4:3: not valid JSON');
    expect(host.execCount).to.equal(1);
    const { sessions, log } = await sessionsAfter(instance(), cursor);
    expect(sessions, log).to.have.length(1);
  });

  it('on the unbooted image (rootfs:) loaded is not applicable, the configuration is read from the image', async () => {
    const root = join(dirname(instance().keyPath), 'rootfs');
    const path = join(work, 'image.yaml');
    writeFileSync(
      path,
      `spec: configfiles-image
checks:
  - kernel_module: cramfs
    loaded: true
  - kernel_module: cramfs
    not: { blacklisted: true, disabled: true }
  - kernel_module: bonding
    installCommand: /bin/false
  - key_value_file: /etc/login.defs
    key: { path: UMASK, value: '022' }
`,
    );
    const run = await runCli(['run', path, '--format', 'json', '--target', `rootfs:${root}`], join(work, 'cache'));
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    expect(host.results.map((r) => `${r.subject} ${r.negated ? 'not ' : ''}${r.matcher}: ${r.status}`)).to.deep.equal([
      'cramfs loaded: not-applicable',
      'cramfs not blacklisted: passed',
      'cramfs not disabled: passed',
      'bonding installCommand: failed',
      '/etc/login.defs key: passed',
    ]);
    expect(host.results[3]!.message).to.equal(
      'expected kernel module bonding to have install command "/bin/false", but there is no ' +
        '"install" line for it in the modprobe.d files',
    );
    expect(host.execCount).to.equal(1);
  });

  it('kernel_module drift: a new blacklist file is a change, seen old → new', async () => {
    const registry = createRegistry([
      ...RESOURCES.filter((r) => r.type !== 'kernel_module'),
      { ...kernelModuleResource, inventory: kernelModuleInventory },
    ]);
    const parts = inventoryParts(registry.values());
    const options = {
      fileRoots: ['/etc/modprobe.d'],
      ignores: [],
      defaultIgnores: true,
      timeoutMs: 60_000,
      toolVersion: '0.1.0',
      registry,
    };
    const modulesOf = (snapshot: unknown) => (snapshot as { kernelModules: KernelModuleItem[] }).kernelModules;
    const target = instanceSshTarget(instance());
    try {
      const baseline = await takeSnapshot(target, options);
      expect(modulesOf(baseline).find((m) => m.name === 'cramfs')).to.include({
        blacklisted: true,
        install: '/bin/false',
      });
      instance().inContainer([
        'sh',
        '-c',
        'printf "blacklist squashfs\\ninstall cramfs /bin/true\\n" >/etc/modprobe.d/00-drift.conf',
      ]);
      const candidate = await takeSnapshot(target, options);
      const drift = diffSnapshots(baseline, candidate, { now: new Date(), parts });
      const modules = drift.kinds.find((kind) => (kind.kind as string) === 'kernelModules')!;
      expect(modules.added.map((item) => item.key)).to.deep.equal(['squashfs']);
      expect(modules.changed.map((item) => [item.key, item.changes])).to.deep.equal([
        ['cramfs', [{ attribute: 'install', old: '/bin/false', new: '/bin/true' }]],
      ]);
    } finally {
      instance().inContainer(['rm', '-f', '/etc/modprobe.d/00-drift.conf']);
      await target.close();
    }
  });
});

describe('kernel_module with modprobe on a booted instance (an image with kmod)', function () {
  this.timeout(900_000);
  const bed = useTestbed({ base: 246, count: 1, prepare, image: { install: ['kmod'] } });

  it('reads the configuration from modprobe --showconfig there', async () => {
    const instance = bed.instances[0]!;
    expect(instance.inContainer(['sh', '-c', 'command -v modprobe'])).to.match(/modprobe/);
    const path = join(work, 'kmod.yaml');
    writeFileSync(
      path,
      `spec: configfiles-kmod
checks:
  - kernel_module: cramfs
    blacklisted: true
    installCommand: /bin/false
  - kernel_module: cramfs
    not: { loaded: true }
  - kernel_module: bonding
    not: { disabled: true }
`,
    );
    const run = await runCli(
      [
        'run',
        path,
        '--format',
        'json',
        '--target',
        instance.url,
        '-i',
        instance.keyPath,
        '--known-hosts',
        instance.knownHostsPath,
        '--no-ssh-config',
      ],
      join(work, 'cache'),
    );
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    expect(host.results.map((r) => `${r.subject} ${r.negated ? 'not ' : ''}${r.matcher}: ${r.status}`)).to.deep.equal([
      'cramfs blacklisted: passed',
      'cramfs installCommand: passed',
      'cramfs not loaded: passed',
      'bonding not disabled: passed',
    ]);
    expect(host.results[3]!.actual).to.equal('there is no "install" line for it in modprobe --showconfig');
    expect(host.execCount).to.equal(1);
  });
});
