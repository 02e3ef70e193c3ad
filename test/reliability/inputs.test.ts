import { config, expect } from 'chai';
config.truncateThreshold = 0;
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAcceptFile } from '../../src/drift/accept.js';
import { loadIgnoreFile } from '../../src/drift/ignore.js';
import { readSnapshotFile, renderSnapshot } from '../../src/drift/snapshot-file.js';
import { mergeScripts } from '../../src/cli/init/package-json.js';
import { loadGatePolicy } from '../../src/gate/policy.js';
import { isSpecError } from '../../src/inputs/input-error.js';
import { INPUT_KINDS, type InputKindName } from '../../src/inputs/kinds.js';
import { readInputFile } from '../../src/inputs/read.js';
import { readDriftReport, readGoldenRecord, readRunResult } from '../../src/promotion/inputs.js';
import { firstInvalidUtf8 } from '../../src/inputs/utf8.js';
import { loadInventory } from '../../src/inventory/load.js';
import { loadPlan } from '../../src/plan/load.js';
import { loadWaiversFile } from '../../src/controls/waivers.js';
import { loadInputFile } from '../../src/plan/input-sources.js';
import { readShardResult } from '../../src/shard/read.js';
import { createRegistry } from '../../src/resources/index.js';
import { handMadeSnapshot } from '../support/drift-snapshots.js';
import { driftReportOf, runResultOf } from '../support/promotion.js';

/**
 * Hostile input files of every kind: each must end in a SpecError (exit 78) that names the file,
 * never in an internal error, a hang, gigabytes of memory or a silently different value.
 */

const NOT_UTF8 = (byte: string) => `not UTF-8: byte 0x${byte} here is not valid UTF-8; save the file as UTF-8`;
const TOO_DEEP = 'collections nested more than 64 levels deep';
const ALIASES = 'YAML aliases (*name) expand to more than 100 copies; write the values out';

/** A spec naming /etc/café with é as the Latin-1 byte 0xE9. */
const LATIN1_SPEC = Buffer.concat([
  Buffer.from('spec: s\nchecks:\n  - file: /etc/caf'),
  Buffer.from([0xe9]),
  Buffer.from('\n    exists: false\n'),
]);

/** As docs/cli.md lists them. */
const LIMITS: Record<InputKindName, string> = {
  spec: '4 MiB for a spec file',
  inventory: '32 MiB for an inventory file',
  policy: '1 MiB for a policy file',
  ignore: '4 MiB for an ignore file',
  accept: '4 MiB for an accepted-drift file',
  snapshot: '256 MiB for a snapshot file',
  runResult: '256 MiB for a run result',
  driftReport: '256 MiB for a drift report',
  golden: '1 MiB for a golden record',
  packageJson: '4 MiB for a package.json',
  waivers: '4 MiB for a waivers file',
  inputs: '4 MiB for an input file',
  shardResult: '16384 MiB for a shard result',
  profile: '1 MiB for a profile metadata file',
};

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const GOLDEN = json({
  schemaVersion: 1,
  imageId: 'img-1',
  promotedAt: '2026-01-01T00:00:00.000+00:00',
  specs: [{ path: 'spec.yaml', sha256: 'a'.repeat(64) }],
  policy: null,
  run: {
    targets: ['local'],
    counts: { passed: 1, failed: 0, error: 0, skipped: 0, 'not-applicable': 0 },
    exitCode: 0,
  },
  drift: null,
  baseline: null,
  previous: null,
  tool: { name: 'driftspec', version: '0.1.0' },
});

const dir = mkdtempSync(join(tmpdir(), 'driftspec-inputs-'));
const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-inputs-cache-'));
const registry = createRegistry();

interface Kind {
  kind: InputKindName;
  file: string;
  load: (path: string) => Promise<unknown>;
  valid: string;
  truncated: string;
  /** A value of the wrong type somewhere, and what the message must say about it. */
  wrongType: [string, RegExp];
}

