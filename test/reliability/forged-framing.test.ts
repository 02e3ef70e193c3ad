import { expect } from 'chai';
import { group, kernelParameter, pkg, service, user } from '../../src/dsl/index.js';
import { parseParts } from '../../src/probe/parts.js';
import { parseGroupedFileMeta } from '../../src/resources/file/index.js';
import { createRegistry } from '../../src/resources/index.js';
import { parseOpenrcServices } from '../../src/resources/service/inventory.js';
import { groupInventory } from '../../src/resources/group/inventory.js';
import type { AnyInventoryPart } from '../../src/resources/inventory-part.js';
import { frame, hostFacts, partsFrame, type PartSpec } from '../support/frames.js';
import { judgeFrame, statuses } from '../support/judge.js';

// Issue 18, false passes #1 and #2: text a target controls (symlink targets, init script output,
// tool output, account fields, sysctl values) imitating every marker the probe uses, inside one
// member's part of every grouped query, through the real parsers. It never changes another
// member's fact, and never cuts a member's own text short. (The same through the real shell:
// forged-framing.integration.test.ts.)

/** Every marker the probe writes or once wrote between outputs, each on a line of its own. */
const MARKERS = [
  'DSFRAME q1 0 0 0',
  'DSEND',
  'DSPARTS 1',
  '0 6 7 0',
  'DSPART 0 6 7 0',
  'link:/bforged',
  '@@stat 0',
  '@@link /b',
  '@@param /proc/sys/kernel/ostype value',
  '@@values',
  '@@end 0',
  '@@passwd lookup',
  '@@passwd table',
  '@@group table',
  '@@key ghost',
  '@@keys /root/.ssh/authorized_keys',
  '@@exit 0',
  '@@command 0 none 0 0',
  '#driftspec unit ghost',
  '#driftspec member 1',
  '#driftspec script present',
  '#driftspec status-exit 0',
  '#driftspec member-exit 1 0',
  '#driftspec is-enabled-of 1',
];
const FORGED = `${MARKERS.join('\n')}\n`;

const registry = createRegistry();
const sysv = hostFacts({ initSystem: 'sysvinit' });
const openrc = hostFacts({ initSystem: 'openrc' });

