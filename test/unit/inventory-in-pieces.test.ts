import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SpecError } from '../../src/inputs/input-error.js';
import {
  parseInPieces,
  parseInventory,
  parseLarge,
  parseWhole,
  WHOLE_INVENTORY_MAX_BYTES,
  type Inventory,
  type InventoryContext,
} from '../../src/inventory/load.js';
import { inventoryPieces } from '../../src/inventory/read-in-pieces.js';

const EXAMPLE = fileURLToPath(new URL('../../docs/examples/inventory.yaml', import.meta.url));
const MANY_HOSTS = Array.from({ length: 300 }, (_, i) => `    h${i}:\n      tags: [t]`).join('\n');
const CONTEXT: InventoryContext = { baseDir: '/inventories', home: '/home/auditor', defaultUser: () => 'me' };

/** What an inventory resolved to, its lazily looked-up places written out. */
function comparable(inventory: Inventory | undefined): unknown {
  if (!inventory) return undefined;
  return {
    ...inventory,
    hosts: inventory.hosts.map((host) => ({
      ...host,
      // Looked up only for a host's own key files, whose place is written.
      identityLocation: host.identityFiles.length > 0 ? host.identityLocation() : undefined,
    })),
    groups: [...inventory.groups],
  };
}

function errorOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).to.be.instanceOf(SpecError);
    return (error as Error).message;
  }
  throw new Error('expected the inventory to be refused');
}

const PLAIN_FILES: Record<string, string> = {
  'the documented example': readFileSync(EXAMPLE, 'utf8'),
  'hosts only, without a final line break': 'hosts:\n  a:\n  b: { port: 2222 }',
  'groups before the hosts, defaults after, comments and blank lines between hosts': [
    'groups:',
    '  web: [web-1, web-2]',
    '# the hosts',
    'hosts:   # every one',
    '',
    '    web-1:',
    '      tags: [web]',
    '# at column 0, inside the block',
    '',
    '    web-2: { host: 10.0.0.2 }',
    '    db-1:',
    '      vars:',
    '        motd: |',
    '          first line',
    '',
    '            indented',
    '# ends the literal above',
    '        owner: dba',
    'defaults:',
    '  user: audit',
    '  vars: { region: eu }',
    '',
  ].join('\n'),
};

