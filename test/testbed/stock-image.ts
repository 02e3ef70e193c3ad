/** What the stock test-bed image holds, as tests that judge it expect it. */

/** The setuid files of the stock image (test/fixtures/recorded/file-search/setuid-root.json has them). */
export const STOCK_SETUID_FILES: readonly string[] = [
  '/usr/bin/chfn',
  '/usr/bin/chsh',
  '/usr/bin/gpasswd',
  '/usr/bin/mount',
  '/usr/bin/newgrp',
  '/usr/bin/passwd',
  '/usr/bin/su',
  '/usr/bin/sudo',
  '/usr/bin/umount',
  '/usr/lib/dbus-1.0/dbus-daemon-launch-helper',
  '/usr/lib/openssh/ssh-keysign',
];
