import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { jsonSchemaFor } from '../../src/cli/commands/schema-action.js';
import { describeSnapshot, diffSnapshots } from '../../src/drift/diff.js';
import {
  DRIFT_REPORT_SCHEMA_VERSION,
  HostDriftSchema,
  type DriftReport,
  type HostDrift,
} from '../../src/drift/diff-schema.js';
import { renderSnapshot } from '../../src/drift/snapshot-file.js';
import { checkSnapshot, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { judgeDrift } from '../../src/gate/drift-policy.js';
import { parseUnitFileServices } from '../../src/resources/service/inventory.js';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { handMadeSnapshot, withChanges } from '../support/drift-snapshots.js';

const NOW = new Date('2025-06-02T12:00:00Z');
const diff = (a: Snapshot, b: Snapshot) => HostDriftSchema.parse(diffSnapshots(a, b, { now: NOW }));
const IMAGE_KINDS: Snapshot['kinds'] = ['packages', 'services', 'users', 'groups', 'kernelParameters', 'files'];

/** A snapshot of an image that was not booted: no listeners or mounts, services without running state. */
function imageSnapshot(base: Snapshot = handMadeSnapshot()): Snapshot {
  return withChanges(base, (s) => {
    s.host = { ...s.host, booted: false };
    s.kinds = IMAGE_KINDS;
    s.listeners = [];
    s.mounts = [];
    s.services = s.services.map((service) => ({ ...service, active: null, sub: null }));
  });
}

const compared = (host: HostDrift) => host.kinds.map((k) => `${k.kind} ${k.compared}`);

function report(host: HostDrift, baseline: Snapshot): DriftReport {
  return judgeDrift({
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: '0.0.0' },
    generatedAt: NOW.toISOString(),
    mode: 'snapshots',
    baseline: describeSnapshot(baseline),
    hosts: [host],
    warnings: [],
  });
}

describe('snapshots of images that were not booted', () => {
  it('say which kinds they hold; the field is optional, so older snapshots still read', () => {
    const image = imageSnapshot();
    const text = renderSnapshot(image);
    expect(text).to.include('"kinds": [\n    "packages",');
    const read = checkSnapshot(JSON.parse(text));
    expect(read).to.have.property('snapshot');
    expect((read as { snapshot: Snapshot }).snapshot.kinds).to.deep.equal(IMAGE_KINDS);
    expect(renderSnapshot(handMadeSnapshot())).not.to.include('"kinds"');
    expect(checkSnapshot(JSON.parse(renderSnapshot(handMadeSnapshot())))).to.have.property('snapshot');
    expect(checkSnapshot({ ...JSON.parse(text), kinds: ['processes'] })).to.have.property('problem');
  });

  it('are in the published snapshot schema', () => {
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(
      jsonSchemaFor('snapshot') as object,
    );
    expect(validate(JSON.parse(renderSnapshot(imageSnapshot()))), JSON.stringify(validate.errors)).to.equal(true);
  });

  it('list services from the unit files: no templates, no aliases, no running state', () => {
    const listing = [
      'apt-daily.service                      static   -',
      'autovt@.service                        alias    -',
      'getty@.service                         enabled  enabled',
      'ssh.service                            enabled  enabled',
      'sshd.service                           alias    -',
      'sudo.service                           masked   enabled',
      'old.service disabled',
    ].join('\n');
    expect(parseUnitFileServices(listing, 'test')).to.deep.equal([
      { name: 'apt-daily', enabled: 'static', active: null, sub: null },
      { name: 'ssh', enabled: 'enabled', active: null, sub: null },
      { name: 'sudo', enabled: 'masked', active: null, sub: null },
      { name: 'old', enabled: 'disabled', active: null, sub: null },
    ]);
    expect(() => parseUnitFileServices('2 unit files listed.', 'listing')).to.throw(
      /listing: unexpected list-unit-files line/,
    );
  });
});

