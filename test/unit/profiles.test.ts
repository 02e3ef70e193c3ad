import { expect } from 'chai';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unsupportedReason } from '../../src/controls/only-if.js';
import type { HostFacts } from '../../src/probe/host.js';
import { checkProfile } from '../../src/profiles/check.js';
import { profileContentHash } from '../../src/profiles/content-hash.js';
import { loadProfilePlan, profileRecords, readProfileTree } from '../../src/profiles/load.js';
import { sortRunArgument } from '../../src/profiles/locate.js';
import { parseProfileFile } from '../../src/profiles/metadata.js';
import { createRegistry } from '../../src/resources/index.js';
import { hostFacts } from '../support/frames.js';
import { refusal } from '../support/spec-error.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));
const options = {
  registry: createRegistry(),
  cacheDir: join(tmpdir(), 'driftspec-profile-unit'),
  toolVersion: '0.1.0',
};

const METADATA = `name: web-baseline
version: 1.0.0
title: Web baseline
supports:
  - { os: debian, versions: ">= 12" }
depends:
  - path: ../base
    skip: [base-03]
`;

function host(id: string, versionId?: string, idLike: string[] = []): HostFacts {
  return hostFacts({ os: { id, idLike, ...(versionId === undefined ? {} : { versionId }) } });
}

describe('profiles: metadata', () => {
  it('reads profile.yaml with defaults for include, skip, override and inputs', () => {
    const { metadata } = parseProfileFile(METADATA, 'profile.yaml');
    expect(metadata.name).to.equal('web-baseline');
    expect(metadata.supports).to.deep.equal([{ os: 'debian', versions: '>= 12' }]);
    expect(metadata.depends).to.deep.equal([
      { path: '../base', include: 'all', skip: ['base-03'], override: {}, inputs: {} },
    ]);
  });

  it('refuses a name that is not an npm package name, naming file:line', () => {
    expect(refusal(() => parseProfileFile(METADATA.replace('web-baseline', 'Web Baseline'), 'profile.yaml'))).to.match(
      /^profile\.yaml:1:1: name: a profile name is an npm package name/,
    );
  });

  it('refuses a dependency with both a path and a package, and a bad supports version', () => {
    const both = METADATA.replace('path: ../base', 'path: ../base\n    package: base');
    expect(refusal(() => parseProfileFile(both, 'profile.yaml'))).to.match(
      /^profile\.yaml:7:\d+: .*exactly one of path or package/,
    );
    const badVersion = METADATA.replace('">= 12"', '">= 12?"');
    expect(refusal(() => parseProfileFile(badVersion, 'profile.yaml'))).to.match(
      /^profile\.yaml:5:\d+: supports\.0\.versions: expected a version constraint/,
    );
  });

  it('refuses a profile that needs another driftspec, naming the line', () => {
    const tree = () => readProfileTree(join(FIXTURES, 'base'), { ...options, toolVersion: '0.0.9' });
    expect(refusal(tree)).to.match(
      /profile\.yaml:6:\d+: profile base-hardening needs driftspec >= 0\.1\.0; this is driftspec 0\.0\.9/,
    );
  });
});

