import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { HOST_DETECTION } from '../../src/probe/host.js';
import { isRoot, requireInCi } from '../support/environment.js';

/**
 * The init system of an image that is not booted, read from its files: the probe's detection
 * runs with busybox's shell chrooted into small trees shaped like images (nothing under /run).
 */
describe('init system detection on an image that is not booted', () => {
  const roots: string[] = [];
  let busybox = '';

  before(function () {
    if (!isRoot()) return requireInCi(this, 'chroot needs root');
    const found = spawnSync('sh', ['-c', 'command -v busybox']);
    if (found.status !== 0) return requireInCi(this, 'busybox is not installed');
    busybox = found.stdout.toString().trim();
  });

  after(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** A tree with busybox as /bin/sh and readlink, its libraries, /dev/null, and `files` (path → content, or a link). */
  function imageRoot(files: Record<string, string | { link: string }>): string {
    const root = mkdtempSync(join(tmpdir(), 'driftspec-init-detection-'));
    roots.push(root);
    const place = (path: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      return join(root, path);
    };
    copyFileSync(busybox, place('/bin/busybox'));
    chmodSync(join(root, 'bin/busybox'), 0o755);
    for (const applet of ['sh', 'readlink']) symlinkSync('busybox', place(`/bin/${applet}`));
    const libraries = execFileSync('ldd', [busybox], { encoding: 'utf8' }).match(/\/\S+\.so[.\d]*/g) ?? [];
    for (const library of libraries) copyFileSync(library, place(library));
    // The probe sends what it does not keep to /dev/null, as an image has it under nspawn.
    execFileSync('mknod', ['-m', '666', place('/dev/null'), 'c', '1', '3']);
    for (const [path, content] of Object.entries(files)) {
      if (typeof content === 'string') {
        writeFileSync(place(path), content, { mode: 0o755 });
      } else {
        symlinkSync(content.link, place(path));
      }
    }
    return root;
  }

  function detect(root: string, booted: 'yes' | 'no' = 'no'): string {
    const script = `PATH=/usr/sbin:/usr/bin:/sbin:/bin
ds_has() { command -v "$1" >/dev/null 2>&1; }
DS_BOOTED=${booted}
${HOST_DETECTION}
printf '%s\\n' "$DS_INIT"`;
    const run = spawnSync('chroot', [root, '/bin/sh', '-s'], { input: script });
    expect(run.status, run.stderr.toString()).to.equal(0);
    return run.stdout.toString().trim();
  }

  const tool = '#!/bin/sh\nexit 0\n';

  it('systemd where /sbin/init is a link to systemd and systemctl is there', () => {
    const root = imageRoot({
      '/lib/systemd/systemd': tool,
      '/sbin/init': { link: '/lib/systemd/systemd' },
      '/bin/systemctl': tool,
      '/etc/init.d/cron': tool,
    });
    expect(detect(root)).to.equal('systemd');
    // Booted, the markers under /run decide: this tree has none of systemd's.
    expect(detect(root, 'yes')).to.equal('sysvinit');
  });

  it('systemd where there is no /sbin/init but systemd is installed', () => {
    expect(detect(imageRoot({ '/usr/lib/systemd/systemd': tool, '/usr/bin/systemctl': tool }))).to.equal('systemd');
  });

  it('not systemd where /sbin/init is something else, even with systemctl installed', () => {
    const root = imageRoot({ '/sbin/init': { link: '/bin/busybox' }, '/bin/systemctl': tool, '/etc/init.d/rcS': tool });
    expect(detect(root)).to.equal('sysvinit');
  });

  it('openrc where its tools are there', () => {
    const root = imageRoot({
      '/sbin/init': { link: '/bin/busybox' },
      '/sbin/openrc': tool,
      '/sbin/rc-service': tool,
      '/etc/init.d/sshd': tool,
    });
    expect(detect(root)).to.equal('openrc');
  });

  it('none where there is no init at all (a container image)', () => {
    expect(detect(imageRoot({}))).to.equal('none');
  });
});
