import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { control, file, planSpecs, spec } from '../../src/dsl/index.js';
import { runHost } from '../../src/engine/run-host.js';
import { createRegistry } from '../../src/resources/index.js';
import { LocalTarget } from '../../src/targets/local.js';

/** A shell that logs every time it is started, so execs are counted by the machine, not by us. */
function countingShell(): { shell: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-count-'));
  const log = join(dir, 'execs.log');
  writeFileSync(log, '');
  const shell = join(dir, 'sh');
  writeFileSync(shell, `#!/bin/sh\necho started >> '${log}'\nexec /bin/sh "$@"\n`);
  chmodSync(shell, 0o755);
  return { shell, log };
}

function checksSpec(count: number) {
  return spec(`${count}-checks`, () => {
    control('many', () => {
      for (let i = 0; i < count; i++) {
        const path = ['/etc/passwd', '/etc/group', '/etc/hostname', `/nonexistent/${i % 50}`][i % 4]!;
        if (i % 3 === 0) file(path).exists();
        else if (i % 3 === 1) file(path).mode(0o644);
        else file(path).contains(`x${i}`);
      }
    });
  });
}

describe('one exec per host', () => {
  for (const count of [5, 500]) {
    it(`runs a ${count}-check spec in exactly one exec`, async () => {
      const registry = createRegistry();
      const plan = planSpecs([{ definition: checksSpec(count) }], registry);
      expect(plan.checks).to.have.length(count);
      const { shell, log } = countingShell();
      const result = await runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
      expect(result.status).to.equal('completed');
      expect(result.results).to.have.length(count);
      expect(result.results.filter((r) => r.status === 'error')).to.deep.equal([]);
      expect(readFileSync(log, 'utf8').trim().split('\n')).to.have.length(1);
      expect(result.execCount).to.equal(1);
    });
  }
});

describe('one exec per host with the structured-file, kernel module and certificate resources', () => {
  it('runs file checks and one check of each of them in exactly one exec', async () => {
    const dsl = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const egl = '/usr/share/glvnd/egl_vendor.d/50_mesa.json';
    const plan = planSpecs(
      [
        {
          definition: spec('new-resources', () => {
            file('/etc/passwd').exists();
            dsl.jsonFile(egl).hasKey('ICD.library_path');
            dsl.yamlFile(egl).value('file_format_version', /^1\./);
            dsl.iniFile('/etc/systemd/journald.conf').hasKey('Journal');
            dsl.keyValueFile('/etc/login.defs').value('PASS_MAX_DAYS', { ge: 1 });
            dsl.kernelModule('bonding').not.blacklisted();
            dsl.x509Certificate('/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt').valid();
          }),
        },
      ],
      registry,
    );
    const { shell, log } = countingShell();
    const result = await runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
    expect(result.results.map((r) => `${r.resource} ${r.status}`)).to.deep.equal([
      'file passed',
      'json_file passed',
      'yaml_file passed',
      'ini_file passed',
      'key_value_file passed',
      'kernel_module passed',
      'x509_certificate passed',
    ]);
    expect(readFileSync(log, 'utf8').trim().split('\n')).to.have.length(1);
    expect(result.execCount).to.equal(1);
  });
});

describe('shared fact queries', () => {
  it('gathers one socket, process and mount table for every port, process and mount check', async () => {
    const { planQueries } = await import('../../src/engine/queries.js');
    const { port, processes, mount } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const plan = planSpecs(
      [
        {
          definition: spec('shared', () => {
            for (const n of [22, 80, 443]) port(n).listening();
            for (const name of ['sshd', 'nginx']) processes(name).running();
            for (const point of ['/', '/proc']) mount(point).mounted();
          }),
        },
      ],
      registry,
    );
    const { queries } = planQueries(plan.checks, registry);
    expect(queries).to.have.length(3);
  });

  it('gathers one interface and one route table for every interface and route check', async () => {
    const { planQueries } = await import('../../src/engine/queries.js');
    const { networkInterface, route } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const plan = planSpecs(
      [
        {
          definition: spec('network', () => {
            for (const name of ['lo', 'eth0', 'nosuch0']) networkInterface(name).exists();
            for (const destination of ['default', '10.0.0.0/8', '::/0']) route(destination).exists();
          }),
        },
      ],
      registry,
    );
    expect(planQueries(plan.checks, registry).queries).to.have.length(2);
  });
});

