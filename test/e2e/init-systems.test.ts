/**
 * The bundled spec on booted instances whose init is not systemd: sysvinit with sysv-rc's
 * runlevel links, and sysvinit running openrc's runlevels (test bed variants without systemd,
 * test/testbed/README.md). The service checks read LSB status actions, start links, rc-update and
 * rc-service there, and must pass; a stopped, disabled service must fail with that init's reason.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { z } from 'zod';
import { SnapshotServiceSchema, type SnapshotService } from '../../src/resources/service/inventory.js';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { fencedBlocks } from '../support/doc-examples.js';
import { OPENRC_IMAGE, SYSVINIT_IMAGE, useTestbed, type ImageVariant, type TestInstance } from '../support/testbed.js';

const SPEC = fileURLToPath(new URL('../../specs/debian-web-server.yaml', import.meta.url));
const SERVICE_PAGE = fileURLToPath(new URL('../../docs/resources/service.md', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'driftspec-init-systems-'));

async function runSpec(instance: TestInstance, spec = SPEC): Promise<{ code: number | null; host: HostResult }> {
  const args = ['run', spec, '--format', 'json', '--target', instance.url, '--identity', instance.keyPath];
  const run = await runCli([...args, '--known-hosts', instance.knownHostsPath], join(work, 'cache'));
  const result = RunResultSchema.parse(JSON.parse(run.stdout));
  return { code: run.code, host: result.hosts[0]! };
}

/** "<check id> <status>: <message>" for every check that did not pass. */
function notPassed(host: HostResult): string[] {
  return host.results.filter((r) => r.status !== 'passed').map((r) => `${r.checkId} ${r.status}: ${r.message}`);
}

/** "<title> <status>" for the spec's service checks. */
function serviceChecks(host: HostResult): string[] {
  return host.results.filter((r) => r.title.startsWith('service ')).map((r) => `${r.title} ${r.status}`);
}

const SnapshotServices = z.object({
  services: z.array(SnapshotServiceSchema),
  complete: z.boolean(),
  systemdTimers: z.array(z.unknown()),
});

/** The services of a snapshot of the instance (its listing under that init), by name. */
async function snapshotServices(instance: TestInstance): Promise<Map<string, SnapshotService>> {
  const output = join(work, `snapshot-${instance.name}.json`);
  const args = ['snapshot', instance.url, '--identity', instance.keyPath, '--known-hosts', instance.knownHostsPath];
  // Complete: a host without systemd has no systemd timers, which is not a gap.
  const run = await runCli([...args, '--files', '/etc/init.d', '-o', output], join(work, 'cache'));
  expect(run.code, run.stderr).to.equal(0);
  const { services, complete, systemdTimers } = SnapshotServices.parse(JSON.parse(readFileSync(output, 'utf8')));
  expect([complete, systemdTimers]).to.deep.equal([true, []]);
  return new Map(services.map((service) => [service.name, service]));
}

interface InitCase {
  init: 'sysvinit' | 'openrc';
  image: ImageVariant;
  base: number;
  /** Stops nginx and takes it out of the boot, the way that init does. */
  stopAndDisableNginx: string[][];
  /** The failures of service nginx's enabled and running checks, in that order. */
  nginxReasons: [string, string];
  /** What a snapshot's service listing knows of a running service: only openrc records states. */
  runningActive: string | null;
}

const CASES: InitCase[] = [
  {
    init: 'sysvinit',
    image: SYSVINIT_IMAGE,
    base: 186,
    stopAndDisableNginx: [
      ['/etc/init.d/nginx', 'stop'],
      ['update-rc.d', 'nginx', 'disable'],
    ],
    nginxReasons: [
      'it has no S<nn>nginx start link in /etc/rcS.d, /etc/rc2.d, /etc/rc3.d, /etc/rc4.d, /etc/rc5.d',
      'it is not running (LSB status 3): "nginx is not running ... failed!"',
    ],
    runningActive: null,
  },
  {
    init: 'openrc',
    image: OPENRC_IMAGE,
    base: 188,
    stopAndDisableNginx: [
      ['rc-service', 'nginx', 'stop'],
      ['rc-update', 'del', 'nginx', 'default'],
    ],
    nginxReasons: ['it is in no runlevel', 'it is not running (LSB status 3): "nginx is not running ... failed!"'],
    runningActive: 'active',
  },
];

for (const initCase of CASES) {
  describe(`the bundled spec on a booted ${initCase.init} instance`, function () {
    this.timeout(120_000);
    const bed = useTestbed({ base: initCase.base, count: 1, image: initCase.image });

    it(`passes its service checks, and every other check, in one exec`, async () => {
      const { code, host } = await runSpec(bed.instances[0]!);
      expect(host.host?.initSystem).to.equal(initCase.init);
      expect(serviceChecks(host)).to.deep.equal([
        'service ssh should be enabled passed',
        'service ssh should be running passed',
        'service nginx should be enabled passed',
        'service nginx should be running passed',
      ]);
      expect(notPassed(host)).to.deep.equal([]);
      expect(code).to.equal(0);
      expect(host.execCount).to.equal(1);
    });

    it("the service page's YAML example passes", async () => {
      const example = join(work, `service-example-${initCase.init}.yaml`);
      writeFileSync(example, fencedBlocks(readFileSync(SERVICE_PAGE, 'utf8'), 'yaml')[0]!);
      const { code, host } = await runSpec(bed.instances[0]!, example);
      expect(notPassed(host)).to.deep.equal([]);
      expect(code).to.equal(0);
    });

    it("a snapshot lists the services as that init's listing reads them", async () => {
      const services = await snapshotServices(bed.instances[0]!);
      for (const name of ['ssh', 'cron', 'nginx'])
        expect(services.get(name)).to.deep.equal({
          name,
          enabled: 'enabled',
          active: initCase.runningActive,
          sub: null,
        });
      // sysvinit's shutdown scripts have K links only; openrc's are in the runlevel off only.
      expect(services.get('sendsigs')).to.include({ enabled: 'disabled' });
    });

    it('fails a stopped, disabled service with the reason its init gives', async () => {
      const instance = bed.instances[0]!;
      for (const command of initCase.stopAndDisableNginx) instance.inContainer(command);
      const { code, host } = await runSpec(instance);
      expect(code).to.equal(1);
      const [notEnabled, notRunning] = initCase.nginxReasons;
      expect(notPassed(host)).to.deep.equal([
        `web-01#2 failed: expected service nginx to be enabled, but ${notEnabled}`,
        `web-01#3 failed: expected service nginx to be running, but ${notRunning}`,
        'web-01#4 failed: expected port 80 to be listening on tcp, but nothing listens on port 80',
        'web-01#5 failed: expected process nginx to be running, but no process with that name is running',
        'web-01#6 failed: expected process nginx to run as users containing "www-data", but no process named ' +
          '"nginx" is running',
      ]);
    });
  });
}