const KINDS: Kind[] = [
  {
    kind: 'spec',
    file: 'spec.yaml',
    load: (path) => loadPlan([path], { registry, cacheDir }),
    valid: 'spec: s\nchecks:\n  - file: /etc/passwd\n    exists: true\n',
    truncated: 'spec: s\nchecks: [ { file: /etc/passwd, exists: tr',
    wrongType: ['spec: s\nchecks:\n  - file: /etc/passwd\n    exists: "yes"\n', /spec\.yaml:4:5: invalid file\.exists/],
  },
  {
    kind: 'spec',
    file: 'spec.json',
    load: (path) => loadPlan([path], { registry, cacheDir }),
    valid: '{"spec": "s", "checks": [{"file": "/etc/passwd", "exists": true}]}\n',
    truncated: '{"spec": "s", "checks": [{"file": "/etc/pas',
    wrongType: ['{"spec": ["s"], "checks": []}\n', /spec\.json:1:2: spec: Invalid input: expected string/],
  },
  {
    kind: 'inventory',
    file: 'fleet.yaml',
    load: async (path) => loadInventory(path, dir),
    valid: 'hosts:\n  web1:\n    host: 10.0.0.1\n',
    truncated: 'hosts:\n  web1:\n    host: "10.0.',
    wrongType: ['hosts:\n  web1:\n    port: twenty-two\n', /fleet\.yaml:3:5: hosts\.web1\.port: Invalid input/],
  },
  {
    kind: 'policy',
    file: 'policy.yaml',
    load: async (path) => loadGatePolicy(path, dir),
    valid: 'errors: allow\n',
    truncated: 'failures:\n  allow: {high: 2, ',
    wrongType: ['failures:\n  allow:\n    high: many\n', /policy\.yaml:3:5: failures\.allow\.high: expected a count/],
  },
  {
    kind: 'ignore',
    file: 'ignore.yaml',
    load: async (path) => loadIgnoreFile(path, dir),
    valid: 'ignore:\n  - kind: mounts\n',
    truncated: "ignore:\n  - paths: ['/var/log/**",
    wrongType: ['ignore:\n  - growing: often\n', /ignore\.yaml:2:5: ignore\.0\.growing: Invalid input: expected bool/],
  },
  {
    kind: 'accept',
    file: 'accept.yaml',
    load: async (path) => loadAcceptFile(path, dir),
    valid: 'accepted: []\n',
    truncated: 'accepted:\n  - {kind: packages, key: "open',
    wrongType: ['accepted: {kind: packages}\n', /accept\.yaml:1:1: accepted: Invalid input: expected array/],
  },
  {
    kind: 'snapshot',
    file: 'baseline.json',
    load: (path) => readSnapshotFile(path, dir),
    valid: renderSnapshot(handMadeSnapshot()),
    truncated: renderSnapshot(handMadeSnapshot()).slice(0, 400),
    wrongType: [renderSnapshot(handMadeSnapshot()).replace('"complete": true', '"complete": "yes"'), /complete/],
  },
  {
    kind: 'runResult',
    file: 'run.json',
    load: async (path) => readRunResult(path, dir),
    valid: json(runResultOf()),
    truncated: json(runResultOf()).slice(0, 300),
    wrongType: [json({ ...runResultOf(), hosts: {} }), /run\.json: not a run result .*: hosts: .*expected array/],
  },
  {
    kind: 'driftReport',
    file: 'drift.json',
    load: async (path) => readDriftReport(path, dir),
    valid: json(driftReportOf()),
    truncated: json(driftReportOf()).slice(0, 300),
    wrongType: [json({ ...driftReportOf(), mode: 1 }), /drift\.json: not a drift report .*: mode: /],
  },
  {
    kind: 'golden',
    file: 'golden.json',
    load: async (path) => readGoldenRecord(path, dir),
    valid: GOLDEN,
    truncated: GOLDEN.slice(0, 100),
    wrongType: [GOLDEN.replace('"img-1"', '7'), /golden\.json: not a golden record .*: imageId: .*expected string/],
  },
  {
    kind: 'packageJson',
    file: 'package.json',
    load: async (path) =>
      mergeScripts(readInputFile(path, 'packageJson', dir), { infra: 'driftspec run specs/' }, path),
    valid: '{\n  "name": "app"\n}\n',
    truncated: '{\n  "name": "app",\n  "scri',
    wrongType: ['{"scripts": {"build": 1}}\n', /package\.json: scripts\.build: a command line \(text\)/],
  },
  {
    kind: 'waivers',
    file: 'waivers.yaml',
    load: async (path) => loadWaiversFile(path, dir),
    valid: 'ssh-01:\n  justification: replaced next quarter\n',
    truncated: 'ssh-01:\n  justification: "repl',
    wrongType: ['ssh-01:\n  justification: x\n  run: sometimes\n', /waivers\.yaml:3:3: ssh-01\.run: .*expected bool/],
  },
  {
    kind: 'inputs',
    file: 'inputs.yaml',
    load: async (path) => loadInputFile(path, dir),
    valid: 'ssh_port: 2222\n',
    truncated: 'admins: [root, "ops',
    wrongType: ['1port: 22\n', /inputs\.yaml:1:1: .*an input name is letters/],
  },
  {
    kind: 'shardResult',
    file: 'shard.json',
    load: async (path) => readShardResult(path, dir),
    valid: json(runResultOf()),
    truncated: json(runResultOf()).slice(0, 300),
    wrongType: [json({ ...runResultOf(), hosts: {} }), /shard\.json: not a shard result .*: hosts: .*expected array/],
  },
];

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function refusal(load: () => Promise<unknown>): Promise<string> {
  try {
    await load();
  } catch (error) {
    if (!isSpecError(error)) throw error;
    return error.message;
  }
  throw new Error('expected the file to be refused');
}