describe('profiles: dependencies', () => {
  it('includes a dependency, skips and overrides its controls and sets its inputs', async () => {
    const tree = readProfileTree(join(FIXTURES, 'site'), options);
    const { plan, inputs } = await loadProfilePlan(tree, [], options);
    expect(plan.controls.map((c) => c.id)).to.deep.equal(['site-01', 'base-01', 'base-02', 'base-04']);
    const base02 = plan.controls.find((c) => c.id === 'base-02')!;
    expect(base02.impact).to.equal(0.9);
    expect(base02.title).to.equal('The group database must be present');
    expect(plan.checks.find((c) => c.control === 'base-01')!.subject).to.equal('/etc/passwd');
    expect(inputs).to.have.length(1);
    expect(inputs[0]!.source).to.match(/site\/profile\.yaml:\d+:\d+$/);
    expect(base02.supports).to.deep.equal({
      profile: 'base-hardening',
      platforms: [{ os: 'debian', versions: '>= 11' }, { os: 'ubuntu' }],
    });
    expect(plan.controls.find((c) => c.id === 'site-01')!.supports).to.equal(undefined);
    expect(profileRecords(tree).map((p) => `${p.name} ${p.version} ${p.requiredBy ?? '-'}`)).to.deep.equal([
      'site-baseline 0.3.0 -',
      'base-hardening 1.2.0 site-baseline',
    ]);
  });

  it('gives an input set on the command line priority over the depending profile', async () => {
    const tree = readProfileTree(join(FIXTURES, 'site'), options);
    const flag = { values: new Map([['conf_dir', '/srv']]), locate: () => '--input conf_dir=…' };
    const { plan } = await loadProfilePlan(tree, [flag], options);
    expect(plan.checks.find((c) => c.control === 'base-01')!.subject).to.equal('/srv/passwd');
  });

  it('includes only the listed controls, and refuses one the dependency does not have', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-profile-'));
    try {
      cpSync(join(FIXTURES, 'base'), join(dir, 'base'), { recursive: true });
      mkdirSync(join(dir, 'top'));
      const write = (include: string) =>
        writeFileSync(
          join(dir, 'top', 'profile.yaml'),
          `name: top\nversion: 1.0.0\ndepends:\n  - path: ../base\n    include: [${include}]\n`,
        );
      write('base-02');
      const { plan } = await loadProfilePlan(readProfileTree(join(dir, 'top'), options), [], options);
      expect(plan.controls.map((c) => c.id)).to.deep.equal(['base-02']);
      write('base-02, base-99');
      const message = await loadProfilePlan(readProfileTree(join(dir, 'top'), options), [], options).then(
        () => '',
        (error: Error) => error.message,
      );
      expect(message).to.match(/top\/profile\.yaml:5:\d+: include: the dependency has no control "base-99"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a dependency that is not there, and a cycle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-profile-'));
    try {
      mkdirSync(join(dir, 'a'));
      mkdirSync(join(dir, 'b'));
      writeFileSync(join(dir, 'a', 'profile.yaml'), 'name: a\nversion: 1.0.0\ndepends:\n  - path: ../b\n');
      expect(refusal(() => readProfileTree(join(dir, 'a'), options))).to.match(
        /profile\.yaml:4:\d+: dependency \.\.\/b: no profile\.yaml/,
      );
      writeFileSync(join(dir, 'b', 'profile.yaml'), 'name: b\nversion: 1.0.0\ndepends:\n  - path: ../a\n');
      expect(refusal(() => readProfileTree(join(dir, 'a'), options))).to.match(/profile a depends on itself/);
      writeFileSync(
        join(dir, 'a', 'profile.yaml'),
        'name: a\nversion: 1.0.0\ndepends:\n  - package: no-such-profile\n',
      );
      expect(refusal(() => readProfileTree(join(dir, 'a'), options))).to.match(
        /dependency no-such-profile: no installed package of that name/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('profiles: supports', () => {
  const supports = { profile: 'base', platforms: [{ os: 'debian', versions: '>= 12' }, { os: 'rhel' }] };
  it('matches a host by ID or ID_LIKE and the version constraint', () => {
    expect(unsupportedReason(supports, host('debian', '12'))).to.equal(undefined);
    expect(unsupportedReason(supports, host('rocky', '9.3', ['rhel', 'centos', 'fedora']))).to.equal(undefined);
  });
  it('says why a host is not supported, a rolling release matching no version', () => {
    expect(unsupportedReason(supports, host('debian', '11'))).to.equal(
      'profile base supports only debian >= 12; rhel (this host: debian 11)',
    );
    expect(unsupportedReason(supports, host('debian'))).to.match(/this host: debian\)$/);
    expect(unsupportedReason(supports, host('alpine', '3.19'))).to.match(/this host: alpine 3\.19\)$/);
  });
});

describe('profiles: content hash', () => {
  it('is the same for the same files however they were written, and changes with any byte or name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-profile-'));
    try {
      const one = join(dir, 'one');
      const two = join(dir, 'two');
      cpSync(join(FIXTURES, 'base'), one, { recursive: true });
      mkdirSync(two);
      writeFileSync(join(two, 'accounts.yaml'), '');
      cpSync(join(FIXTURES, 'base', 'profile.yaml'), join(two, 'profile.yaml'));
      cpSync(join(FIXTURES, 'base', 'accounts.yaml'), join(two, 'accounts.yaml'));
      mkdirSync(join(two, 'node_modules', 'x'), { recursive: true });
      writeFileSync(join(two, 'node_modules', 'x', 'f'), 'not part of the profile');
      writeFileSync(join(two, '.hidden'), 'not part of the profile');
      const hash = profileContentHash(one);
      expect(hash).to.match(/^sha256:[0-9a-f]{64}$/);
      expect(profileContentHash(two)).to.equal(hash);
      writeFileSync(join(two, 'accounts.yaml'), 'changed');
      expect(profileContentHash(two)).to.not.equal(hash);
      cpSync(join(FIXTURES, 'base', 'accounts.yaml'), join(two, 'accounts.yaml'));
      cpSync(join(two, 'accounts.yaml'), join(two, 'accounts2.yaml'));
      rmSync(join(two, 'accounts.yaml'));
      expect(profileContentHash(two)).to.not.equal(hash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('profiles: run arguments', () => {
  it('tells a profile folder, its profile.yaml and a spec apart', () => {
    expect(sortRunArgument('base', FIXTURES)).to.deep.equal({ kind: 'profile', folder: join(FIXTURES, 'base') });
    expect(sortRunArgument('base/profile.yaml', FIXTURES)).to.deep.equal({
      kind: 'profile',
      folder: join(FIXTURES, 'base'),
    });
    expect(sortRunArgument('base/accounts.yaml', FIXTURES)).to.deep.equal({ kind: 'spec', path: 'base/accounts.yaml' });
    expect(sortRunArgument('no-such-profile', FIXTURES)).to.deep.equal({ kind: 'spec', path: 'no-such-profile' });
  });
});

describe('profiles: profile check', () => {
  it('lists every problem: unknown include, undeclared input, duplicate id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-profile-'));
    try {
      cpSync(join(FIXTURES, 'base'), join(dir, 'base'), { recursive: true });
      mkdirSync(join(dir, 'top'));
      writeFileSync(
        join(dir, 'top', 'profile.yaml'),
        'name: top\nversion: 1.0.0\ndepends:\n  - path: ../base\n    include: [base-09]\n' +
          '  - path: ../base\n    include: [base-01]\n    inputs: { confdir: /etc }\n',
      );
      writeFileSync(
        join(dir, 'top', 'top.yaml'),
        'spec: top\ncontrols:\n  - id: base-01\n    checks:\n      - file: /etc/passwd\n        exists: true\n',
      );
      const result = await checkProfile(join(dir, 'top'), options);
      expect(result.problems.map((p) => p.replace(dir, ''))).to.deep.equal([
        '/top/profile.yaml:5:15: include: the dependency has no control "base-09"; its controls: ' +
          'base-01, base-02, base-03, base-04',
        '/top/profile.yaml:8:15: inputs: base-hardening declares no input "confdir"',
        '/top/profile.yaml: control "base-01" comes from more than one profile: top, base-hardening',
      ]);
      expect((await checkProfile(join(FIXTURES, 'site'), options)).problems).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a metadata mistake with its line and stops there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-profile-'));
    try {
      writeFileSync(join(dir, 'profile.yaml'), 'name: top\nversion: one\n');
      const result = await checkProfile(dir, options);
      expect(result.problems).to.have.length(1);
      expect(result.problems[0]).to.match(/profile\.yaml:2:1: version: expected a semantic version/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