describe('inventory read host by host', () => {
  describe('cutting the text', () => {
    it('takes every host of the block at its indentation and leaves the rest of the file as it is', () => {
      const text = PLAIN_FILES['groups before the hosts, defaults after, comments and blank lines between hosts']!;
      const pieces = inventoryPieces(text)!;
      expect(pieces.names).to.deep.equal(['web-1', 'web-2', 'db-1']);
      expect(pieces.rest).to.equal(
        'groups:\n  web: [web-1, web-2]\n# the hosts\ndefaults:\n  user: audit\n  vars: { region: eu }\n',
      );
      expect(pieces.hostText(0)).to.equal('web-1:\n  tags: [web]\n# at column 0, inside the block\n\n');
      expect(pieces.hostText(1)).to.equal('web-2: { host: 10.0.0.2 }\n');
      expect(pieces.hostText(2)).to.equal(
        'db-1:\n  vars:\n    motd: |\n      first line\n\n        indented\n# ends the literal above\n    owner: dba\n',
      );
    });

    it('cuts nothing where the layout is not the plainest', () => {
      const refused = {
        'hosts as a flow map': 'hosts: { a: {} }\n',
        'a quoted host name': 'hosts:\n  "a":\n',
        'a sequence': 'hosts:\n  - a\n',
        'a host less indented than the first': 'hosts:\n    a:\n  b:\n',
        'no hosts line': 'defaults:\n  user: x\n',
        'no host under it': 'hosts:\n# none\n',
        'a key with a space after hosts': 'hosts :\n  a:\n',
      };
      for (const [label, text] of Object.entries(refused)) expect(inventoryPieces(text), label).to.equal(undefined);
    });
  });

  describe('the same inventory as the whole file read at once', () => {
    for (const [label, text] of Object.entries(PLAIN_FILES)) {
      it(label, () => {
        const inPieces = parseInPieces(text, 'fleet.yaml', CONTEXT);
        expect(inPieces, 'read in pieces').not.to.equal(undefined);
        expect(comparable(inPieces)).to.deep.equal(comparable(parseWhole(text, 'fleet.yaml', CONTEXT)));
      });
    }

    it('reads a hundred hosts with group vars and their own vars alike', () => {
      const hosts = Array.from({ length: 100 }, (_, i) =>
        i % 3 === 0 ? `  h${i}:\n    vars: { n: ${i} }` : `  h${i}: { port: ${2200 + i} }`,
      );
      const odd = Array.from({ length: 50 }, (_, i) => `h${2 * i + 1}`);
      const text = `hosts:\n${hosts.join('\n')}\ngroups:\n  odd: [${odd.join(', ')}]\n`;
      const inPieces = parseInPieces(text, 'fleet.yaml', CONTEXT);
      expect(inPieces?.hosts).to.have.length(100);
      expect(comparable(inPieces)).to.deep.equal(comparable(parseWhole(text, 'fleet.yaml', CONTEXT)));
    });
  });

  describe('generated inventories, whole and damaged: the same outcome as the whole file read at once', () => {
    it('gives the same inventory, or the same mistake, for 400 files', () => {
      const random = seeded(17);
      let readInPieces = 0;
      for (let i = 0; i < 400; i++) {
        const lines = generatedInventory(random);
        const text = (i % 2 === 0 ? lines : damaged(lines, random)).join('\n');
        const outcome = (read: () => Inventory) => {
          try {
            return comparable(read());
          } catch (error) {
            return { error: (error as Error).message };
          }
        };
        const whole = outcome(() => parseWhole(text, 'fleet.yaml', CONTEXT));
        expect(
          outcome(() => parseInventory(text, 'fleet.yaml', CONTEXT)),
          text,
        ).to.deep.equal(whole);
        const inPieces = parseInPieces(text, 'fleet.yaml', CONTEXT);
        if (inPieces) {
          readInPieces++;
          expect(comparable(inPieces), text).to.deep.equal(whole);
        }
        // Read as a large inventory is: the same hosts, or a mistake named at a line.
        const large = outcome(() => parseLarge(text, 'fleet.yaml', CONTEXT));
        if ('error' in (whole as object))
          expect(large, text)
            .to.have.property('error')
            .match(/^fleet\.yaml:\d+(:\d+)?: /);
        else if (inventoryPieces(text)) expect(large, text).to.deep.equal(whole);
      }
      expect(readInPieces, 'files read in pieces').to.be.above(150);
    });
  });

  describe(`an inventory over ${WHOLE_INVENTORY_MAX_BYTES / 1024 / 1024} MiB: read host by host only`, () => {
    const mistakes = {
      'an unknown key in a host': 'hosts:\n  a:\n    hots: x\n',
      'an unknown key beside hosts, after them': 'defaults:\n  user: x\nhosts:\n  a:\n  b:\n# end\nextra: 1\n',
      'a group naming no host, after the hosts': 'hosts:\n  a:\n  b: { port: 22 }\ngroups:\n  web: [c]\n',
      'a host also a group': 'hosts:\n  a:\ngroups:\n  a: []\n',
      'a bad port in the defaults': 'defaults:\n  port: 0\nhosts:\n  a:\n',
      'two hosts reaching one target': 'hosts:\n  a: { host: x }\n  b: { host: x }\n',
      'a bad fingerprint': 'hosts:\n  a: { hostKey: nope }\n',
      'a YAML syntax error in a host': 'hosts:\n  a:\n  b:\n    vars: { x: [1, }\n',
      'a wrong type deep in the last of many hosts': `hosts:\n${MANY_HOSTS}\n      port: x\n`,
    };
    for (const [label, text] of Object.entries(mistakes)) {
      it(`names ${label} as the whole file does`, () => {
        expect(errorOf(() => parseLarge(text, 'fleet.yaml', CONTEXT))).to.equal(
          errorOf(() => parseWhole(text, 'fleet.yaml', CONTEXT)),
        );
      });
    }

    it('reads any YAML inside a host, anchors of its own included', () => {
      const text =
        'defaults:\n  vars: { owner: team }\nhosts:\n' +
        '  a:\n    vars: &v { role: app }\n    tags: [x]\n  b: !!map { port: 2222 }\n';
      expect(comparable(parseLarge(text, 'fleet.yaml', CONTEXT))).to.deep.equal(
        comparable(parseWhole(text, 'fleet.yaml', CONTEXT)),
      );
    });

    it('says what it cannot read, and where', () => {
      const said = (text: string) => errorOf(() => parseLarge(text, 'fleet.yaml', CONTEXT));
      expect(said('hosts: { a: {} }\n')).to.match(/^fleet\.yaml:1: an inventory over 4 MiB is read host by host/);
      expect(said('hosts:\n    a:\n  b:\n')).to.match(/^fleet\.yaml:3: an inventory over 4 MiB is read host by host/);
      expect(said('hosts:\n  "a":\n')).to.match(/^fleet\.yaml:2: an inventory over 4 MiB is read host by host/);
      expect(said('defaults:\n  vars: &v { a: 1 }\nhosts:\n  a:\n  b:\n    vars: *v\n')).to.equal(
        'fleet.yaml:5:3: the YAML alias *v names no anchor (&v) written before it',
      );
      expect(said('hosts:\n  a:\n  b:\nhosts:\n  c:\n')).to.equal(
        'fleet.yaml:4:1: `hosts:` is written twice; list every host under one',
      );
      expect(said('hosts:\n  a:\n  b:\n  a: { port: 2 }\n')).to.equal(
        'fleet.yaml:4:3: host "a" is listed twice; list each host once',
      );
    });

    it('is how parseInventory reads a file over the size, naming a mistake in its middle at its line', () => {
      const hosts = Array.from(
        { length: 30_000 },
        (_, i) => `  web-${i}: { host: 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}, tags: [web] }  # ${'-'.repeat(100)}`,
      );
      hosts[15_000] = '  web-15000: { host: 10.0.0.1, prot: 22, tags: [web] }';
      const text = `# a large fleet\nhosts:\n${hosts.join('\n')}\n`;
      expect(Buffer.byteLength(text)).to.be.above(WHOLE_INVENTORY_MAX_BYTES);
      expect(errorOf(() => parseInventory(text, 'fleet.yaml', CONTEXT))).to.equal(
        'fleet.yaml:15003:32: hosts.web-15000: unknown key "prot"',
      );
      hosts[15_000] = '  web-15000: { host: 10.0.58.152, tags: [web] }';
      const inventory = parseInventory(`# a large fleet\nhosts:\n${hosts.join('\n')}\n`, 'fleet.yaml', CONTEXT);
      expect(inventory.hosts).to.have.length(30_000);
      expect(inventory.hosts[29_999]).to.deep.include({ name: 'web-29999' });
    });
  });

  describe('a file the pieces do not read leaves it to the whole file, which names the mistake', () => {
    const mistakes = {
      'an unknown key in a host': 'hosts:\n  a:\n    hots: x\n',
      'a host named twice': 'hosts:\n  a:\n  a:\n',
      'an unknown key beside hosts': 'hosts:\n  a:\nextra: 1\n',
      'hosts twice': 'hosts:\n  a:\nhosts:\n  b:\n',
      'a group naming no host': 'hosts:\n  a:\ngroups:\n  web: [b]\n',
      'a host also a group': 'hosts:\n  a:\ngroups:\n  a: []\n',
      'a bad port in the defaults': 'defaults:\n  port: 0\nhosts:\n  a:\n',
      'two hosts reaching one target': 'hosts:\n  a: { host: x }\n  b: { host: x }\n',
      'a name the schema refuses': `hosts:\n  ${'a'.repeat(254)}:\n`,
      'a bad fingerprint': 'hosts:\n  a: { hostKey: nope }\n',
    };
    for (const [label, text] of Object.entries(mistakes)) {
      it(label, () => {
        expect(parseInPieces(text, 'fleet.yaml', CONTEXT)).to.equal(undefined);
        const whole = errorOf(() => parseWhole(text, 'fleet.yaml', CONTEXT));
        expect(errorOf(() => parseInventory(text, 'fleet.yaml', CONTEXT))).to.equal(whole);
        expect(whole).to.match(/fleet\.yaml:\d+:\d+/);
      });
    }

    it('YAML beyond the plain subset (an anchor), read by the whole file as before', () => {
      const text = 'defaults:\n  vars: &shared { a: 1 }\nhosts:\n  a:\n    vars: *shared\n';
      expect(parseInPieces(text, 'fleet.yaml', CONTEXT)).to.equal(undefined);
      expect(parseInventory(text, 'fleet.yaml', CONTEXT).hosts[0]!.vars).to.deep.equal({ a: 1 });
    });

    it('numeric host names, which a parsed map orders before the others', () => {
      const text = 'hosts:\n  web:\n  10:\n  9:\n';
      expect(parseInPieces(text, 'fleet.yaml', CONTEXT)).to.equal(undefined);
      expect(parseInventory(text, 'fleet.yaml', CONTEXT).hosts.map((host) => host.name)).to.deep.equal([
        '9',
        '10',
        'web',
      ]);
    });
  });
});