/** Nine levels of nine aliases each: 9^9 (387 million) copies once expanded, in 400 bytes. */
function billionLaughs(topKey: string): string {
  const names = 'abcdefghi';
  const lines = [`x0: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
  for (let level = 1; level < names.length; level++) {
    lines.push(
      `x${level}: &${names[level]} [${Array(9)
        .fill(`*${names[level - 1]}`)
        .join(', ')}]`,
    );
  }
  lines.push(`${topKey}: *i`);
  return `${lines.join('\n')}\n`;
}

describe('hostile input files', () => {
  for (const kind of KINDS) {
    describe(`${kind.file} (${kind.kind})`, () => {
      it('a valid file loads', async () => {
        await kind.load(write(kind.file, kind.valid));
      });

      it('bytes that are not UTF-8 are refused at their line and column', async () => {
        const lines = kind.valid.split('\n');
        const at = kind.file.endsWith('.json') ? 0 : lines.length - 1;
        const before = Buffer.from(lines.slice(0, at).join('\n') + (at > 0 ? '\n' : ''));
        const after = Buffer.from(lines.slice(at).join('\n'));
        const path = write(kind.file, Buffer.concat([before, Buffer.from([0xff]), after]));
        const message = await refusal(() => kind.load(path));
        expect(message).to.equal(`${path}:${at + 1}:1: ${NOT_UTF8('FF')}`);
      });

      it('a file larger than the limit is refused before it is read', async () => {
        const path = write(kind.file, '');
        truncateSync(path, INPUT_KINDS[kind.kind].maxBytes + 1);
        const message = await refusal(() => kind.load(path));
        const size = INPUT_KINDS[kind.kind].maxBytes + 1;
        expect(message).to.equal(`${path}: the file is ${size} bytes, more than the limit of ${LIMITS[kind.kind]}`);
      });

      it('a file cut short is refused', async () => {
        const path = write(kind.file, kind.truncated);
        const message = await refusal(() => kind.load(path));
        expect(message).to.match(/YAML syntax error|cut short/);
        expect(message.startsWith(path)).to.equal(true);
      });

      it('a value of the wrong type is refused at its place', async () => {
        const [text, expected] = kind.wrongType;
        const message = await refusal(() => kind.load(write(kind.file, text)));
        expect(message).to.match(expected);
      });

      it('a list instead of a map is refused', async () => {
        const message = await refusal(() => kind.load(write(kind.file, '[1, 2]\n')));
        expect(message).to.match(/must be a map|expected a JSON object/);
      });

      if (kind.file.endsWith('.yaml')) {
        it('a YAML alias bomb ("billion laughs") is refused naming the file', async () => {
          const path = write(kind.file, billionLaughs(kind.kind === 'spec' ? 'checks' : 'hosts'));
          const message = await refusal(() => kind.load(path));
          expect(message).to.equal(`${path}: ${ALIASES}`);
        });

        // Between about 1000 and 2000 levels the recursive composer's stack overflow could hit V8's
        // regular-expression compiler, which aborts the process ("RegExpCompiler Allocation failed").
        for (const depth of [65, 1000, 1500, 2000, 10_000]) {
          it(`flow collections nested ${depth} deep are refused at the 65th level`, async () => {
            const top = kind.kind === 'spec' ? 'checks' : 'hosts';
            const path = write(kind.file, `${top}: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
            const message = await refusal(() => kind.load(path));
            expect(message).to.equal(`${path}:1:${top.length + 2 + 64}: ${TOO_DEEP}`);
          });
        }

        it('block collections nested 1200 deep are refused at the 65th level', async () => {
          const levels = Array.from({ length: 1200 }, (_, i) => `${' '.repeat(i + 1)}k:`);
          const path = write(kind.file, `top:\n${levels.join('\n')}\n`);
          const message = await refusal(() => kind.load(path));
          expect(message).to.equal(`${path}:65:65: ${TOO_DEEP}`);
        });
      }
    });
  }

  describe('a spec naming a path that is not UTF-8', () => {
    it('is refused, never checked as another path (U+FFFD)', async () => {
      const path = write('latin1.yaml', LATIN1_SPEC);
      const message = await refusal(() => loadPlan([path], { registry, cacheDir }));
      expect(message).to.equal(`${path}:3:19: ${NOT_UTF8('E9')}`);
    });

    it('a well-formed U+FFFD written in the file is kept', async () => {
      const path = write('fffd.yaml', 'spec: s\nchecks:\n  - file: /etc/caf\uFFFD\n    exists: false\n');
      const plan = await loadPlan([path], { registry, cacheDir });
      expect(plan.checks[0]!.subject).to.equal('/etc/caf\uFFFD');
    });
  });

  describe('a device or pipe that never ends', () => {
    it('is read only up to the limit', async () => {
      const message = await refusal(async () => readInputFile('/dev/zero', 'policy'));
      expect(message).to.equal('/dev/zero: the file is larger than the limit of 1 MiB for a policy file');
    });
  });

  describe('a directory and a missing file', () => {
    it('name what was expected', async () => {
      const refused = (path: string, kind: InputKindName) => refusal(async () => readInputFile(path, kind));
      expect(await refused(dir, 'ignore')).to.equal(`${dir}: is a directory, not an ignore file`);
      expect(await refused(dir, 'spec')).to.equal(`${dir}: is a directory; name the spec files inside it`);
      const missing = join(dir, 'none.yaml');
      expect(await refused(missing, 'accept')).to.equal(`${missing}: accepted-drift file not found`);
    });
  });
});

describe('UTF-8 validation', () => {
  const cases: Array<[string, number[], number]> = [
    ['ASCII', [0x61, 0x62], -1],
    ['a byte-order mark and a four-byte character', [0xef, 0xbb, 0xbf, 0xf0, 0x9f, 0x98, 0x80], -1],
    ['a lone continuation byte', [0x61, 0x80], 1],
    ['an overlong form of "/"', [0x61, 0xc0, 0xaf], 1],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf], 0],
    ['a surrogate', [0x61, 0x62, 0xed, 0xa0, 0x80], 2],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut short at the end', [0x61, 0xe2, 0x82], 1],
    ['a sequence cut short by ASCII', [0xe2, 0x82, 0x61], 0],
  ];
  for (const [what, bytes, expected] of cases) {
    it(what, () => expect(firstInvalidUtf8(Uint8Array.from(bytes))).to.equal(expected));
  }
});
