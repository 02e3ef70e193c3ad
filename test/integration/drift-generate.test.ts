import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { renderTypeScript, renderYaml, specFromSnapshot, type GeneratedSpec } from '../../src/drift/generate.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { createRegistry } from '../../src/resources/index.js';
import { collectRecording, recording } from '../support/recorded-snapshot.js';

const registry = createRegistry();
const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-cache-'));
const snapshot = collectRecording(recording('root'));

function withoutSources(plan: Plan): Plan {
  return { ...plan, specs: plan.specs.map(({ source: _source, ...info }) => info) };
}

async function planOf(spec: GeneratedSpec, format: 'yaml' | 'ts'): Promise<Plan> {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-generated-'));
  const path = join(dir, `spec.${format}`);
  writeFileSync(path, format === 'yaml' ? renderYaml(spec) : renderTypeScript(spec));
  return loadPlan([path], { registry, cacheDir });
}

function checksOf(plan: Plan, control: string): string[] {
  return plan.checks
    .filter((c) => c.control === control)
    .map((c) => `${c.resource} ${String(c.subject)} ${c.matcher} ${JSON.stringify(c.args)}`);
}

describe('generate: a spec from a snapshot', function () {
  this.timeout(60_000);
  const spec = specFromSnapshot(snapshot);

  it('loads through the spec loaders, and the YAML and TypeScript renderings are twins', async () => {
    const [fromYaml, fromTs] = [await planOf(spec, 'yaml'), await planOf(spec, 'ts')];
    expect(withoutSources(fromTs)).to.deep.equal(withoutSources(fromYaml));
    expect(fromYaml.checks.length).to.be.greaterThan(300);
    expect(fromYaml.specs[0]).to.include({ name: 'baseline-img100' });
  });

  it('groups checks into controls by kind, in a fixed order', () => {
    expect(spec.controls.map((c) => c.id)).to.deep.equal([
      'packages',
      'services',
      'ports',
      'accounts-login',
      'accounts-system',
      'groups',
      'accounts-none-added',
      'files',
    ]);
  });

  it('packages: installed at ">=" the recorded version by default; exact or any on request', () => {
    const version = snapshot.packages.find((p) => p.name === 'openssh-server')!.version;
    const check = (s: GeneratedSpec) => s.controls[0]!.checks.find((c) => c.subject === 'openssh-server')!.matchers;
    expect(check(spec)).to.deep.equal([['installed', { version: `>= ${version}` }]]);
    expect(check(specFromSnapshot(snapshot, { packageVersions: 'exact' }))).to.deep.equal([
      ['installed', { version: `= ${version}` }],
    ]);
    expect(check(specFromSnapshot(snapshot, { packageVersions: 'any' }))).to.deep.equal([['installed', true]]);
  });

  it('services: enabled and running as recorded; static ones only running; masked, inactive: unchecked', async () => {
    const plan = await planOf(spec, 'yaml');
    const services = checksOf(plan, 'services');
    expect(services).to.include.members([
      'service ssh enabled {}',
      'service ssh running {}',
      'service nginx enabled {}',
      'service nginx running {}',
      'service dbus running {}',
      'service getty@tty1 enabled {}',
    ]);
    expect(services).to.not.include('service dbus enabled {}');
    expect(services.filter((s) => s.startsWith('service sudo '))).to.deep.equal([]);
  });

  it('ports: protocol, address and the owning processes', async () => {
    expect(checksOf(await planOf(spec, 'yaml'), 'ports')).to.deep.equal([
      'port 22 listening {"protocol":"tcp4","address":"0.0.0.0"}',
      'port 22 process {"contains":["sshd"]}',
      'port 22 listening {"protocol":"tcp6","address":"::"}',
      'port 22 process {"contains":["sshd"]}',
      'port 80 listening {"protocol":"tcp4","address":"0.0.0.0"}',
      'port 80 process {"contains":["nginx"]}',
      'port 80 listening {"protocol":"tcp6","address":"::"}',
      'port 80 process {"contains":["nginx"]}',
    ]);
  });

  it('accounts: login accounts in full, system accounts briefly, and a check that nothing was added', () => {
    const login = spec.controls.find((c) => c.id === 'accounts-login')!.checks;
    expect(login.map((c) => c.subject)).to.deep.equal(['root', 'tester']);
    expect(login[1]!.matchers).to.deep.equal([
      ['exists', true],
      ['uid', 1000],
      ['gid', 1000],
      ['home', '/home/tester'],
      ['shell', '/bin/sh'],
    ]);
    const none = spec.controls.find((c) => c.id === 'accounts-none-added')!.checks;
    expect(none).to.have.length(2);
    expect(String(none[0]!.subject)).to.include("grep -vxF -e '_apt'").and.include("-e 'tester'");
    expect(none[0]!.matchers).to.deep.equal([
      ['exitStatus', 0],
      ['stdout', ''],
    ]);
  });

  it('files: setuid/setgid files and the default paths, with type, mode, owner, group; sha256 only on request', () => {
    const files = spec.controls.find((c) => c.id === 'files')!.checks;
    const subjects = files.map((c) => c.subject);
    expect(subjects).to.include.members([
      '/usr/sbin/driftspec-setuid',
      '/etc/shadow',
      '/etc/ssh/sshd_config',
      '/etc/sudoers.d/README',
    ]);
    expect(subjects).to.not.include('/etc/driftspec-secret');
    expect(files.find((c) => c.subject === '/etc/shadow')!.matchers).to.deep.equal([
      ['type', 'file'],
      ['mode', '0640'],
      ['owner', 'root'],
      ['group', 'shadow'],
    ]);
    const hashed = specFromSnapshot(snapshot, { withContentHashes: true, files: ['/etc/driftspec-odd'] }).controls.find(
      (c) => c.id === 'files',
    )!.checks;
    expect(hashed.find((c) => c.subject === '/etc/driftspec-odd/link')!.matchers).to.deep.include([
      'linkTarget',
      'target with space',
    ]);
    expect(hashed.find((c) => c.subject === "/etc/driftspec-odd/quote'$(x)")!.matchers.at(-1)![0]).to.equal('sha256');
    expect(hashed.map((c) => c.subject)).to.not.include('/etc/shadow');
  });

  it('the YAML is readable: a commented header, one block per control, flow maps for matcher options', () => {
    const yaml = renderYaml(spec);
    expect(yaml.split('\n')[0]).to.equal(
      '# Generated by driftspec 0.1.0 from the snapshot of ssh://root@10.231.100.2:22',
    );
    expect(yaml).to.include('      - package: openssh-server\n        installed: { version: ">= 1:9.2p1-');
    expect(renderYaml(specFromSnapshot(snapshot, { files: ['/etc/driftspec-odd'] }))).to.include(
      '      - file: "/etc/driftspec-odd/a dir/new\\nline"\n',
    );
    expect((parse(yaml) as { controls: unknown[] }).controls).to.have.length(spec.controls.length);
  });

  it('hostile names stay data in both renderings', async () => {
    const odd = specFromSnapshot(snapshot, { files: ['/etc/driftspec-odd'] });
    const [fromYaml, fromTs] = [await planOf(odd, 'yaml'), await planOf(odd, 'ts')];
    expect(withoutSources(fromTs)).to.deep.equal(withoutSources(fromYaml));
    expect(fromYaml.checks.map((c) => c.subject)).to.include.members([
      "/etc/driftspec-odd/quote'$(x)",
      '/etc/driftspec-odd/a dir/new\nline',
    ]);
  });

  it('an incomplete snapshot says so in the header and checks nothing it could not read', () => {
    const tester = collectRecording(recording('tester'));
    const generated = specFromSnapshot(tester, { withContentHashes: true });
    expect(generated.header.join('\n')).to.include('The snapshot was INCOMPLETE');
    const shadow = generated.controls.find((c) => c.id === 'files')!.checks.find((c) => c.subject === '/etc/shadow')!;
    expect(shadow.matchers.map(([name]) => name)).to.deep.equal(['type', 'mode', 'owner', 'group']);
    expect(generated.controls.find((c) => c.id === 'ports')!.checks.every((c) => c.matchers.length === 1)).to.equal(
      true,
    );
  });
});