describe('one exec per host with network checks', () => {
  it('runs an interface, route, host, dns and http check in exactly one exec', async () => {
    const { dns, http, networkInterface, remoteHost, route } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const plan = planSpecs(
      [
        {
          definition: spec('network', () => {
            file('/etc/hostname').exists();
            networkInterface('lo').up();
            route('198.51.100.0/24').not.exists();
            remoteHost('localhost').resolvable();
            dns('localhost', { timeout: 1 }).not.resolvable();
            http('http://127.0.0.1:1/', { timeout: 2 }).not.status(200);
          }),
        },
      ],
      registry,
    );
    const { shell, log } = countingShell();
    const result = await runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
    expect(result.status).to.equal('completed');
    expect(result.results).to.have.length(6);
    expect(readFileSync(log, 'utf8').trim().split('\n')).to.have.length(1);
    expect(result.execCount).to.equal(1);
  });
});

describe('grouped fact queries', () => {
  it('gathers every package of a spec with one command per 64 names, in first-use order', async () => {
    const { planQueries, GROUP_MEMBER_LIMIT } = await import('../../src/engine/queries.js');
    const { pkg } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const names = Array.from({ length: 100 }, (_, i) => `package-${i}`);
    const plan = planSpecs(
      [
        {
          definition: spec('grouped', () => {
            file('/etc/passwd').exists();
            for (const name of names) pkg(name).installed();
            pkg('package-0').version('1.0');
            file('/etc/group').exists();
          }),
        },
      ],
      registry,
    );
    const { queries, factByCheck } = planQueries(plan.checks, registry);
    expect(queries.map((q) => q.id)).to.deep.equal(['q1', 'q2', 'q3']);
    const [files, first, second] = queries;
    // The two file checks share one stat, numbered where the first of them was met.
    expect(files!.script).to.include("'/etc/passwd' '/etc/group'");
    const named = (script: string) => names.filter((n) => script.includes(`'${n}'`));
    expect(named(first!.script)).to.deep.equal(names.slice(0, GROUP_MEMBER_LIMIT));
    expect(named(second!.script)).to.deep.equal(names.slice(GROUP_MEMBER_LIMIT));
    expect(first!.script.match(/dpkg-query/g)).to.have.length(1);
    // Both checks on package-0 read the first group's frame, each parsed for its own subject.
    const package0 = plan.checks.filter((c) => c.subject === 'package-0').map((c) => factByCheck.get(c.id)!.queryId);
    expect(package0).to.deep.equal(['q2', 'q2']);
  });

  it('judges each member of a grouped query from the one frame, absent ones as absent', async () => {
    const { pkg } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const plan = planSpecs(
      [
        {
          definition: spec('local-packages', () => {
            pkg('dpkg').installed();
            pkg('no-such-package-driftspec').installed();
            pkg('coreutils').installed();
            pkg('also-missing-driftspec').not.installed();
          }),
        },
      ],
      registry,
    );
    const result = await runHost(plan, new LocalTarget(), { registry, commandTimeoutMs: 60_000 });
    expect(result.results.map((r) => r.status)).to.deep.equal(['passed', 'failed', 'passed', 'passed']);
    expect(result.results[1]!.actual).to.match(/not installed/);
    expect(Object.keys(result.evidence)).to.include('q1');
    expect(new Set(result.results.map((r) => r.evidence))).to.deep.equal(new Set(['q1']));
  });
});

