import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { connection } from '../support/drift-e2e.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-container-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

/** A tarball of busybox and its libraries (no registry is reachable: the image is made here). */
function busyboxTarball(upperDir: string): void {
  const rootfs = join(work, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  cpSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  const libraries = execFileSync('ldd', ['/bin/busybox'], { encoding: 'utf8' }).match(/\/lib[^\s]*/g) ?? [];
  for (const library of libraries) {
    mkdirSync(join(rootfs, dirname(library)), { recursive: true });
    cpSync(library, join(rootfs, library), { dereference: true });
  }
  mkdirSync(join(upperDir, 'root'), { recursive: true });
  execFileSync('tar', ['-C', rootfs, '-cf', join(upperDir, 'root/busybox.tar'), '.']);
}

/** The image's tarball, and vfs storage: overlay on the instance's own overlay root does not mount. */
function prepare(dirs: { upperDir: string }): void {
  busyboxTarball(dirs.upperDir);
  mkdirSync(join(dirs.upperDir, 'etc/containers'), { recursive: true });
  writeFileSync(
    join(dirs.upperDir, 'etc/containers/storage.conf'),
    '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n',
  );
}

const SPEC = `spec: container-e2e
checks:
  - container: e2e-web
    exists: true
    running: false
    state: created
    image: localhost/driftspec-e2e:1
    ports: { contains: ['127.0.0.1:18080->8080/tcp', '0.0.0.0:19000-19001->9000-9001/udp'] }
  - container: e2e-web-old
    exists: false
  - container: e2e
    exists: false
`;

describe('containers on a booted instance (podman)', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 232, count: 1, prepare, image: { install: ['podman', 'runc'] } });
  const instance = (): TestInstance => bed.instances[0]!;

  it('judges a container podman made, and names matched exactly, in one exec', async () => {
    // Created, never started: running a container inside the test bed's own container is not possible.
    instance().inContainer(['podman', 'import', '/root/busybox.tar', 'localhost/driftspec-e2e:1']);
    instance().inContainer([
      ...['podman', 'create', '--name', 'e2e-web'],
      ...['-p', '127.0.0.1:18080:8080/tcp', '-p', '19000-19001:9000-9001/udp'],
      ...['localhost/driftspec-e2e:1', '/bin/busybox', 'true'],
    ]);
    const path = join(work, 'spec.yaml');
    writeFileSync(path, SPEC);
    const run = await cli('run', path, '-t', instance().url, ...connection(instance()), '--format', 'json');
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    expect(host.results.map((r) => `${r.status}: ${r.message}`).filter((r) => !r.startsWith('passed'))).to.deep.equal(
      [],
    );
    expect(host.results).to.have.length(7);
    expect(host.execCount).to.equal(1);
    expect(run.code, run.stderr).to.equal(0);
  });

  it('without podman or docker on the target, every container check is an error', async () => {
    instance().inContainer(['mv', '/usr/bin/podman', '/usr/bin/podman.off']);
    try {
      const path = join(work, 'none.yaml');
      writeFileSync(path, 'spec: none\nchecks:\n  - container: e2e-web\n    exists: false\n');
      const run = await cli('run', path, '-t', instance().url, ...connection(instance()), '--format', 'json');
      const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
      expect(host.results.map((r) => `${r.status}: ${r.message}`)).to.deep.equal([
        'error: could not check container e2e-web: listing the containers for e2e-web: ' +
          'neither podman nor docker is on the target',
      ]);
      expect(run.code).to.not.equal(0);
    } finally {
      instance().inContainer(['mv', '/usr/bin/podman.off', '/usr/bin/podman']);
    }
  });
});
