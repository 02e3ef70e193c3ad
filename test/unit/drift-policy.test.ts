import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { diffSnapshots, unreachableHostDrift } from '../../src/drift/diff.js';
import {
  DRIFT_REPORT_SCHEMA_VERSION,
  DriftReportSchema,
  type DriftReport,
  type HostDrift,
} from '../../src/drift/diff-schema.js';
import { parseAcceptFile } from '../../src/drift/accept.js';
import type { Snapshot } from '../../src/drift/snapshot-schema.js';
import {
  DEFAULT_DRIFT_POLICY,
  DRIFT_EXIT,
  DriftPolicySchema,
  hasSetuidBit,
  judgeDrift,
  type DriftPolicy,
} from '../../src/gate/drift-policy.js';
import { EXIT } from '../../src/gate/exit-codes.js';
import { parseGatePolicy, policyJsonSchema } from '../../src/gate/policy.js';
import { handMadeSnapshot, withChanges } from '../support/drift-snapshots.js';

const NOW = new Date('2025-06-02T12:00:00Z');
const base = handMadeSnapshot();

function reportOf(hosts: HostDrift[]): DriftReport {
  return {
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: '0.1.0' },
    generatedAt: '2025-06-02T12:00:00.000+00:00',
    mode: 'snapshots',
    baseline: {
      target: base.target,
      takenAt: base.takenAt,
      toolVersion: '0.1.0',
      hostname: 'golden',
      os: 'Debian GNU/Linux 12 (bookworm)',
      complete: true,
    },
    hosts,
    warnings: [],
  };
}

function judge(
  change: (s: Snapshot) => void,
  policy: DriftPolicy = DEFAULT_DRIFT_POLICY,
  options: Parameters<typeof diffSnapshots>[2] = { now: NOW },
) {
  const report = judgeDrift(reportOf([diffSnapshots(base, withChanges(base, change), options)]), policy);
  return DriftReportSchema.parse(report);
}

const policy = (yaml: string): DriftPolicy => parseGatePolicy(yaml, 'policy.yaml').drift ?? DEFAULT_DRIFT_POLICY;

const addUser = (s: Snapshot) =>
  s.users.push({ name: 'extra', uid: 1001, gid: 1001, home: '/home/extra', shell: '/bin/sh', gecos: '' });
const removeCowsay = (s: Snapshot) => (s.packages = s.packages.filter((p) => p.name !== 'cowsay'));
const editMotd = (s: Snapshot) => (s.files.find((f) => f.path === '/etc/motd')!.size = 300);
const upgradeOpenssl = (s: Snapshot) => (s.packages.find((p) => p.name === 'openssl')!.version = '3.0.13-1~deb12u1');
const addListener = (s: Snapshot) =>
  s.listeners.push({ protocol: 'tcp4', address: '0.0.0.0', port: 8081, processes: ['systemd-socket-activate'] });
const addSuidFile = (s: Snapshot) =>
  s.files.push({
    path: '/usr/bin/backdoor',
    type: 'file',
    mode: '4755',
    uid: 0,
    gid: 0,
    owner: 'root',
    group: 'root',
    size: 1,
    sha256: 'f'.repeat(64),
  });
const addPlainFile = (s: Snapshot) =>
  s.files.push({
    path: '/usr/bin/plain',
    type: 'file',
    mode: '0755',
    uid: 0,
    gid: 0,
    owner: 'root',
    group: 'root',
    size: 1,
    sha256: 'e'.repeat(64),
  });

