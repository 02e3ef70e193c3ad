import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { HostFacts } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  configFromFiles,
  configFromShowconfig,
  kernelModuleResource,
  parseKernelModules,
} from '../../../src/resources/kernel-module/index.js';
import { kernelModuleInventory } from '../../../src/resources/kernel-module/inventory.js';
import { hostFacts, partsFrame, recordedFrame, type PartSpec } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';

const registry = createRegistry([kernelModuleResource]);
const kernelModule = resourceFunction(kernelModuleResource);

const recorded = (name: string) => recordedFrame(`recorded/configfiles/${name}.json`);
const part = (name: string, recording: string): PartSpec => {
  const frame = recorded(recording);
  return { name, stdout: frame.stdout, stderr: frame.stderr.toString(), exitCode: frame.exitCode };
};

/**
 * This machine's kernel has no module support (proc-modules.json: no /proc/modules), so a list
 * of loaded modules could not be recorded here; these lines have /proc/modules' six fields.
 */
const LOADED = 'nf_conntrack 188416 1 nf_nat, Live 0x0000000000000000\ncramfs_x 16384 0 - Live 0x0000000000000000\n';

/** The modprobe.d recording (`==> path` headers) as the probe's `conf:N` parts. */
function confParts(): PartSpec[] {
  const text = recorded('modprobe-d-files').stdout.toString('utf8');
  return text
    .split(/^==> /m)
    .filter((chunk) => chunk !== '')
    .map((chunk, index) => {
      const newline = chunk.indexOf('\n');
      return { name: `conf:${index + 1}`, stdout: `${chunk.slice(0, newline)}\0${chunk.slice(newline + 1)}` };
    });
}

const judge = (body: () => void, parts: PartSpec[], host: HostFacts = hostFacts()) =>
  resultLines(judgeFrame(registry, body, partsFrame(parts), host));

describe('kernel_module resource', () => {
  it('reads blacklist and the first install line of modprobe --showconfig (recorded), names with - as _', () => {
    const config = configFromShowconfig(recorded('modprobe-showconfig-blacklist').stdout.toString('utf8'));
    expect([...config.blacklisted.keys()]).to.deep.equal(['cramfs', 'usb_storage']);
    expect(config.install.get('cramfs')?.command).to.equal('/bin/false');
    expect(config.install.get('usb_storage')?.command).to.equal('/bin/true');
    expect(config.install.get('squashfs')?.command).to.equal('/sbin/modprobe --ignore-install squashfs && echo loaded');
    const stock = configFromShowconfig(recorded('modprobe-showconfig').stdout.toString('utf8'));
    expect(stock.blacklisted.size + stock.install.size).to.equal(0);
  });

  it('reads the modprobe.d files in modprobe order where there is no modprobe', () => {
    const files = [
      { path: '/lib/modprobe.d/50-a.conf', content: 'install cramfs /bin/sh -c true\nblacklist cramfs\n' },
      { path: '/etc/modprobe.d/50-a.conf', content: '# hides the /lib file of the same name\n' },
      { path: '/etc/modprobe.d/60-b.conf', content: 'install cramfs \\\n  /bin/false\n' },
      { path: '/usr/lib/modprobe.d/10-c.conf', content: 'install cramfs /bin/true\n' },
    ];
    const config = configFromFiles(files);
    expect(config.install.get('cramfs')).to.deep.equal({
      command: '/bin/true',
      source: '/usr/lib/modprobe.d/10-c.conf line 1',
    });
    expect(config.blacklisted.has('cramfs')).to.equal(false);
  });

  it('judges loaded by exact name, and the configuration on a kernel without /proc/modules', () => {
    const blacklist = part('showconfig', 'modprobe-showconfig-blacklist');
    const lines = judge(() => {
      kernelModule('nf-conntrack').loaded();
      kernelModule('cramfs').not.loaded();
      kernelModule('cramfs').blacklisted().disabled();
      kernelModule('usb-storage').blacklisted().disabled();
      kernelModule('squashfs').not.disabled();
      kernelModule('bonding').not.blacklisted();
    }, [{ name: 'proc', stdout: LOADED }, blacklist]);
    expect(lines).to.deep.equal([
      'passed: kernel module nf-conntrack should be loaded',
      'passed: kernel module cramfs should not be loaded',
      'passed: kernel module cramfs should be blacklisted',
      'passed: kernel module cramfs should be disabled (install /bin/true or /bin/false)',
      'passed: kernel module usb-storage should be blacklisted',
      'passed: kernel module usb-storage should be disabled (install /bin/true or /bin/false)',
      'passed: kernel module squashfs should not be disabled (install /bin/true or /bin/false)',
      'passed: kernel module bonding should not be blacklisted',
    ]);
    const noModules = judge(() => {
      kernelModule('cramfs').not.loaded();
      kernelModule('cramfs').blacklisted();
    }, [
      { name: 'proc', exitCode: 3, stderr: '/proc/modules is not there (no procfs, or a kernel without modules)\n' },
      blacklist,
    ]);
    expect(noModules).to.deep.equal([
      'error: could not check kernel module cramfs: reading the kernel modules: /proc/modules ' +
        'is not there (no procfs, or a kernel without modules)',
      'passed: kernel module cramfs should be blacklisted',
    ]);
  });

  it('on an image reads only the configuration files, and their evidence', () => {
    const image = hostFacts({ booted: false });
    const fact = parseKernelModules(partsFrame(confParts()), image);
    expect(fact.loaded).to.equal(undefined);
    expect(fact.configSource).to.equal('the modprobe.d files');
    const lines = judge(() => kernelModule('bonding').not.disabled(), confParts(), image);
    expect(lines).to.deep.equal([
      'passed: kernel module bonding should not be disabled (install /bin/true or /bin/false)',
    ]);
  });

  it('a /proc/modules line that is not one is an error, never "not loaded"', () => {
    const lines = judge(
      () => kernelModule('cramfs').not.loaded(),
      [{ name: 'proc', stdout: 'garbage\n' }, part('showconfig', 'modprobe-showconfig')],
    );
    expect(lines[0]).to.match(/^error: .*unexpected \/proc\/modules line "garbage"/);
  });

  it('lists loaded and configured modules for a snapshot', () => {
    const listing = kernelModuleInventory.listing;
    if (listing.type !== 'framed') throw new Error('framed listing expected');
    const frame = partsFrame([{ name: 'proc', stdout: LOADED }, part('showconfig', 'modprobe-showconfig-blacklist')]);
    const { items } = listing.read(frame, { host: hostFacts(), ignored: () => false });
    expect(kernelModuleInventory.collection.store(items)).to.deep.equal([
      { name: 'cramfs', state: 'not loaded', blacklisted: true, install: '/bin/false' },
      { name: 'cramfs_x', state: 'Live', blacklisted: false, install: null },
      { name: 'nf_conntrack', state: 'Live', blacklisted: false, install: null },
      {
        name: 'squashfs',
        state: 'not loaded',
        blacklisted: false,
        install: '/sbin/modprobe --ignore-install squashfs && echo loaded',
      },
      { name: 'usb_storage', state: 'not loaded', blacklisted: true, install: '/bin/true' },
    ]);
  });
});
