import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Frame } from '../../../src/probe/frames.js';
import type { HostFacts } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  kernelParameterResource,
  normaliseValue,
  parameterGroupScript,
  parseKernelParameter,
  sysctlComponents,
  sysctlPath,
} from '../../../src/resources/kernel-parameter/index.js';
import { FactError } from '../../../src/resources/resource.js';
import { frame, hostFacts, partsFrame, recordedFrame, type PartSpec } from '../../support/frames.js';
import { runInProbe } from '../../support/probe-run.js';
import { judgeFrame, statuses } from '../../support/judge.js';

const registry = createRegistry([kernelParameterResource]);
const kernelParameter = resourceFunction(kernelParameterResource);

const judge = (body: () => void, fact: Frame, host?: HostFacts) => judgeFrame(registry, body, fact, host);

describe('kernel_parameter resource', () => {
  describe('keys', () => {
    it('maps a sysctl key to its /proc/sys path, "/" inside a name standing for "."', () => {
      expect(sysctlPath('net.ipv4.ip_forward')).to.equal('/proc/sys/net/ipv4/ip_forward');
      expect(sysctlPath('net.ipv4.conf.eth0/100.rp_filter')).to.equal('/proc/sys/net/ipv4/conf/eth0.100/rp_filter');
      expect(sysctlPath('dev.raid.speed_limit_min')).to.equal('/proc/sys/dev/raid/speed_limit_min');
    });

    it('rejects keys that are empty, escape /proc/sys or are not sysctl names', () => {
      for (const key of [
        '',
        'net..ipv4',
        '..',
        '.net.ipv4',
        'net.ipv4.',
        '/proc/sys/x',
        'net./.x',
        'net.//.x',
        'a.//.//.etc.shadow',
        'net ipv4',
        'a\nb',
        'a\\b',
      ])
        expect(sysctlComponents(key), JSON.stringify(key)).to.equal(undefined);
    });

    it('refuses a bad key at plan time, before anything runs', () => {
      expect(() =>
        planSpecs([{ definition: spec('t', () => kernelParameter('net..ipv4.ip_forward').value(0)) }], registry),
      ).to.throw(/invalid kernel_parameter name.*sysctl key/);
      expect(() =>
        planSpecs([{ definition: spec('t', () => kernelParameter('kernel.//.//.etc.shadow').exists()) }], registry),
      ).to.throw(/sysctl key/);
    });

    it('quotes the path in the fragment', () => {
      const query = kernelParameterResource.facts.parameter!("net.ipv4.conf.it's.rp_filter", {});
      expect(query.script).to.include(`'/proc/sys/net/ipv4/conf/it'\\''s/rp_filter'`);
    });
  });

  describe('one query for every parameter, run for real under each shell', () => {
    const shells = ['dash', 'bash', 'busybox sh'].filter((shell) => {
      const [command, ...flags] = shell.split(' ');
      return spawnSync(command!, [...flags, '-c', 'true']).status === 0;
    });
    const keys = [
      'kernel.ostype',
      'net.ipv4.tcp_rmem',
      'net.ipv4.no_such_key',
      'kernel.ostype.x',
      'vm.compact_memory',
      'net.ipv4',
    ];

    for (const shell of shells) {
      it(`reads values, absences, write-only parameters and directories under ${shell}`, () => {
        const answer = runScript(shell, parameterGroupScript(keys));
        expect(answer.exitCode).to.equal(0);
        expect(parseKernelParameter(answer, 'kernel.ostype')).to.deep.equal({ exists: true, value: 'Linux' });
        expect((parseKernelParameter(answer, 'net.ipv4.tcp_rmem') as { value: string }).value).to.match(
          /^\d+ \d+ \d+$/,
        );
        expect(parseKernelParameter(answer, 'net.ipv4.no_such_key').exists).to.equal(false);
        expect(parseKernelParameter(answer, 'kernel.ostype.x').exists).to.equal(false);
        expect(() => parseKernelParameter(answer, 'vm.compact_memory', hostFacts())).to.throw(
          FactError,
          /permission denied.*write-only/,
        );
        expect(() => parseKernelParameter(answer, 'net.ipv4')).to.throw(FactError, /group of parameters/);
      });
    }

    it('a root-only parameter read by another user is an error naming the uid', function () {
      if (process.getuid?.() !== 0) this.skip();
      const answer = runScript('runuser -u nobody -- sh', parameterGroupScript(['kernel.cad_pid', 'kernel.ostype']));
      expect(() => parseKernelParameter(answer, 'kernel.cad_pid', hostFacts({ uid: 65534 }))).to.throw(
        FactError,
        /uid 65534/,
      );
      expect(parseKernelParameter(answer, 'kernel.ostype')).to.deep.equal({ exists: true, value: 'Linux' });
    });
  });

  describe('parsing', () => {
    it('reads the values a booted instance printed, with blanks normalised', () => {
      expect(
        parseKernelParameter(recordedValue('net.ipv4.ip_forward', 'proc-sys-ip-forward'), 'net.ipv4.ip_forward'),
      ).to.deep.equal({ exists: true, value: '0' });
      expect(
        parseKernelParameter(recordedValue('net.ipv4.tcp_rmem', 'proc-sys-tcp-rmem'), 'net.ipv4.tcp_rmem'),
      ).to.deep.equal({ exists: true, value: '4096 131072 33554432' });
      expect(normaliseValue('a\t b\n c\n')).to.equal('a b c');
    });

    it('is an error without procfs, without a section, with a failed read or a killed query', () => {
      expect(() =>
        parseKernelParameter(frame('', 3, '/proc/sys is not available (procfs is not mounted)'), 'kernel.ostype'),
      ).to.throw(FactError, /procfs/);
      const other = parameterFrame([['value', '/proc/sys/kernel/hostname']], {
        stdout: '/proc/sys/kernel/hostname:x\n',
      });
      expect(() => parseKernelParameter(other, 'kernel.ostype')).to.throw(FactError, /no section/);
      const ioError = { exitCode: 2, stderr: 'grep: /proc/sys/kernel/ostype: Input/output error' };
      const failedRead = parameterFrame([['value', '/proc/sys/kernel/ostype']], ioError);
      expect(() => parseKernelParameter(failedRead, 'kernel.ostype')).to.throw(FactError, /Input\/output/);
      const whole = parameterFrame([['value', '/proc/sys/kernel/ostype']], {
        stdout: '/proc/sys/kernel/ostype:Linux\n',
      });
      const cut = frame(whole.stdout.subarray(0, -3));
      expect(() => parseKernelParameter(cut, 'kernel.ostype')).to.throw(FactError, /stopped inside a part/);
      expect(() => parseKernelParameter(frame('', 137), 'kernel.ostype')).to.throw(FactError, /signal 9/);
    });
  });

  describe('judging', () => {
    it('compares numbers numerically and strings exactly', () => {
      const results = judge(
        () => {
          kernelParameter('kernel.randomize_va_space').value(2).value('2').value({ ge: 1 }).not.value(0).exists();
          kernelParameter('kernel.randomize_va_space').value(1);
        },
        recordedValue('kernel.randomize_va_space', 'proc-sys-randomize-va-space'),
      );
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'passed', 'passed', 'failed']);
      const rmem = judge(
        () => kernelParameter('net.ipv4.tcp_rmem').value('4096 131072 33554432'),
        recordedValue('net.ipv4.tcp_rmem', 'proc-sys-tcp-rmem'),
      );
      expect(statuses(rmem)).to.deep.equal(['passed']);
    });

    it('passes not.exists on absence, but a value check never passes, negated or not', () => {
      const missing = parameterFrame([['missing', '/proc/sys/net/ipv4/no_such_key']]);
      const results = judge(
        () => kernelParameter('net.ipv4.no_such_key').not.exists().value(0).not.value(0).exists(),
        missing,
      );
      expect(statuses(results)).to.deep.equal(['passed', 'failed', 'failed', 'failed']);
      expect(results[2]!.message).to.match(/does not exist/);
    });

    it('makes every check an error when the read is denied', () => {
      const denied = parameterFrame([['denied', '/proc/sys/vm/compact_memory']]);
      const results = judge(() => kernelParameter('vm.compact_memory').not.exists().not.value(1), denied);
      expect(statuses(results)).to.deep.equal(['error', 'error']);
    });
  });
});

/** The section the group query prints for a value, around what `cat` printed on a booted instance. */
function recordedValue(key: string, recording: string): Frame {
  const value = recordedFrame(`recorded/debian12/${recording}.json`).stdout.toString('utf8');
  const lines = value
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `${sysctlPath(key)}:${line}\n`);
  return parameterFrame([['value', sysctlPath(key)]], { stdout: lines.join('') });
}

/** The parts the grouped query writes: each path's state, then grep's answer. */
function parameterFrame(states: [string, string][], values: Omit<PartSpec, 'name'> = {}): Frame {
  const stateLines = states.map(([state, path]) => `${state} ${path}\n`).join('');
  return partsFrame([
    { name: 'states', stdout: stateLines },
    { name: 'values', ...values },
  ]);
}

function runScript(shell: string, script: string): Frame {
  return runInProbe(script, { shell: shell.split(' ') });
}
