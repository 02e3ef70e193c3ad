import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { control, planSpecs, resourceFunction, spec } from '../../../src/dsl/spec.js';
import { factQueryFor } from '../../../src/engine/queries.js';
import { SpecError } from '../../../src/inputs/input-error.js';
import type { Frame } from '../../../src/probe/frames.js';
import type { HostFacts } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  parseProcessTable,
  parseStatLine,
  PROCESS_TABLE_SCRIPT,
  processHasName,
  processResource,
  selectProcesses,
} from '../../../src/resources/process/index.js';
import { FactError } from '../../../src/resources/resource.js';
import { fixturePath, frame, hostFacts, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines, statuses } from '../../support/judge.js';
import { withoutProgram } from '../../fixtures/local/process/run-fragment.js';

const processes = resourceFunction(processResource);
const registry = createRegistry([processResource]);

/** Each check's result as a `status: message` line. */
const judge = (body: () => void, probeFrame: Frame, host?: HostFacts) =>
  resultLines(judgeFrame(registry, () => control('c', body), probeFrame, host));

function readRecording(relativePath: string): {
  command: string;
  stdout: string;
  exitCode: number;
  setup?: Record<string, unknown>;
} {
  return JSON.parse(readFileSync(fixturePath(relativePath), 'utf8'));
}

/**
 * The process query's output on the booted Debian 12 test bed, put together from the stat loop
 * and `ps -e -o pid=,args=` recorded there (two runs, so the ssh session of the stat loop has no
 * ps line) and `getent passwd`. The uids were not recorded: every process has "-" (unreadable).
 * The probe is the stat loop's own shell.
 */
function debianFrame(): Frame {
  const stat = readRecording('recorded/debian12/proc-pid-stat-loop.json').stdout;
  const ps = readRecording('recorded/debian12/ps-pid-args.json').stdout;
  const passwd = readRecording('recorded/debian12/getent-passwd-all.json').stdout;
  const statLines = stat.split('\n').filter(Boolean);
  const probe = parseStatLine(statLines.find((l) => parseStatLine(l)?.comm === 'sh')!)!.pid;
  const procs = statLines.map((l) => `- ${l}`).join('\n');
  return frame(
    `@ds:self ${probe}\n@ds:proc-mount rw,nosuid,nodev,noexec,relatime\n@ds:args ` +
      `ps\n${ps}@ds:procs\n${procs}\n@ds:passwd getent\n${passwd}\n@ds:end 0\n`,
  );
}

const RECORDED_TABLES = [
  { fixture: 'local/process/table-root.json', prefix: '', title: 'read by grep' },
  { fixture: 'local/process/table-root-loop.json', prefix: withoutProgram('grep'), title: "read by the shell's loop" },
];

