import { expect } from 'chai';
import { parseProperties } from '../../src/resources/service/index.js';
import {
  ALIAS_STATE_SINCE,
  parseSystemdServices,
  SERVICES_SCRIPT,
  type SnapshotService,
} from '../../src/resources/service/inventory.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

/**
 * Units in every state the snapshot's systemd listing must tell apart: masked while running, a
 * failed transient unit, an instance of a template, an alias of a unit only on disk and one of a
 * loaded unit, a unit file systemd refuses to load, a disabled unit with an [Install] section.
 */
const CHANGES = `set -e
cd /etc/systemd/system
printf '[Service]\\nExecStart=/bin/sleep 600\\n[Install]\\nWantedBy=multi-user.target\\n' >driftspec-disk.service
ln -s /etc/systemd/system/driftspec-disk.service driftspec-disk-alias.service
ln -s /usr/lib/systemd/system/nginx.service driftspec-web.service
printf '[Service]\\nType=simple\\n' >driftspec-broken.service
printf '[Service]\\nExecStart=/bin/sleep 600 %i\\n' >driftspec-each@.service
systemctl daemon-reload
systemctl start driftspec-each@one.service
systemctl mask --quiet cron
systemd-run --quiet --unit=driftspec-failed --property=Type=oneshot /bin/false || true
`;

/** What the listing replaced: \`systemctl show\` of every unit either listing names. */
const SHOW_EVERY_UNIT = `{ systemctl list-units --all --type=service --no-legend --plain --no-pager --full
  systemctl list-unit-files --type=service --no-legend --no-pager --full '*.service'; } \\
| awk '{ for (i = 1; i <= NF; i++) if ($i ~ /[.]service$/) { print $i; break } }' | grep -v '@[.]service$' \\
| sort -u | xargs systemctl show --no-pager -p Id,LoadState,ActiveState,SubState,UnitFileState --`;

describe('the services listing of a booted systemd instance', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 206, count: 1 });
  const instance = (): TestInstance => bed.instances[0]!;

  const listing = (script: string) => {
    const output = instance().inContainer([
      'sh',
      '-c',
      `ds_dir=$(mktemp -d) && DS_INIT=systemd DS_BOOTED=yes && { ${script}\n} && rm -r "$ds_dir"`,
    ]);
    expect(output).to.match(/^#driftspec init systemd\n/);
    return output.slice(output.indexOf('\n') + 1);
  };
  const byName = (services: SnapshotService[]) =>
    Object.fromEntries(services.map((s) => [s.name, s]).sort(([a], [b]) => (a! < b! ? -1 : 1)));

  it('reads the same states from the two listings as `systemctl show` gives unit by unit', () => {
    instance().inContainer(['sh', '-c', CHANGES]);
    const reference = new Map<string, SnapshotService>();
    for (const block of instance()
      .inContainer(['sh', '-c', SHOW_EVERY_UNIT])
      .split(/\n\s*\n/)) {
      const p = parseProperties(block);
      if (!p.Id || p.LoadState === 'not-found') continue;
      const name = p.Id.replace(/\.service$/, '');
      if (!reference.has(name))
        reference.set(name, { name, enabled: p.UnitFileState || null, active: p.ActiveState!, sub: p.SubState! });
    }

    const body = listing(SERVICES_SCRIPT);
    expect(body).to.match(/^#driftspec files aliases-marked$/m);
    const listed = byName(parseSystemdServices(body, 'listing'));
    expect(listed).to.deep.equal(byName([...reference.values()]));
    expect(listed).to.include.keys('driftspec-disk', 'driftspec-broken', 'driftspec-each@one', 'driftspec-failed');
    expect(listed).not.to.include.keys('driftspec-disk-alias', 'driftspec-web', 'driftspec-each@');
    expect(listed.cron).to.deep.equal({ name: 'cron', enabled: 'masked', active: 'active', sub: 'running' });
    expect(listed['driftspec-failed']).to.include({ active: 'failed' });
    // Its alias makes it "indirect"; nothing loaded it.
    expect(listed['driftspec-disk']).to.include({ enabled: 'indirect', active: 'inactive', sub: 'dead' });
    // Only the loaded units without a unit file entry of their own are asked about one by one.
    const shown = Number(/^#driftspec shown (\d+)$/m.exec(body)?.[1]);
    expect(shown).to.be.above(0).and.below(15);

    // An older systemd may list an alias with its unit's state: every unit only on disk is shown.
    const older = listing(SERVICES_SCRIPT.replace(`-ge ${ALIAS_STATE_SINCE} ]`, '-ge 100000 ]'));
    expect(older).to.match(/^#driftspec files aliases-unmarked$/m);
    expect(Number(/^#driftspec shown (\d+)$/m.exec(older)?.[1])).to.be.above(shown + 20);
    expect(byName(parseSystemdServices(older, 'listing'))).to.deep.equal(listed);
  });
});
