import { expect } from 'chai';
import { chainToChecks, chainWords, type ChainCall } from '../../src/chai/chain.js';
import { RESOURCES } from '../../src/resources/index.js';
import { fileResource } from '../../src/resources/file/index.js';
import { packageResource } from '../../src/resources/package/index.js';
import { portResource } from '../../src/resources/port/index.js';
import { serviceResource } from '../../src/resources/service/index.js';

const word = (name: string, args?: unknown[], negated = false): ChainCall => ({ name, negated, args });
const checks = (resource: Parameters<typeof chainToChecks>[0], subject: unknown, calls: ChainCall[]) =>
  chainToChecks(resource, subject, undefined, calls).map(({ matcher, negated, args }) => ({ matcher, negated, args }));

describe('chai chain → checks', () => {
  it('makes one check per matcher word, predicates read as properties', () => {
    expect(checks(serviceResource, 'ssh', [word('enabled'), word('running', undefined, true)])).to.deep.equal([
      { matcher: 'enabled', negated: false, args: undefined },
      { matcher: 'running', negated: true, args: undefined },
    ]);
  });

  it('reads .installed.with.version(c) as one installed check with a version constraint', () => {
    expect(checks(packageResource, 'nginx', [word('installed'), word('version', ['>= 1.22'])])).to.deep.equal([
      { matcher: 'installed', negated: false, args: { version: '>= 1.22' } },
    ]);
  });

  it('keeps .version(v) alone, or after a negated .installed, as the version attribute', () => {
    expect(checks(packageResource, 'nginx', [word('version', ['1.22.1-9'])])).to.deep.equal([
      { matcher: 'version', negated: false, args: '1.22.1-9' },
    ]);
    expect(
      checks(packageResource, 'nginx', [word('installed', undefined, true), word('version', ['1.2'])]),
    ).to.have.length(2);
  });

  it('reads .listening.on(protocol) as one listening check, and refuses .on elsewhere', () => {
    expect(checks(portResource, 22, [word('listening'), word('on', ['tcp'])])).to.deep.equal([
      { matcher: 'listening', negated: false, args: { protocol: 'tcp' } },
    ]);
    expect(() => checks(portResource, 22, [word('on', ['tcp'])])).to.throw(/\.on\(\) refines \.listening/);
  });

  it('expands shortcuts into their matcher and turns RegExps into plain data', () => {
    expect(checks(fileResource, '/etc/hosts', [word('isFile'), word('content', [/localhost/i])])).to.deep.equal([
      { matcher: 'type', negated: false, args: 'file' },
      { matcher: 'content', negated: false, args: { matches: 'localhost', flags: 'i' } },
    ]);
  });

  it('refuses an attribute read as a property, and a word the resource does not have', () => {
    expect(() => checks(fileResource, '/x', [word('mode')])).to.throw(/\.mode of a file needs the expected value/);
    expect(() => checks(packageResource, 'x', [word('mode', [0o644])])).to.throw(
      /a package has no matcher "mode"; expected one of: installed, version, architecture/,
    );
  });

  it('adds every matcher and shortcut of every resource to chai, each once', () => {
    const { properties, methods } = chainWords(RESOURCES);
    for (const resource of RESOURCES)
      for (const name of [...Object.keys(resource.matchers), ...Object.keys(resource.shortcuts)])
        expect(properties.has(name) || methods.has(name), `${resource.type}.${name}`).to.equal(true);
    expect([...properties].filter((name) => methods.has(name))).to.deep.equal([]);
    expect(properties.has('installed') && methods.has('mode') && methods.has('on')).to.equal(true);
  });
});