describe('process resource', () => {
  describe('/proc/PID/stat lines', () => {
    it('takes the name up to the LAST closing parenthesis', () => {
      expect(parseStatLine('75 (odd) name) S 1 75 75 0 -1')).to.deep.equal({ pid: 75, comm: 'odd) name', ppid: 1 });
      expect(parseStatLine('9 (a) b) c) R 2 0')).to.deep.equal({ pid: 9, comm: 'a) b) c', ppid: 2 });
      expect(parseStatLine('2 (kthreadd) S 0 0 0')).to.deep.equal({ pid: 2, comm: 'kthreadd', ppid: 0 });
      expect(parseStatLine('3 () S 1 3')).to.deep.equal({ pid: 3, comm: '', ppid: 1 });
    });

    it('gives nothing for a line cut short or garbled', () => {
      expect(parseStatLine('12 (name with')).to.equal(undefined);
      expect(parseStatLine('x (sh) S 1')).to.equal(undefined);
      expect(parseStatLine('12 (sh) S')).to.equal(undefined);
    });
  });

  describe('names', () => {
    const proc = (comm: string, args: string | null) => ({ comm, args });
    it('matches a name of up to 15 characters exactly against the kernel name', () => {
      expect(processHasName(proc('sshd', '/usr/sbin/sshd -D'), 'sshd')).to.equal(true);
      expect(processHasName(proc('sshd', '/usr/sbin/sshd -D'), 'ssh')).to.equal(false);
      expect(processHasName(proc('ssh', 'ssh host'), 'sshd')).to.equal(false);
      expect(processHasName(proc('systemd-socket-', 'x'), 'systemd-socket-')).to.equal(true);
    });

    it('matches a longer name by its first 15 characters and the basename of argv[0]', () => {
      const long = proc('systemd-socket-', '/usr/bin/systemd-socket-activate -l 8081 cat');
      expect(processHasName(long, 'systemd-socket-activate')).to.equal(true);
      expect(processHasName(long, 'systemd-socket-activator')).to.equal(false);
      expect(processHasName(proc('systemd-socket-', 'systemd-socket-activate'), 'systemd-socket-activate')).to.equal(
        true,
      );
      expect(processHasName(proc('systemd-socket-', null), 'systemd-socket-activate')).to.equal(undefined);
      expect(processHasName(proc('systemd-journal', null), 'systemd-socket-activate')).to.equal(false);
    });
  });

  for (const { fixture, prefix, title } of RECORDED_TABLES)
    describe(`a real table recorded on this kind of machine, ${title}`, () => {
      const setup = () =>
        readRecording(fixture).setup as {
          names: Record<string, string>;
          pids: Record<string, number>;
          probePid: number;
        };

      it('recorded the real query', () => {
        expect(readRecording(fixture).command).to.equal(prefix + PROCESS_TABLE_SCRIPT);
      });

      it('judges running, count, user and args', () => {
        const { names } = setup();
        const results = judge(() => {
          processes(names.short!)
            .running()
            .count(2)
            .user({ contains: ['root', 'nobody'] })
            .runsAs('nobody')
            .args({ matches: `/${names.short} 3601$` });
          processes(names.long!).running().count(1).user({ contains: 'root' }).not.runsAs('nobody');
          processes(names.odd!)
            .running()
            .count(1)
            .args({ contains: `${(readRecording(fixture).setup as { directory: string }).directory}/odd) name 3603` });
          processes('kthreadd').running().args({ contains: '[kthreadd]' });
        }, recordedFrame(fixture));
        expect(results.filter((r) => !r.startsWith('passed'))).to.deep.equal([]);
      });

      it('does not match a prefix, a longer name, or the 15-character kernel name of another', () => {
        const { names } = setup();
        const results = judge(() => {
          processes('ds-sleep').not.running().count(0);
          processes(`${names.short}x`).not.running();
          processes('ds-long-sleep-recordedX').not.running();
          processes('ds-long-sleep-rec').not.running();
        }, recordedFrame(fixture));
        expect(results.filter((r) => !r.startsWith('passed'))).to.deep.equal([]);
        // The kernel's own 15-character name is a name too.
        expect(statuses(judge(() => processes('ds-long-sleep-r').running(), recordedFrame(fixture)))).to.deep.equal([
          'passed',
        ]);
      });

      it("leaves out the probe's own shell, its subshells, ps and grep", () => {
        const table = parseProcessTable(recordedFrame(fixture), hostFacts());
        expect(table.probePid).to.equal(setup().probePid);
        expect(table.processes.map((p) => p.comm).sort()).to.deep.equal([
          'ds-long-sleep-r',
          'ds-sleep-rec',
          'ds-sleep-rec',
          'kthreadd',
          'odd) name',
        ]);
        expect(statuses(judge(() => processes('sh').not.running().count(0), recordedFrame(fixture)))).to.deep.equal([
          'passed',
          'passed',
        ]);
      });

      it('explains failures', () => {
        const { names } = setup();
        const results = judge(() => {
          processes('nginx').running();
          processes('nginx').user({ contains: 'root' });
          processes('nginx').not.args({ matches: 'debug' });
          processes(names.short!).count(1);
          processes(names.short!).user({ contains: 'www-data' });
        }, recordedFrame(fixture));
        expect(results).to.deep.equal([
          'failed: expected process nginx to be running, but no process with that name is running',
          'failed: expected process nginx to run as users containing "root", but no process named "nginx" is running',
          'failed: expected process nginx not to have command lines matching /debug/, ' +
            'but no process named "nginx" is running',
          'failed: expected process ds-sleep-rec to have a process count of 1, but got 2',
          'failed: expected process ds-sleep-rec to run as users containing "www-data", but got ["nobody", "root"]',
        ]);
      });
    });

  describe('the real Debian 12 test bed', () => {
    it('counts nginx and sshd and reads their command lines', () => {
      const results = judge(() => {
        processes('nginx')
          .running()
          .count(3)
          .args({ contains: 'nginx: worker process' })
          .args({ matches: '^nginx: master process' });
        processes('cron').running().count(1).args({ contains: '/usr/sbin/cron -f' });
        processes('odd) name').running();
        processes('systemd-socket-activate').count(4).args({ matches: '-l \\[::1\\]:8082' });
        processes('sh').count(0);
        processes('apache2').not.running();
      }, debianFrame());
      expect(results.filter((r) => !r.startsWith('passed'))).to.deep.equal([]);
    });

    it('is an error to read a user whose status was unreadable', () => {
      const results = judge(() => {
        processes('cron').user({ contains: 'root' });
        processes('cron').count(1);
      }, debianFrame());
      expect(results[0]).to.match(
        new RegExp(
          /^error: could not check process cron: cannot read the user of process (\d+) \(\/proc\/\1\/status was/
            .source + / not readable\)$/.source,
        ),
      );
      expect(results[1]).to.equal('passed: process cron should have a process count of 1');
    });
  });

  describe('edge cases of the query output', () => {
    const stat = (pid: number, comm: string, ppid: number) => `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560`;
    function build(
      parts: {
        self?: number;
        mount?: string;
        argsSource?: string;
        args?: string[];
        procs?: string[];
        /** grep's lines, which take the place of the loop's. */
        files?: string[];
        passwdSource?: string;
        passwd?: string[];
        end?: number;
      } = {},
    ): string {
      const {
        self = 100,
        mount = 'rw,nosuid,nodev,noexec,relatime',
        argsSource = 'ps',
        args = ['    1 /sbin/init', '   50 /usr/sbin/cron -f', '  100 /bin/sh -s'],
        procs = [
          `0 ${stat(1, 'init', 0)}`,
          `0 ${stat(50, 'cron', 1)}`,
          `0 ${stat(100, 'sh', 1)}`,
          `0 ${stat(101, 'sh', 100)}`,
        ],
        passwdSource = 'getent',
        passwd = ['root:x:0:0:root:/root:/bin/bash'],
        end = 0,
        files,
      } = parts;
      const processLines = files ? `@ds:proc-files\n${files.join('\n')}` : `@ds:procs\n${procs.join('\n')}`;
      return (
        `@ds:self ${self}\n@ds:proc-mount ${mount}\n@ds:args ` +
        `${argsSource}\n${args.join('\n')}\n${processLines}\n@ds:passwd ` +
        `${passwdSource}\n${passwd.join('\n')}\n\n@ds:end ${end}\n`
      );
    }
    const statFile = (pid: number, comm: string, ppid: number) => `/proc/${pid}/stat:${stat(pid, comm, ppid)}`;
    const uidFile = (pid: number, real: number, effective: number) =>
      `/proc/${pid}/status:Uid:\t${real}\t${effective}\t${effective}\t${effective}`;
    const shellFiles = [statFile(100, 'sh', 1), statFile(101, 'grep', 100), uidFile(100, 0, 0), uidFile(101, 0, 0)];

    it('reads a complete table', () => {
      const table = parseProcessTable(frame(build()), hostFacts());
      expect(table.processes.map((p) => `${p.pid} ${p.comm} ${p.euid} ${p.args}`)).to.deep.equal([
        '1 init 0 /sbin/init',
        '50 cron 0 /usr/sbin/cron -f',
      ]);
      expect(table).to.include({ incomplete: null, userLookupProblem: null, argsSource: 'ps' });
    });

    it("reads grep's stat and Uid lines: the effective uid; none for a process whose status was gone", () => {
      const files = [
        statFile(1, 'init', 0),
        statFile(50, 'cron', 1),
        statFile(60, 'su', 1),
        ...shellFiles,
        uidFile(1, 0, 0),
        uidFile(60, 1000, 0),
      ];
      const args = ['    1 /sbin/init', '   50 /usr/sbin/cron -f', '   60 su', '  100 /bin/sh -s'];
      const table = parseProcessTable(frame(build({ files, args })), hostFacts());
      expect(table.processes.map((p) => `${p.pid} ${p.comm} ${p.euid} ${p.args}`)).to.deep.equal([
        '1 init 0 /sbin/init',
        '50 cron null /usr/sbin/cron -f',
        '60 su 0 su',
      ]);
      expect(table.userNames).to.deep.equal({ 0: 'root' });
      // The user of a process whose status was gone is unknown: an error, never a pass or a failure.
      const results = judge(
        () => {
          processes('cron').runsAs('root');
          processes('cron').user({ not: { contains: 'nobody' } });
        },
        frame(build({ files, args })),
      );
      expect(statuses(results)).to.deep.equal(['error', 'error']);
      expect(results[0]).to.include('cannot read the user of process 50');
    });

    it('leaves out a stat that grep gave in more lines than one, which cannot pass for another process', () => {
      // Names "x<newline>1 (sshd" and "ev<newline>il": the rest of each stat is named by its own file.
      const files = [
        statFile(1, 'init', 0),
        '/proc/77/stat:77 (x',
        `/proc/77/stat:${stat(1, 'sshd', 0)}`,
        '/proc/78/stat:78 (ev',
        ...shellFiles,
      ];
      const table = parseProcessTable(frame(build({ files })), hostFacts());
      expect(table.processes.map((p) => `${p.pid} ${p.comm}`)).to.deep.equal(['1 init']);
    });

    it("is an error when grep's lines are garbled", () => {
      const garbled = (files: string[]) => () => parseProcessTable(frame(build({ files })), hostFacts());
      expect(garbled(['1 (init) S 0', ...shellFiles])).to.throw(FactError, /unexpected line "1 \(init\) S 0"/);
      expect(garbled([statFile(1, 'init', 0), '/proc/1/status:Gid:\t0\t0\t0\t0', ...shellFiles])).to.throw(
        FactError,
        /unexpected line "\/proc\/1\/status:Gid:/,
      );
      expect(garbled([`/proc/2/stat:${stat(1, 'init', 0)}`, ...shellFiles])).to.throw(
        FactError,
        /unexpected line "\/proc\/2\/stat:1 \(init\)/,
      );
    });

    it('reads command lines from /proc/PID/cmdline where there is no ps', () => {
      const args = ['1 /sbin/init splash ', '2 ', '50 /usr/sbin/cron -f '];
      const procs = [
        `0 ${stat(1, 'init', 0)}`,
        `0 ${stat(2, 'kthreadd', 0)}`,
        `0 ${stat(50, 'cron', 1)}`,
        `0 ${stat(100, 'sh', 1)}`,
      ];
      const table = parseProcessTable(frame(build({ argsSource: 'cmdline', args, procs })), hostFacts());
      expect(table.processes.map((p) => p.args)).to.deep.equal([
        '/sbin/init splash',
        '[kthreadd]',
        '/usr/sbin/cron -f',
      ]);
    });

    it('names users, and shows a uid without a passwd entry as its number', () => {
      const procs = [
        `0 ${stat(1, 'init', 0)}`,
        `33 ${stat(50, 'cron', 1)}`,
        `1001 ${stat(51, 'cron', 50)}`,
        `0 ${stat(100, 'sh', 1)}`,
      ];
      const passwd = [
        'root:x:0:0:root:/root:/bin/bash',
        'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
        'dup:x:33:33::/:/bin/false',
      ];
      const results = judge(
        () => processes('cron').user({ contains: ['www-data', '1001'] }),
        frame(build({ procs, passwd, end: 2 })),
      );
      expect(statuses(results)).to.deep.equal(['passed']);
      // Without getent, /etc/passwd is read.
      expect(
        statuses(
          judge(() => processes('cron').runsAs('www-data'), frame(build({ procs, passwd, passwdSource: 'file' }))),
        ),
      ).to.deep.equal(['passed']);
    });

    it('is an error to read users when the lookup failed', () => {
      const results = judge(
        () => {
          processes('cron').runsAs('root');
          processes('cron').running();
        },
        frame(build({ passwd: [], end: 1 }), 0, 'getent: something broke'),
      );
      expect(results[0]).to.match(/^error: .*\(getent passwd exited 1\): getent: something broke/);
      expect(results[1]).to.match(/^passed/);
    });

    it('as non-root under hidepid: only a process that is seen counts; absence and counts are errors', () => {
      const hidden = frame(build({ mount: 'rw,nosuid,nodev,noexec,relatime,hidepid=invisible' }));
      const user = hostFacts({ uid: 1000 });
      const results = judge(
        () => {
          processes('cron').running();
          processes('nginx').not.running();
          processes('cron').count({ ge: 1 });
        },
        hidden,
        user,
      );
      expect(statuses(results)).to.deep.equal(['passed', 'error', 'error']);
      expect(results[1]).to.include('hidepid=invisible');
      // Root sees everything, and hidepid=0 hides nothing.
      expect(statuses(judge(() => processes('nginx').not.running(), hidden, hostFacts({ uid: 0 })))).to.deep.equal([
        'passed',
      ]);
      expect(
        statuses(judge(() => processes('nginx').not.running(), frame(build({ mount: 'rw,hidepid=0' })), user)),
      ).to.deep.equal(['passed']);
    });

    it('skips a process whose name holds a newline (the line is cut short)', () => {
      const procs = [`0 ${stat(1, 'init', 0)}`, '0 77 (evil', `0 ${stat(100, 'sh', 1)}`];
      expect(parseProcessTable(frame(build({ procs })), hostFacts()).processes.map((p) => p.pid)).to.deep.equal([1]);
    });

    it('is an error when the shell failed, the output is cut short or garbled', () => {
      expect(() => parseProcessTable(frame('', 127, 'sh: 1: ps: not found'), hostFacts())).to.throw(
        FactError,
        /exit 127/,
      );
      expect(() => parseProcessTable(frame('@ds:self 1\n@ds:args ps\n    1 init\n'), hostFacts())).to.throw(
        FactError,
        /cut short/,
      );
      expect(() => parseProcessTable(frame('garbage\n'), hostFacts())).to.throw(FactError, /unexpected line "garbage"/);
      expect(() => parseProcessTable(frame(build({ args: ['not a pid'] })), hostFacts())).to.throw(
        FactError,
        /unexpected ps line/,
      );
      expect(() => parseProcessTable(frame(build({ procs: ['x 1 (init) S 0'] })), hostFacts())).to.throw(
        FactError,
        /unexpected line/,
      );
      expect(() => parseProcessTable(frame(build({ argsSource: 'magic' })), hostFacts())).to.throw(
        FactError,
        /unknown command-line source/,
      );
    });

    it('is an error to read the command lines when a process is missing from the ps list', () => {
      const args = ['    1 /sbin/init', '  100 /bin/sh -s'];
      const results = judge(
        () => {
          processes('cron').args({ contains: '/usr/sbin/cron -f' });
          processes('cron').running();
        },
        frame(build({ args })),
      );
      expect(results).to.deep.equal([
        'error: could not check process cron: cannot read the command line of process 50 (it started or ended while ' +
          'the probe ran)',
        'passed: process cron should be running',
      ]);
    });

    it("is an error when the probe's own shell is not in /proc", () => {
      expect(() => parseProcessTable(frame(build({ self: 4242 })), hostFacts())).to.throw(
        FactError,
        /pid 4242\) is not in \/proc/,
      );
    });

    it('is an error to decide on a long name whose argv[0] is unknown', () => {
      const procs = [`0 ${stat(1, 'init', 0)}`, `0 ${stat(60, 'systemd-socket-', 1)}`, `0 ${stat(100, 'sh', 1)}`];
      const table = parseProcessTable(frame(build({ procs })), hostFacts());
      expect(() => selectProcesses(table, 'systemd-socket-activate')).to.throw(
        FactError,
        /process 60 .* command line was not listed/,
      );
      expect(selectProcesses(table, 'systemd-socket-').processes.map((p) => p.pid)).to.deep.equal([60]);
    });
  });

  describe('spec validation', () => {
    const plan = (body: () => void) => planSpecs([{ definition: spec('unit', () => control('c', body)) }], registry);

    it('refuses a plain value for users or args, which would not say whether one or all are meant', () => {
      expect(() => plan(() => processes('sshd').user('root' as unknown as { contains: string }))).to.throw(
        SpecError,
        /this attribute is a list/,
      );
      expect(() => plan(() => processes('sshd').args({ equals: 'x' } as unknown as { contains: string }))).to.throw(
        SpecError,
        /this attribute is a list/,
      );
      expect(plan(() => processes('sshd').args(/-D/)).checks[0]!.args).to.deep.equal({ matches: '-D' });
      expect(plan(() => processes('sshd').runsAs('root')).checks[0]).to.deep.include({
        matcher: 'user',
        args: { contains: ['root'] },
      });
      expect(plan(() => processes('sshd').not.user({ not: { contains: 'root' } })).checks[0]!.negated).to.equal(true);
    });

    it('refuses empty names and names with a newline or NUL', () => {
      expect(() => plan(() => processes('').running())).to.throw(SpecError);
      expect(() => plan(() => processes('a\nb').running())).to.throw(SpecError, /newline/);
    });

    it('needs no quoting: the query holds no spec data', () => {
      const hostile = "x'; touch /tmp/pwned; '$(id)`id`";
      const check = plan(() => processes(hostile).running()).checks[0]!;
      expect(factQueryFor(check, registry).script).to.equal(PROCESS_TABLE_SCRIPT);
    });
  });
});
