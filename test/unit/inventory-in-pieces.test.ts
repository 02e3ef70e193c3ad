import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SpecError } from '../../src/inputs/input-error.js';
import {
  parseInPieces,
  parseInventory,
  parseWhole,
  type Inventory,
  type InventoryContext,
} from '../../src/inventory/load.js';
import { inventoryPieces } from '../../src/inventory/read-in-pieces.js';

const EXAMPLE = fileURLToPath(new URL('../../docs/examples/inventory.yaml', import.meta.url));
const CONTEXT: InventoryContext = { baseDir: '/inventories', home: '/home/auditor', defaultUser: () => 'me' };

/** What an inventory resolved to, its lazily looked-up places written out. */
function comparable(inventory: Inventory | undefined): unknown {
  if (!inventory) return undefined;
  return {
    ...inventory,
    hosts: inventory.hosts.map((host) => ({ ...host, identityLocation: host.identityLocation() })),
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