describe('reliability: forged framing in every grouped query', () => {
  it('the part parser reads lengths, never markers, whatever a part holds', () => {
    const parts = parseParts(
      partsFrame([
        { name: 'a', stdout: FORGED, stderr: FORGED },
        { name: 'b', stdout: 'real\n' },
      ]).stdout,
    );
    expect([...parts.keys()]).to.deep.equal(['a', 'b']);
    expect(parts.get('a')!.stdout.toString()).to.equal(FORGED);
    expect(parts.get('b')!.stdout.toString()).to.equal('real\n');
    expect(() => parseParts(Buffer.from(FORGED))).to.throw(/unexpected output/);
  });

  it("file meta: a symlink target imitating the framing is all of its own target, and not the other link's", () => {
    const target = `x\n${FORGED}forged`;
    const stat = ['a1ff:0:0:1:1:1:root:root:/a', 'a1ff:0:0:1:1:1:root:root:/b'].join('\n');
    const answer = partsFrame([
      { name: 'stat', stdout: `${stat}\n` },
      { name: 'link:/a', stdout: `${target}\n` },
      { name: 'link:/b', stdout: 'real\n' },
    ]);
    expect(parseGroupedFileMeta(answer, '/a')).to.deep.include({ linkTarget: target });
    expect(parseGroupedFileMeta(answer, '/b')).to.deep.include({ linkTarget: 'real' });
  });

  it("sysvinit: one script's status output never answers for a service that does not exist", () => {
    const parts: PartSpec[] = [
      { name: 'start-links', stdout: `/etc/rc2.d/S01evil\0/etc/rc2.d/S01ghost\n${FORGED}\0` },
      { name: 'script:evil', stdout: 'present\n' },
      { name: 'status:evil', stdout: FORGED, exitCode: 0 },
      { name: 'script:ghost', stdout: 'absent\n', exitCode: 1 },
    ];
    const results = judgeFrame(
      registry,
      () => service('ghost').installed().enabled().running(),
      partsFrame(parts),
      sysv,
    );
    expect(statuses(results)).to.deep.equal(['failed', 'failed', 'failed']);
    const evil = judgeFrame(registry, () => service('evil').running(), partsFrame(parts), sysv);
    expect(evil[0]!.actual).to.include('DSFRAME q1 0 0 0');
  });

  it("openrc: one service's status output never answers for another", () => {
    const parts: PartSpec[] = [
      { name: 'rc-update', stdout: '                evil | default\n' },
      { name: 'exists:evil' },
      { name: 'status:evil', stdout: FORGED, exitCode: 0 },
      { name: 'exists:ghost', exitCode: 1 },
    ];
    const results = judgeFrame(
      registry,
      () => service('ghost').installed().enabled().running(),
      partsFrame(parts),
      openrc,
    );
    expect(statuses(results)).to.deep.equal(['failed', 'failed', 'failed']);
  });

  it('openrc: a script named with a newline never lends its runlevels to another service', () => {
    const parts: PartSpec[] = [
      { name: 'rc-update', stdout: '                 ssh |\n                evil\n ssh | default\n' },
      { name: 'exists:ssh' },
      { name: 'status:ssh', stdout: ' * status: stopped\n', exitCode: 3 },
    ];
    const results = judgeFrame(registry, () => service('ssh').enabled(), partsFrame(parts), openrc);
    expect(statuses(results)).to.deep.equal(['error']);
    expect(results[0]!.message).to.include('lists ssh on 2 lines');
  });

  it('openrc snapshot: a forged rc-update or rc-status line is an error, never a service state', () => {
    const listing = (updates: string, statuses: string) => `${updates}#driftspec status\n${statuses}`;
    const forgedUpdate = listing(' ssh |\n evil |\n ssh | default |\n', '');
    expect(() => parseOpenrcServices(forgedUpdate, 'x')).to.throw(/rc-update lists ssh twice/);
    const forgedStatus = listing(' ssh |\n', ' ssh [ stopped ]\n ssh [ started ]\n');
    expect(() => parseOpenrcServices(forgedStatus, 'x')).to.throw(/as inactive and as active/);
    const twoRunlevels = listing(' ssh | boot default\n', ' ssh [ started ]\n ssh [ started ]\n');
    expect(parseOpenrcServices(twoRunlevels, 'x')).to.deep.equal([
      { name: 'ssh', enabled: 'enabled', active: 'active', sub: null },
    ]);
  });

  it('accounts snapshot: an entry holding a forged section is an error, never the group table', () => {
    const gecos = 'x\n@@exit 0\n@@group table\nwheel:x:10:evil';
    const passwd = `@@passwd table\nevil:x:1000:1000:${gecos}:/home/evil:/bin/sh\n\n@@exit 0\n`;
    const listing = frame(`${passwd}@@group table\nwheel:x:10:\n\n@@exit 0\n`);
    const read = (part: AnyInventoryPart) => () =>
      part.listing.type === 'framed' && part.listing.read(listing, { host: sysv, ignored: () => false });
    expect(read(groupInventory)).to.throw(/2 group sections/);
  });

  it('systemd: a property value holding newlines never forges a property or another unit', () => {
    const show = (id: string, load: string, active: string, extra = '') =>
      `Id=${id}\nLoadState=${load}\nActiveState=${active}\nSubState=dead\n${extra}`;
    const forgedDescription = 'Description=x\nActiveState=active\nSubState=running\n';
    const parts: PartSpec[] = [
      { name: 'units', stdout: 'evil\n' },
      { name: 'show', stdout: show('evil.service', 'loaded', 'inactive', forgedDescription) },
      { name: 'is-enabled', stdout: 'enabled\n' },
    ];
    const results = judgeFrame(registry, () => service('evil').running(), partsFrame(parts));
    expect(statuses(results)).to.deep.equal(['error']);
    expect(results[0]!.message).to.include('printed ActiveState twice');
    // A blank line in a value makes one block more than units: an error for every unit.
    const blank = `Description=x\n\nId=ghost.service\nLoadState=loaded\nActiveState=active\nSubState=running\n`;
    const shifted: PartSpec[] = [
      { name: 'units', stdout: 'evil\nghost\n' },
      {
        name: 'show',
        stdout: [
          show('evil.service', 'loaded', 'inactive', blank),
          show('ghost.service', 'not-found', 'inactive'),
        ].join('\n'),
      },
      { name: 'is-enabled', stdout: 'enabled\nnot-found\n' },
    ];
    const ghost = judgeFrame(registry, () => service('ghost').running(), partsFrame(shifted));
    expect(statuses(ghost)).to.deep.equal(['error']);
  });

  it('systemd: is-enabled output of one unit never answers for another', () => {
    const show = (id: string, load: string) => `Id=${id}\nLoadState=${load}\nActiveState=inactive\nSubState=dead\n`;
    const parts: PartSpec[] = [
      { name: 'units', stdout: 'evil\nghost\n' },
      { name: 'show', stdout: `${show('evil.service', 'loaded')}\n${show('ghost.service', 'not-found')}` },
      { name: 'is-enabled', stdout: 'enabled\n', exitCode: 1 },
      { name: 'is-enabled:evil', stdout: `${FORGED}enabled\n` },
      { name: 'is-enabled:ghost', stdout: 'not-found\n', exitCode: 4 },
    ];
    const results = judgeFrame(registry, () => service('ghost').installed().enabled().running(), partsFrame(parts));
    expect(statuses(results)).to.deep.equal(['failed', 'failed', 'failed']);
  });

  it("account lookups: entries imitating the framing are entries, and never another name's answer", () => {
    const lookup = (database: string, lines: string[]) => [
      { name: `keys:${database}`, stdout: 'evil\nghost\n' },
      { name: `lookup:${database}`, stdout: lines.map((l) => `${l}\n`).join(''), exitCode: 2 },
    ];
    const passwd = partsFrame(lookup('passwd', [`evil:x:1000:1000:${MARKERS.join(' ')}:/home/evil:/bin/sh`]));
    const users = judgeFrame(registry, () => user('ghost').exists().not.exists(), passwd);
    expect(statuses(users)).to.deep.equal(['failed', 'passed']);
    const groups = judgeFrame(
      registry,
      () => group('ghost').exists(),
      partsFrame(lookup('group', ['evil:x:1000:@@exit 0,DSEND'])),
    );
    expect(statuses(groups)).to.deep.equal(['failed']);
  });

  it('kernel parameters: a value imitating the framing belongs to its own parameter only', () => {
    const values = FORGED.split('\n')
      .filter(Boolean)
      .map((line) => `/proc/sys/kernel/hostname:${line}\n`)
      .join('');
    const parts: PartSpec[] = [
      { name: 'states', stdout: 'value /proc/sys/kernel/hostname\nmissing /proc/sys/kernel/ostype\n' },
      { name: 'values', stdout: values },
    ];
    const results = judgeFrame(
      registry,
      () => kernelParameter('kernel.ostype').exists().not.exists(),
      partsFrame(parts),
    );
    expect(statuses(results)).to.deep.equal(['failed', 'passed']);
    const own = judgeFrame(
      registry,
      () => kernelParameter('kernel.hostname').value({ contains: '@@end 0' }),
      partsFrame(parts),
    );
    expect(statuses(own)).to.deep.equal(['passed']);
  });

  it('packages: one dpkg-query answers every name on tab-separated lines; marker lines answer for none', () => {
    // dpkg's records cannot hold a newline or a tab inside a field, so they are the tool's own framing.
    const stdout = `ii \tevil\t1.0\tamd64\n${FORGED}`;
    const stderr = 'dpkg-query: no packages found matching ghost\n';
    const results = judgeFrame(registry, () => pkg('ghost').installed().not.installed(), frame(stdout, 1, stderr));
    expect(statuses(results)).to.not.include('passed');
  });
});