/** A small deterministic generator (mulberry32), so that a failure names a file that comes back. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** An inventory in the forms the documentation shows, its parts in any order, with comments and blank lines. */
function generatedInventory(random: () => number): string[] {
  const count = 1 + Math.floor(random() * 6);
  const names = Array.from({ length: count }, (_, i) => `${pick(random, ['web', 'db', 'h'])}-${i}`);
  const indent = pick(random, ['  ', '    ']);
  const hostForms = (name: string, i: number): string[] =>
    pick(random, [
      [`${name}:`],
      [`${name}: { host: 10.0.0.${i + 1} }`],
      [`${name}: { port: ${2200 + i}, tags: [a, b] }`],
      [`${name}:`, '  host: 192.0.2.1', '  user: ops', `  vars: { n: ${i} }`],
      [`${name}:`, '  url: ssh://root@x.example:2222', '  tags:', '    - edge'],
      [`${name}:`, '  vars:', '    motd: |', '      hello', '', '        there', '    role: app'],
      [`${name}:   # a comment`, '  host: 10.1.0.1', '# at column 0', '  port: 22'],
    ]).map((line) => (line === '' || line.startsWith('#') ? line : `${indent}${line}`));
  const hosts = ['hosts:', ...names.flatMap((name, i) => [...hostForms(name, i), ...(random() < 0.3 ? [''] : [])])];
  const groups = [
    'groups:',
    `  all-web: [${names.filter((_, i) => i % 2 === 0).join(', ')}]`,
    '  nested:',
    '    groups: [all-web]',
  ];
  const defaults = ['defaults:', '  user: audit', '  vars:', '    owner: team'];
  const parts = [hosts, ...(random() < 0.6 ? [groups] : []), ...(random() < 0.6 ? [defaults] : [])];
  parts.sort(() => random() - 0.5);
  return ['# generated', ...parts.flat(), ''];
}

/** One line dropped, indented, duplicated, or given a character outside the plain subset. */
function damaged(lines: readonly string[], random: () => number): string[] {
  const copy = [...lines];
  const at = Math.floor(random() * copy.length);
  const line = copy[at]!;
  const damage = pick(random, [
    () => copy.splice(at, 1),
    () => (copy[at] = ` ${line}`),
    () => copy.splice(at, 0, line),
    () => (copy[at] = `${line} &anchor`),
    () => (copy[at] = line.replace(':', ' :')),
    () => (copy[at] = line.slice(1)),
  ]);
  damage();
  return copy;
}
