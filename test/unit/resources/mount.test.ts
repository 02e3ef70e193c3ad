import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Frame } from '../../../src/probe/frames.js';
import { createRegistry } from '../../../src/resources/index.js';
import { decodeMountField, mountFactFor, mountResource, parseMountTable } from '../../../src/resources/mount/index.js';
import { FactError } from '../../../src/resources/resource.js';
import { frame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, statuses } from '../../support/judge.js';

const registry = createRegistry([mountResource]);
const mount = resourceFunction(mountResource);

const judge = (body: () => void, fact: Frame) => judgeFrame(registry, body, fact);

/** A raw `cat /proc/self/mounts` recording, framed the way the probe fragment frames it. */
function table(recording: string): Frame {
  const raw = recordedFrame(recording);
  return frame(
    Buffer.concat([Buffer.from('@@table /proc/self/mounts\n'), raw.stdout]),
    raw.exitCode,
    raw.stderr.toString(),
  );
}

const instance = table('recorded/debian12/proc-self-mounts.json');
const localTable = table('recorded/local-debian12-nosystemd/proc-self-mounts.json');
const odd = recordedFrame('local/mount/table-with-odd-mount-point.json');
const ODD_POINT = '/tmp/driftspec-fixture/odd point\twith\\backslash\nand newline';

describe('mount resource', () => {
  it('decodes the kernel octal escapes', () => {
    expect(decodeMountField('/a\\040b\\011c\\012d\\134e')).to.equal('/a b\tc\nd\\e');
    expect(decodeMountField('/caf\\303\\251')).to.equal('/café');
    expect(decodeMountField('/no\\escape\\04')).to.equal('/no\\escape\\04');
  });

  it('reads the instance table; the last of several entries on a point is the visible one', () => {
    const parsed = parseMountTable(instance);
    expect(parsed.table).to.equal('/proc/self/mounts');
    expect(mountFactFor(parsed, '/run/host/os-release')).to.deep.include({
      mounted: true,
      device: '/dev/vda',
      filesystem: 'ext4',
      stacked: 2,
    });
    expect((mountFactFor(parsed, '/run/host/os-release') as { options: string[] }).options)
      .to.include('rw')
      .and.not.include('ro');
    expect(mountFactFor(parsed, '/tmp')).to.deep.include({ mounted: true, filesystem: 'tmpfs' });
    expect(mountFactFor(parsed, '/mnt/with space')).to.deep.include({ mounted: true, filesystem: 'tmpfs' });
    expect(mountFactFor(parsed, '/mnt')).to.deep.equal({ mounted: false, table: '/proc/self/mounts' });
  });

  it('reads the locally recorded tables, including a point with a space, a tab, a backslash and a newline', () => {
    expect(mountFactFor(parseMountTable(localTable), '/')).to.deep.include({
      mounted: true,
      device: '/dev/vda',
      filesystem: 'ext4',
    });
    const fact = mountFactFor(parseMountTable(odd), ODD_POINT);
    expect(fact).to.deep.include({ mounted: true, device: 'fixture-second', filesystem: 'tmpfs', stacked: 2 });
    expect((fact as { options: string[] }).options).to.include.members(['noexec', 'nodev', 'nosuid', 'size=2048k']);
    expect(mountFactFor(parseMountTable(odd), '/tmp/driftspec-fixture/odd point').mounted).to.equal(false);
  });

  it('is an error when no table is readable, the read fails or the output is garbage', () => {
    expect(() => parseMountTable(frame('', 3, 'no mount table is readable'))).to.throw(FactError, /no mount table/);
    expect(() => parseMountTable(frame('', 127))).to.throw(FactError, /127/);
    expect(() => parseMountTable(frame('proc /proc proc rw 0 0\n'))).to.throw(FactError, /unexpected output/);
    expect(() => parseMountTable(frame('@@table /proc/self/mounts\nproc /proc\n'))).to.throw(
      FactError,
      /unparseable line/,
    );
  });

  it('judges mounted, source, filesystem and options; a point that is not mounted never passes an attribute', () => {
    const results = judge(() => {
      mount('/tmp')
        .mounted()
        .source('tmpfs')
        .filesystem('tmpfs')
        .mountOptions({ contains: ['nodev', 'nosuid'] })
        .hasOptions('nosuid')
        .not.mountOptions({ contains: 'noexec' });
      mount('/tmp').mountOptions({ contains: ['noexec'] });
      mount('/mnt').not.mounted().not.filesystem('ext4').not.mountOptions({ contains: 'noexec' }).mounted();
    }, instance);
    expect(statuses(results)).to.deep.equal([
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'failed',
      'passed',
      'failed',
      'failed',
      'failed',
    ]);
    expect(results[8]!.message).to.match(/not mounted/);
  });

  it('refuses relative or unnormalised mount points at plan time', () => {
    for (const point of ['tmp', '/tmp/', '/a//b', '/a/./b', '/a/../b', '']) {
      expect(() => planSpecs([{ definition: spec('t', () => mount(point).mounted()) }], registry), point).to.throw(
        /invalid mount name/,
      );
    }
    expect(() => planSpecs([{ definition: spec('t', () => mount('/').mounted()) }], registry)).to.not.throw();
  });

  it('reads the table with one fixed fragment, whatever the mount point', () => {
    const a = mountResource.facts.table!("/x'$(touch /tmp/owned)", {});
    const b = mountResource.facts.table!('/tmp', {});
    expect(a.script).to.equal(b.script);
    expect(a.script).to.not.include('owned');
  });
});
