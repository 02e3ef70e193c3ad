import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Frame } from '../../../src/probe/frames.js';
import type { HostFacts } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  kernelParameterResource,
  normaliseValue,
  parseKernelParameter,
  sysctlComponents,
  sysctlPath,
} from '../../../src/resources/kernel-parameter.js';
import { FactError } from '../../../src/resources/resource.js';
import { frame, hostFacts, recordedFrame } from '../../support/frames.js';
import { judgeFrame, statuses } from '../../support/judge.js';

const registry = createRegistry([kernelParameterResource]);
const kernelParameter = resourceFunction(kernelParameterResource);

const judge = (body: () => void, fact: Frame, host?: HostFacts) => judgeFrame(registry, body, fact, host);
const instance = (name: string) => recordedFrame(`recorded/debian12/${name}.json`);
const local = (name: string) => recordedFrame(`local/kernel_parameter/${name}.json`);

describe('kernel_parameter resource', () => {
  describe('keys', () => {
    it('maps a sysctl key to its /proc/sys path, "/" inside a name standing for "."', () => {
      expect(sysctlPath('net.ipv4.ip_forward')).to.equal('/proc/sys/net/ipv4/ip_forward');
      expect(sysctlPath('net.ipv4.conf.eth0/100.rp_filter')).to.equal('/proc/sys/net/ipv4/conf/eth0.100/rp_filter');
      expect(sysctlPath('dev.raid.speed_limit_min')).to.equal('/proc/sys/dev/raid/speed_limit_min');
    });

    it('rejects keys that are empty, escape /proc/sys or are not sysctl names', () => {
      for (const key of ['', 'net..ipv4', '..', '.net.ipv4', 'net.ipv4.', '/proc/sys/x', 'net./.x', 'net.//.x', 'a.//.//.etc.shadow', 'net ipv4', 'a\nb', 'a\\b'])
        expect(sysctlComponents(key), JSON.stringify(key)).to.equal(undefined);
    });

    it('refuses a bad key at plan time, before anything runs', () => {
      expect(() => planSpecs([{ definition: spec('t', () => kernelParameter('net..ipv4.ip_forward').value(0)) }], registry)).to.throw(/invalid kernel_parameter name.*sysctl key/);
      expect(() => planSpecs([{ definition: spec('t', () => kernelParameter('kernel.//.//.etc.shadow').exists()) }], registry)).to.throw(/sysctl key/);
    });

    it('quotes the path in the fragment', () => {
      const query = kernelParameterResource.facts.parameter!("net.ipv4.conf.it's.rp_filter", {});
      expect(query.script).to.include(`cat -- '/proc/sys/net/ipv4/conf/it'\\''s/rp_filter'`);
    });
  });

  describe('parsing (instance and local recordings)', () => {
    it('reads values, with blanks normalised', () => {
      expect(parseKernelParameter(instance('proc-sys-ip-forward'), 'net.ipv4.ip_forward')).to.deep.equal({ exists: true, value: '0' });
      expect(parseKernelParameter(instance('proc-sys-tcp-rmem'), 'net.ipv4.tcp_rmem')).to.deep.equal({ exists: true, value: '4096 131072 33554432' });
      expect(parseKernelParameter(local('kernel-ostype'), 'kernel.ostype')).to.deep.equal({ exists: true, value: 'Linux' });
      expect((parseKernelParameter(local('tcp-rmem'), 'net.ipv4.tcp_rmem') as { value: string }).value).to.match(/^\d+ \d+ \d+$/);
      expect(normaliseValue('a\t b\n c\n')).to.equal('a b c');
    });

    it('takes "No such file or directory" under a mounted /proc/sys as absence', () => {
      expect(parseKernelParameter(instance('proc-sys-missing'), 'net.ipv4.no_such_key').exists).to.equal(false);
      expect(parseKernelParameter(local('missing'), 'net.ipv4.no_such_key').exists).to.equal(false);
      expect(parseKernelParameter(frame('', 1, 'cat: /proc/sys/kernel/ostype/x: Not a directory'), 'kernel.ostype.x').exists).to.equal(false);
    });

    it('is an error for denied reads, directories, no procfs, missing cat and unknown failures', () => {
      expect(() => parseKernelParameter(local('write-only'), 'vm.compact_memory', hostFacts())).to.throw(FactError, /permission denied.*write-only/);
      expect(() => parseKernelParameter(local('root-only-as-nobody'), 'kernel.cad_pid', hostFacts({ uid: 65534 }))).to.throw(FactError, /uid 65534/);
      expect(() => parseKernelParameter(local('directory'), 'net.ipv4')).to.throw(FactError, /group of parameters/);
      expect(() => parseKernelParameter(frame('', 3, '/proc/sys is not available (procfs is not mounted)'), 'kernel.ostype')).to.throw(FactError, /procfs/);
      expect(() => parseKernelParameter(frame('', 127, 'sh: cat: not found'), 'kernel.ostype')).to.throw(FactError, /127/);
      expect(() => parseKernelParameter(frame('', 1, 'cat: read error: Input/output error'), 'kernel.ostype')).to.throw(FactError, /Input\/output/);
    });
  });

  describe('judging', () => {
    it('compares numbers numerically and strings exactly', () => {
      const results = judge(() => {
        kernelParameter('kernel.randomize_va_space').value(2).value('2').value({ ge: 1 }).not.value(0).exists();
        kernelParameter('kernel.randomize_va_space').value(1);
      }, instance('proc-sys-randomize-va-space'));
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'passed', 'passed', 'failed']);
      const rmem = judge(() => kernelParameter('net.ipv4.tcp_rmem').value('4096 131072 33554432'), instance('proc-sys-tcp-rmem'));
      expect(statuses(rmem)).to.deep.equal(['passed']);
    });

    it('passes not.exists on absence, but a value check never passes, negated or not', () => {
      const results = judge(() => kernelParameter('net.ipv4.no_such_key').not.exists().value(0).not.value(0).exists(), instance('proc-sys-missing'));
      expect(statuses(results)).to.deep.equal(['passed', 'failed', 'failed', 'failed']);
      expect(results[2]!.message).to.match(/does not exist/);
    });

    it('makes every check an error when the read is denied', () => {
      const results = judge(() => kernelParameter('vm.compact_memory').not.exists().not.value(1), local('write-only'));
      expect(statuses(results)).to.deep.equal(['error', 'error']);
    });
  });
});