describe('drift of images that were not booted', () => {
  it('between two images: the kinds neither holds are not compared, by design, never incomplete', () => {
    const golden = imageSnapshot();
    const next = withChanges(golden, (s) => {
      s.packages = s.packages.filter((p) => p.name !== 'cowsay');
    });
    const host = diff(golden, next);
    expect(host.state).to.equal('drift');
    expect(host.notCompared).to.deep.equal([]);
    expect(
      host.kinds.flatMap((k) => [...k.added, ...k.removed, ...k.changed].map((i) => `${k.kind} ${i.key}`)),
    ).to.deep.equal(['packages cowsay:all']);
    expect(compared(host)).to.include.members([
      'listeners none',
      'mounts none',
      'packages all',
      'kernelParameters all',
    ]);
    expect(host.kindNotes).to.deep.include({
      kind: 'listeners',
      compared: false,
      note: 'not compared: neither snapshot holds listeners (an image that was not booted has none)',
    });
    expect(host.kindNotes!.find((n) => n.kind === 'kernelParameters')).to.deep.include({ compared: true });
    expect(host.kindNotes!.find((n) => n.kind === 'kernelParameters')!.note).to.match(/configures .*not live ones/);
    expect(diff(golden, imageSnapshot()).state).to.equal('no-drift');
  });

  it('between an image and a booted host: only what both hold, services by enablement only', () => {
    const booted = handMadeSnapshot();
    const image = withChanges(imageSnapshot(booted), (s) => {
      s.kernelParameters = { 'kernel.pid_max': '4194304' };
    });
    const host = diff(image, booted);
    expect(compared(host)).to.include.members([
      'listeners none',
      'mounts none',
      'kernelParameters none',
      'services all',
      'packages all',
    ]);
    expect(host.kinds.find((k) => k.kind === 'services')!.changed).to.deep.equal([]);
    expect(host.state).to.equal('no-drift');
    const notes = new Map(host.kindNotes!.map((n) => [n.kind, n.note]));
    expect(notes.get('listeners')).to.equal(
      'not compared: the baseline holds no listeners (an image that was not booted has none)',
    );
    expect(notes.get('kernelParameters')).to.match(/^not compared: the baseline holds the values the image configures/);
    expect(notes.get('services')).to.match(/^compared by enabled only: the baseline holds unit files/);
    const disabled = withChanges(booted, (s) => {
      s.services = s.services.map((x) => (x.name === 'ssh' ? { ...x, enabled: 'disabled' } : x));
    });
    expect(
      diff(image, disabled)
        .kinds.find((k) => k.kind === 'services')!
        .changed.map((c) => c.key),
    ).to.deep.equal(['ssh']);
  });

  it('leaves a drift between booted hosts as it was: no notes', () => {
    const host = diff(handMadeSnapshot(), handMadeSnapshot());
    expect(host).not.to.have.property('kindNotes');
  });

  it('says what was not compared in every report format', () => {
    const image = imageSnapshot();
    const drift = report(diff(image, handMadeSnapshot()), image);
    const cli = [...renderDriftCli(drift, drift.verdict!, { color: false })].join('');
    expect(cli).to.include('  kinds of an image that was not booted\n');
    expect(cli).to.include('    - listeners: not compared: the baseline holds no listeners');
    const markdown = [...renderDriftMarkdown(drift, drift.verdict!)].join('');
    expect(markdown).to.include('**kinds of an image that was not booted**');
    expect(markdown).to.include('- kernelParameters: not compared: the baseline holds');
    const junit = [...renderDriftJunit(drift, drift.verdict!)].join('');
    expect(junit).to.match(/<testcase [^>]*name="not compared: mounts"[^>]*>\s*<skipped\/>/);
    expect(junit).to.include('<property name="kind" value="services: compared by enabled only');
    const page = [...renderDriftHtml(drift, drift.verdict!)].join('');
    expect(page).to.include('<h3>kinds of an image that was not booted</h3>');
    expect(page).to.include('<span class="b">not compared</span><span class="cb">listeners: not compared');
  });
});