describe('drift gate', () => {
  describe('exit bitmask', () => {
    it('1 added, 2 removed, 4 changed, 8 incomplete, OR-ed', () => {
      expect(judge(addUser).verdict!.exitCode).to.equal(1);
      expect(judge(removeCowsay).verdict!.exitCode).to.equal(2);
      expect(judge(editMotd).verdict!.exitCode).to.equal(4);
      expect(judge((s) => [addUser(s), removeCowsay(s), editMotd(s)]).verdict!.exitCode).to.equal(7);
      const incomplete = judge((s) => {
        addUser(s);
        s.gaps.push({ kind: 'mounts', reason: '/proc/self/mountinfo: Permission denied' });
        s.complete = false;
      });
      expect(incomplete.verdict!.exitCode).to.equal(DRIFT_EXIT.added | DRIFT_EXIT.incomplete);
      expect(incomplete.verdict!.summary).to.equal('blocked: 1 added, 1 host incomplete');
    });

    it('every combination stays below 16: usage 64, internal 70 and config 78 cannot be mistaken for drift', () => {
      const all = DRIFT_EXIT.added | DRIFT_EXIT.removed | DRIFT_EXIT.changed | DRIFT_EXIT.incomplete;
      expect(all).to.equal(15);
      for (const code of [EXIT.usage, EXIT.internal, EXIT.config]) expect(code & ~15).to.not.equal(0);
    });

    it('0 with "no drift" when nothing differs', () => {
      expect(judge(() => {}).verdict).to.deep.equal({
        verdict: 'passed',
        exitCode: 0,
        summary: 'passed: no drift',
        reasons: [],
      });
    });

    it('an unreachable host is 8; a run that compared no host is 8 even when incomplete hosts are allowed', () => {
      const unreachable = reportOf([unreachableHostDrift('ssh://root@10.0.0.9:22', 'unreachable: connection refused')]);
      expect(judgeDrift(unreachable).verdict!.exitCode).to.equal(8);
      const lenient = judgeDrift(unreachable, policy('drift:\n  incomplete: allow\n')).verdict!;
      expect(lenient.exitCode).to.equal(8);
      expect(lenient.reasons[0]).to.equal('no host was compared');
    });
  });

  describe('built-in rules', () => {
    it('new listening ports, new users and new SUID/SGID files block, each named by its rule', () => {
      const report = judge((s) => [addListener(s), addUser(s), addSuidFile(s)]);
      const gates = report.hosts[0]!.kinds.flatMap((k) =>
        k.added.map((i) => `${i.key}: ${i.gate?.action} ${i.gate?.rule}`),
      );
      expect(gates).to.deep.equal([
        'tcp4 0.0.0.0:8081: block new listening port (built-in rule)',
        'extra: block new user (built-in rule)',
        '/usr/bin/backdoor: block new SUID/SGID file (built-in rule)',
      ]);
    });

    it('they block even when the policy allows all other drift', () => {
      const lenient = policy('drift:\n  otherwise: allow\n');
      expect(judge(addPlainFile, lenient).verdict!.exitCode).to.equal(0);
      expect(judge(addSuidFile, lenient).verdict!.exitCode).to.equal(1);
      expect(judge(addListener, lenient).verdict!.exitCode).to.equal(1);
      const gainsSgid = judge((s) => (s.files.find((f) => f.path === '/usr/bin/tool')!.mode = '2755'), lenient);
      expect(gainsSgid.verdict!.exitCode).to.equal(4);
      expect(gainsSgid.hosts[0]!.kinds.find((k) => k.kind === 'files')!.changed[0]!.gate?.rule).to.equal(
        'new SUID/SGID file (built-in rule)',
      );
    });

    it('a package version change is allowed and said so; a change of more than the version is not', () => {
      const upgraded = judge(upgradeOpenssl).verdict!;
      expect(upgraded).to.deep.include({
        verdict: 'passed',
        exitCode: 0,
        summary: 'passed; allowed by the policy: 1 changed',
      });
      expect(upgraded.reasons).to.deep.equal([
        'allowed: ssh://root@10.0.0.6:22: changed: package openssl:amd64 [package version change (built-in rule)]',
      ]);
      const halfConfigured = judge((s) => {
        upgradeOpenssl(s);
        s.packages.find((p) => p.name === 'openssl')!.state = 'half-configured';
      });
      expect(halfConfigured.verdict!.exitCode).to.equal(4);
    });

    it("builtinRules: false leaves only the policy's own rules and `otherwise`", () => {
      expect(
        judge((s) => [addListener(s), addUser(s)], policy('drift:\n  builtinRules: false\n  otherwise: allow\n'))
          .verdict!.exitCode,
      ).to.equal(0);
      expect(judge(upgradeOpenssl, policy('drift:\n  builtinRules: false\n')).verdict!.exitCode).to.equal(4);
    });
  });

  describe('policy rules', () => {
    it('come before the built-in rules: the first match decides', () => {
      const allowPort = policy(`drift:
  rules:
    - name: the metrics exporter
      kind: listeners
      change: added
      keys: ['tcp4 *:8081']
      action: allow
`);
      const report = judge((s) => [addListener(s), addUser(s)], allowPort);
      expect(report.verdict!.exitCode).to.equal(1);
      expect(report.hosts[0]!.kinds.find((k) => k.kind === 'listeners')!.added[0]!.gate).to.deep.equal({
        action: 'allow',
        rule: 'the metrics exporter',
      });
    });

    it('match on attributes: every changed attribute must be listed', () => {
      const modeOnly = policy(
        'drift:\n  rules:\n    - { kind: files, change: changed, attributes: [size, sha256], action: allow }\n',
      );
      expect(judge(editMotd, modeOnly).verdict!.exitCode).to.equal(0);
      expect(
        judge((s) => [editMotd(s), (s.files.find((f) => f.path === '/etc/motd')!.mode = '0666')], modeOnly).verdict!
          .exitCode,
      ).to.equal(4);
    });

    it('setuid: false matches files without the bits; unnamed rules are numbered', () => {
      const report = judge(
        (s) => [addPlainFile(s), addSuidFile(s)],
        policy('drift:\n  rules:\n    - { kind: files, setuid: false, action: allow }\n'),
      );
      expect(report.hosts[0]!.kinds.find((k) => k.kind === 'files')!.added.map((i) => i.gate)).to.deep.equal([
        { action: 'block', rule: 'new SUID/SGID file (built-in rule)' },
        { action: 'allow', rule: 'policy rule 1' },
      ]);
    });

    it('incomplete: allow lets a host with missing data pass, and says so', () => {
      const verdict = judge((s) => {
        s.gaps.push({ kind: 'mounts', reason: 'Permission denied' });
        s.complete = false;
      }, policy('drift:\n  incomplete: allow\n')).verdict!;
      expect(verdict).to.deep.include({ exitCode: 0, summary: 'passed; allowed by the policy: 1 host incomplete' });
      expect(verdict.reasons).to.deep.equal([
        'allowed: ssh://root@10.0.0.6:22: incomplete: mounts (candidate: Permission denied)',
      ]);
    });

    it('accepted drift is not judged and sets no bit', () => {
      const accept = parseAcceptFile(
        'accepted:\n  - { kind: users, key: extra, change: added, reason: on-call account, owner: ops, expires: ' +
          '2025-12-31 }\n',
        'accept.yaml',
      );
      const report = judge(addUser, DEFAULT_DRIFT_POLICY, { now: NOW, accept });
      expect(report.verdict).to.deep.include({ exitCode: 0, summary: 'passed: no drift; 1 accepted' });
      expect(report.hosts[0]!.kinds.find((k) => k.kind === 'users')!.added[0]!.gate).to.equal(undefined);
    });
  });

  describe('the `drift:` section of a policy file', () => {
    it('sits in the same file as the run gate, which `driftspec run` reads unchanged', () => {
      const gate = parseGatePolicy('errors: allow\ndrift:\n  otherwise: allow\n', 'policy.yaml');
      expect(gate.errors).to.equal('allow');
      expect(gate.drift).to.deep.equal({ rules: [], builtinRules: true, otherwise: 'allow', incomplete: 'block' });
    });

    const mistakes: Array<[string, string, RegExp]> = [
      [
        'an unknown key in a rule',
        'drift:\n  rules:\n    - { kind: files, when: x, action: allow }\n',
        new RegExp(
          /^policy\.yaml:3:22: drift\.rules\.0: unknown key "when"; expected one of: name, kind, change, keys,/.source +
            / attributes, setuid, action$/.source,
        ),
      ],
      [
        'an unknown key in the section',
        'drift:\n  default: allow\n',
        /^policy\.yaml:2:3: drift: unknown key "default"; expected one of: rules, builtinRules, otherwise, incomplete$/,
      ],
      [
        'an unknown kind',
        'drift:\n  rules:\n    - { kind: ports, action: block }\n',
        /^policy\.yaml:3:9: drift\.rules\.0\.kind: expected one of: packages, services/,
      ],
      [
        'setuid without kind files',
        'drift:\n  rules:\n    - { setuid: true, action: block }\n',
        /^policy\.yaml:3:9: drift\.rules\.0\.setuid: `setuid` is about files: add kind: files$/,
      ],
      [
        'an attribute the kind lacks',
        'drift:\n  rules:\n    - { kind: packages, attributes: [mode], action: allow }\n',
        /drift\.rules\.0\.attributes\.0: packages have no attribute "mode"/,
      ],
      [
        'an attribute no kind has',
        'drift:\n  rules:\n    - { attributes: [mtime], action: allow }\n',
        /drift\.rules\.0\.attributes\.0: no kind has an attribute "mtime"/,
      ],
      ['a missing action', 'drift:\n  rules:\n    - { kind: files }\n', /^policy\.yaml:3:7: drift\.rules\.0\.action: /],
    ];
    for (const [what, text, expected] of mistakes) {
      it(`refuses ${what} with file:line:column`, () => {
        expect(() => parseGatePolicy(text, 'policy.yaml')).to.throw(expected);
      });
    }

    it('is described by the published policy JSON Schema', () => {
      const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(
        policyJsonSchema() as object,
      );
      const documented = parseYaml(`drift:
  rules:
    - { name: exporter, kind: listeners, change: added, keys: 'tcp4 *:9100', action: allow }
    - { kind: [packages], change: [changed], attributes: [version], action: allow }
    - { kind: files, setuid: true, action: block }
  otherwise: block
  incomplete: block
`);
      expect(validate(documented), JSON.stringify(validate.errors)).to.equal(true);
      expect(validate({ drift: { rules: [{ kind: 'files' }] } })).to.equal(false);
      expect(DriftPolicySchema.parse(documented.drift).rules).to.have.length(3);
    });
  });

  it('reads setuid and setgid from the mode', () => {
    expect([
      hasSetuidBit({ mode: '4755' }),
      hasSetuidBit({ mode: '2755' }),
      hasSetuidBit({ mode: '6755' }),
      hasSetuidBit({ mode: '1777' }),
      hasSetuidBit({ mode: '0755' }),
      hasSetuidBit({}),
    ]).to.deep.equal([true, true, true, false, false, false]);
  });
});