describe('one exec per host with cron and systemd timer checks', () => {
  it('gathers one cron query and one timer query for many subjects, all in exactly one exec', async () => {
    const { planQueries } = await import('../../src/engine/queries.js');
    const { cron, systemdTimer } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const plan = planSpecs(
      [
        {
          definition: spec('schedules', () => {
            file('/etc/hostname').exists();
            cron('/etc/crontab').exists();
            cron('/etc/cron.daily').hasEntry({ command: '/etc/cron.daily/dpkg' });
            cron('/etc/crontab').not.hasEntry({ command: '/usr/bin/false' });
            systemdTimer('apt-daily.timer').enabled();
            systemdTimer('man-db.timer').onCalendar('daily');
            systemdTimer('no-such.timer').not.exists();
          }),
        },
      ],
      registry,
    );
    expect(planQueries(plan.checks, registry).queries).to.have.length(3);
    const { shell, log } = countingShell();
    const result = await runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
    expect(result.results.map((r) => `${r.resource} ${r.status}`)).to.deep.equal([
      'file passed',
      'cron passed',
      'cron passed',
      'cron passed',
      'systemd_timer passed',
      'systemd_timer passed',
      'systemd_timer passed',
    ]);
    expect(readFileSync(log, 'utf8').trim().split('\n')).to.have.length(1);
    expect(result.execCount).to.equal(1);
  });
});

describe('one exec per host with ssh client checks', () => {
  it('reads every destination of every ssh_config check from one query, in the one exec', async () => {
    const { planQueries } = await import('../../src/engine/queries.js');
    const { sshConfig } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const plan = planSpecs(
      [
        {
          definition: spec('ssh-client', () => {
            file('/etc/hostname').exists();
            sshConfig('HashKnownHosts').value('yes');
            sshConfig('Ciphers').not.value({ contains: '3des-cbc' });
            sshConfig('Port', { host: 'server.example.org' }).value(22);
            sshConfig('NoSuchKeyword', { host: 'other.example.org' }).not.exists();
          }),
        },
      ],
      registry,
    );
    const { queries } = planQueries(plan.checks, registry);
    expect(queries).to.have.length(2);
    expect(queries[1]!.script.match(/ds_ssh_g '/g)).to.have.length(3);
    const { shell, log } = countingShell();
    const result = await runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
    expect(result.results.map((r) => `${r.resource} ${r.status}`)).to.deep.equal([
      'file passed',
      'ssh_config passed',
      'ssh_config passed',
      'ssh_config passed',
      'ssh_config passed',
    ]);
    expect(readFileSync(log, 'utf8').trim().split('\n')).to.have.length(1);
    expect(result.execCount).to.equal(1);
  });
});

describe('one exec per host with iptables checks', () => {
  it('reads every chain of both families from one iptables query, in the one exec', async () => {
    const { planQueries } = await import('../../src/engine/queries.js');
    const { iptables } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const plan = planSpecs(
      [
        {
          definition: spec('firewall', () => {
            file('/etc/hostname').exists();
            iptables('INPUT').exists();
            iptables('OUTPUT', { family: 'ipv6' }).exists();
            iptables('POSTROUTING', { table: 'nat' }).not.hasRule({ rule: '-j DROP' });
          }),
        },
      ],
      registry,
    );
    expect(planQueries(plan.checks, registry).queries).to.have.length(2);
    const { shell, log } = countingShell();
    const result = await runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
    expect(result.results.map((r) => `${r.resource} ${r.status}`)).to.deep.equal([
      'file passed',
      'iptables passed',
      'iptables passed',
      'iptables passed',
    ]);
    expect(readFileSync(log, 'utf8').trim().split('\n')).to.have.length(1);
    expect(result.execCount).to.equal(1);
  });
});

describe('one exec per host with nftables checks', () => {
  it('reads tables, chains and sets from one nftables query, in the one exec', async () => {
    const { planQueries } = await import('../../src/engine/queries.js');
    const { nftables } = await import('../../src/dsl/index.js');
    const registry = createRegistry();
    const plan = planSpecs(
      [
        {
          definition: spec('firewall', () => {
            file('/etc/hostname').exists();
            nftables('inet driftspec-absent').not.exists();
            nftables('inet driftspec-absent', { chain: 'input' }).not.exists();
            nftables('ip driftspec-absent', { set: 'blocked' }).not.exists();
          }),
        },
      ],
      registry,
    );
    expect(planQueries(plan.checks, registry).queries).to.have.length(2);
    const { shell, log } = countingShell();
    const result = await runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
    expect(result.results.map((r) => `${r.resource} ${r.status}`)).to.deep.equal([
      'file passed',
      'nftables passed',
      'nftables passed',
      'nftables passed',
    ]);
    expect(readFileSync(log, 'utf8').trim().split('\n')).to.have.length(1);
    expect(result.execCount).to.equal(1);
  });
});
