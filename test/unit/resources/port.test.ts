import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { control, planSpecs, resourceFunction, spec } from '../../../src/dsl/spec.js';
import { factQueryFor } from '../../../src/engine/queries.js';
import { SpecError } from '../../../src/inputs/input-error.js';
import type { Frame } from '../../../src/probe/frames.js';
import type { HostFacts } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  decodeProcAddress,
  formatIPv6,
  normaliseAddress,
  parseSocketTable,
  portResource,
  selectPort,
  LISTENER_TABLE_SCRIPT,
  SOCKET_TABLE_SCRIPT,
  type SocketTable,
} from '../../../src/resources/port/index.js';
import { FactError } from '../../../src/resources/resource.js';
import { fixturePath, frame, hostFacts, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines, statuses } from '../../support/judge.js';

const port = resourceFunction(portResource);
const registry = createRegistry([portResource]);

/** Each check's result as a `status: message` line. */
const judge = (body: () => void, probeFrame: Frame, host?: HostFacts) =>
  resultLines(judgeFrame(registry, () => control('c', body), probeFrame, host));

interface Recorded {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  setup?: Record<string, unknown>;
}

function readRecording(relativePath: string): Recorded {
  return JSON.parse(readFileSync(fixturePath(relativePath), 'utf8')) as Recorded;
}

/**
 * The port query's output on the booted Debian 12 test bed, put together from the real outputs
 * recorded there one command at a time (the tables, `ls -l /proc/[0-9]*\/fd`, the stat loop).
 * No byte-order line: the parser falls back on the architecture (x86_64).
 */
function debianFrame(): Frame {
  const part = (name: string) => readRecording(`recorded/debian12/${name}.json`);
  const table = (file: string) => {
    const r = part(`proc-net-${file}`);
    return `@ds:table ${file}\n${r.stdout}\n@ds:end ${r.exitCode}\n`;
  };
  const fds = part('proc-fd-ls');
  const stat = part('proc-pid-stat-loop');
  const stdout =
    `${table('tcp')}${table('tcp6')}${table('udp')}${table('udp6')}@ds:fds -l\n${fds.stdout}\n@ds:end ` +
    `${fds.exitCode}\n@ds:stat\n${stat.stdout}@ds:end 0\n`;
  return frame(stdout, 0, fds.stderr);
}

/** What `ss -H -tulpn` said on the same test bed: "family address port" → process names. */
function ssListeners(): Map<string, string[]> {
  const listeners = new Map<string, string[]>();
  for (const line of readRecording('recorded/debian12/ss-tulpn.json').stdout.split('\n')) {
    const match = /^(tcp|udp)\s+\S+\s+\d+\s+\d+\s+(\S+):(\d+)\s+\S+\s+users:\((.*)\)\s*$/.exec(line);
    if (!match) continue;
    const [, proto, rawAddress = '', portText, users = ''] = match;
    // ss prints a dual-stack IPv6 socket bound to :: as "*", and IPv6 addresses in brackets.
    const v6 = rawAddress === '*' || rawAddress.startsWith('[');
    const address = rawAddress === '*' ? '::' : rawAddress.replace(/^\[|\]$/g, '');
    const names = [...new Set([...users.matchAll(/\("([^"]+)"/g)].map((m) => m[1]!))].sort();
    listeners.set(`${proto}${v6 ? 6 : 4} ${address} ${portText}`, names);
  }
  return listeners;
}

describe('port resource', () => {
  describe('addresses as /proc/net prints them', () => {
    it('decodes IPv4 words in little- and big-endian byte order', () => {
      expect(decodeProcAddress('0100007F', true)).to.equal('127.0.0.1');
      expect(decodeProcAddress('7F000001', false)).to.equal('127.0.0.1');
      expect(decodeProcAddress('00000000', true)).to.equal('0.0.0.0');
      expect(decodeProcAddress('02E7E70A', true)).to.equal('10.231.231.2');
    });

    it('decodes IPv6 as four words, and shows IPv4-mapped addresses in dotted form', () => {
      expect(decodeProcAddress('00000000000000000000000001000000', true)).to.equal('::1');
      expect(decodeProcAddress('00000000000000000000000000000000', true)).to.equal('::');
      expect(decodeProcAddress('0000000000000000FFFF00000100007F', true)).to.equal('::ffff:127.0.0.1');
      expect(decodeProcAddress('000080FE000000000000000001000000', true)).to.equal('fe80::1');
      expect(decodeProcAddress('FE800000000000000000000000000001', false)).to.equal('fe80::1');
      expect(decodeProcAddress('B80D0120000000000000000001000000', true)).to.equal('2001:db8::1');
    });

    it('compresses IPv6 the RFC 5952 way', () => {
      const bytes = (groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);
      expect(formatIPv6(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]))).to.equal('2001:db8::1:0:0:1');
      expect(formatIPv6(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]))).to.equal('2001:db8:0:1:1:1:1:1');
      expect(formatIPv6(bytes([0x2001, 0, 0, 1, 0, 0, 0, 1]))).to.equal('2001:0:0:1::1');
      expect(formatIPv6(bytes([1, 2, 3, 4, 5, 6, 7, 0]))).to.equal('1:2:3:4:5:6:7:0');
    });

    it('normalises the address a spec names, and rejects what is not an address', () => {
      expect(normaliseAddress('127.0.0.1')).to.equal('127.0.0.1');
      expect(normaliseAddress('[::1]')).to.equal('::1');
      expect(normaliseAddress('0:0:0:0:0:0:0:0')).to.equal('::');
      expect(normaliseAddress('FE80:0000::0001')).to.equal('fe80::1');
      expect(normaliseAddress('::FFFF:127.0.0.1')).to.equal('::ffff:127.0.0.1');
      expect(normaliseAddress('localhost')).to.equal(undefined);
      expect(normaliseAddress('fe80::1%eth0')).to.equal(undefined);
      expect(normaliseAddress('256.0.0.1')).to.equal(undefined);
    });
  });

  describe('parsing the real Debian 12 tables', () => {
    const table = () => parseSocketTable(debianFrame(), hostFacts());

    it('finds exactly the listeners ss found, with the same processes', () => {
      const parsed = table();
      const ours = new Map<string, string[]>();
      for (const socket of parsed.listening) {
        const fact = selectPort(parsed, socket.port, hostFacts());
        const entry = fact.sockets.find((s) => s.family === socket.family && s.address === socket.address)!;
        ours.set(`${socket.family} ${socket.address} ${socket.port}`, entry.processes ?? ['unknown']);
      }
      expect(Object.fromEntries(ours)).to.deep.equal(Object.fromEntries(ssListeners()));
    });

    it('counts the established ssh connection on port 22 as nothing', () => {
      const sockets = table().listening.filter((s) => s.port === 22);
      expect(sockets.map((s) => `${s.family} ${s.address}`).sort()).to.deep.equal(['tcp4 0.0.0.0', 'tcp6 ::']);
    });

    it('judges listening, addresses and process', () => {
      const results = judge(() => {
        port(22)
          .listening()
          .listening({ protocol: 'tcp' })
          .listening({ protocol: 'tcp4', address: '0.0.0.0' })
          .listening({ protocol: 'tcp6', address: '::' });
        port(22).not.listening({ protocol: 'udp' }).not.listening({ address: '127.0.0.1' });
        port(22).process({ contains: 'sshd' }).heldBy('sshd').not.process({ contains: 'nginx' });
        port(22).addresses({ contains: ['tcp4 0.0.0.0', 'tcp6 ::'] });
        port(80).process({ contains: 'nginx' });
        port(8081).listening({ address: '127.0.0.1' }).not.listening({ address: '0.0.0.0' });
        port(8082).listening({ protocol: 'tcp6', address: '[::1]' });
        port(5353).listening({ protocol: 'udp4' }).not.listening({ protocol: 'tcp' });
        port(5354).listening({ protocol: 'udp' }).addresses({ contains: 'udp6 ::' });
        port(9).not.listening();
      }, debianFrame());
      expect(results.filter((r) => !r.startsWith('passed'))).to.deep.equal([]);
    });

    it('explains failures with what does listen', () => {
      const results = judge(() => {
        port(8081).listening({ address: '0.0.0.0' });
        port(9).listening();
        port(9).addresses({ contains: 'tcp4 0.0.0.0' });
        port(9).not.addresses({ contains: 'tcp4 0.0.0.0' });
        port(9).process({ contains: 'sshd' });
        port(22).process({ contains: 'nginx' });
      }, debianFrame());
      expect(results).to.deep.equal([
        'failed: expected port 8081 to be listening at 0.0.0.0, but it listens only on tcp4 127.0.0.1',
        'failed: expected port 9 to be listening, but nothing listens on port 9',
        'failed: expected port 9 to listen on addresses containing "tcp4 0.0.0.0", but nothing listens on port 9',
        'failed: expected port 9 not to listen on addresses containing "tcp4 0.0.0.0", but nothing listens on port 9',
        'failed: expected port 9 to be held by processes containing "sshd", but nothing listens on port 9',
        'failed: expected port 22 to be held by processes containing "nginx", but got ["sshd"]',
      ]);
    });
  });

  describe('real tables recorded on this kind of machine (TIME_WAIT, ESTABLISHED, UDP, IPv6)', () => {
    const root = () => readRecording('local/port/sockets-root.json');
    const setup = () =>
      root().setup as {
        ports: Record<string, number>;
        establishedClientPort: number;
        timeWaitClientPort: number;
        connectedUdpPort: number;
      };

    it('recorded the real query', () => {
      expect(root().command).to.equal(SOCKET_TABLE_SCRIPT);
    });

    it('sees each listener with its family, address and owner', () => {
      const { ports } = setup();
      const results = judge(() => {
        port(ports.tcp4!)
          .listening({ protocol: 'tcp4', address: '127.0.0.1' })
          .not.listening({ protocol: 'tcp6' })
          .process({ contains: 'node' });
        port(ports.tcp6!)
          .listening({ protocol: 'tcp6', address: '::1' })
          .not.listening({ protocol: 'tcp4' })
          .addresses({ contains: 'tcp6 ::1' });
        port(ports.udp4!)
          .listening({ protocol: 'udp', address: '127.0.0.1' })
          .not.listening({ protocol: 'tcp' })
          .heldBy('node');
        port(ports.udp6!).listening({ protocol: 'udp6', address: '::1' });
        // Bound by a dual-stack socket to ::ffff:127.0.0.1: the same local address as 127.0.0.1.
        port(ports.tcp6Mapped!)
          .listening({ protocol: 'tcp6', address: '127.0.0.1' })
          .listening({ address: '::ffff:127.0.0.1' })
          .addresses({ contains: 'tcp6 ::ffff:127.0.0.1' });
      }, recordedFrame('local/port/sockets-root.json'));
      expect(results.filter((r) => !r.startsWith('passed'))).to.deep.equal([]);
    });

    it('does not count ESTABLISHED, TIME_WAIT or connected UDP sockets as listening', () => {
      const { establishedClientPort, timeWaitClientPort, connectedUdpPort } = setup();
      const raw = root().stdout;
      const hex = (n: number) => `:${n.toString(16).toUpperCase().padStart(4, '0')} `;
      // The recording really holds those sockets, in those states (01 ESTABLISHED, 06 TIME_WAIT).
      expect(raw).to.match(new RegExp(`${hex(establishedClientPort)}\\S+ 01 `));
      expect(raw).to.match(new RegExp(`${hex(timeWaitClientPort)}\\S+ 06 `));
      expect(raw).to.match(new RegExp(`${hex(connectedUdpPort)}\\S+ 01 `));
      const results = judge(() => {
        port(establishedClientPort).not.listening();
        port(timeWaitClientPort).not.listening();
        port(connectedUdpPort).not.listening();
      }, recordedFrame('local/port/sockets-root.json'));
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed']);
    });

    it('as a non-root user: listening still works, owners are an error, never a guess', () => {
      const { ports } = setup();
      const nonRoot = hostFacts({ uid: 65534 });
      const results = judge(
        () => {
          port(ports.tcp4!).listening();
          port(ports.tcp4!).process({ contains: 'node' });
          port(ports.tcp4!).not.process({ contains: 'nginx' });
        },
        recordedFrame('local/port/sockets-nonroot.json'),
        nonRoot,
      );
      expect(statuses(results)).to.deep.equal(['passed', 'error', 'error']);
      expect(results[1]).to.include('non-root user (uid 65534)');
      const parsed = parseSocketTable(recordedFrame('local/port/sockets-nonroot.json'), nonRoot);
      expect(parsed.unreadablePids).to.deep.equal([(root().setup as { ownerPid: number }).ownerPid]);
    });
  });

  describe('edge cases of the query output', () => {
    const header4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
    const header6 =
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr ' +
      'tm->when retrnsmt   uid  timeout inode';
    const line4 = (local: string, state: string, inode: number) =>
      `   0: ${local} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 ` +
      `0000000000000000 100 0 0 10 0`;
    const section = (file: string, lines: string[], status = 0) =>
      `@ds:table ${file}\n${[file.endsWith('6') ? header6 : header4, ...lines].join('\n')}\n\n@ds:end ${status}\n`;
    const tail = (fds: string, stat: string, lsStatus = 0) =>
      `@ds:byte-order  00000001\n@ds:fds -lq\n${fds}\n@ds:end ${lsStatus}\n@ds:stat\n${stat}\n@ds:end 0\n`;
    const fdLine = (fd: number, target: string) => `lrwx------ 1 root root 64 Nov 26 23:17 ${fd} -> ${target}`;
    const sshd = (inode: number) => `/proc/36/fd:\ntotal 0\n${fdLine(3, `socket:[${inode}]`)}`;
    const sshdStat = '36 (sshd) S 1 36 36 0 -1 4194560 1257 67288 0 0 1 9 170 149 20 0 1 0 55859';
    const listen22 = line4('00000000:0016', '0A', 500);

    function build(tables: string, fds = sshd(500), stat = sshdStat, lsStatus = 0): Frame {
      return frame(`${tables}${tail(fds, stat, lsStatus)}`);
    }
    const allTables = (tcp: string[] = [listen22]) =>
      `${section('tcp', tcp)}${section('tcp6', [])}${section('udp', [])}${section('udp6', [])}`;

    it('lists the processes holding sockets only for checks that ask for them', () => {
      const listenersOnly = frame(`${allTables()}@ds:byte-order  00000001\n`);
      const table = parseSocketTable(listenersOnly, hostFacts(), { owners: false });
      expect(table.listening.map((s) => s.port)).to.deep.equal([22]);
      expect(table.ownerListingProblem).to.match(/not listed/);
      expect(statuses(judge(() => port(22).listening().not.listening(), listenersOnly))).to.deep.equal([
        'passed',
        'failed',
      ]);
      expect(() => parseSocketTable(listenersOnly, hostFacts())).to.throw(FactError, /no process listing/);
    });

    it('accepts a machine without IPv6 tables', () => {
      const noV6 = `${section('tcp', [listen22])}@ds:no-table tcp6\n${section('udp', [])}@ds:no-table udp6\n`;
      expect(
        statuses(
          judge(() => port(22).listening({ protocol: 'tcp4' }).not.listening({ protocol: 'tcp6' }), build(noV6)),
        ),
      ).to.deep.equal(['passed', 'passed']);
    });

    it('is an error, never "not listening", without /proc/net/tcp', () => {
      const noTcp = `@ds:no-table tcp\n@ds:no-table tcp6\n${section('udp', [])}@ds:no-table udp6\n`;
      const results = judge(() => port(22).not.listening(), build(noTcp));
      expect(results).to.deep.equal([
        'error: could not check port 22: /proc/net/tcp does not exist: /proc is not mounted, so no socket can be seen',
      ]);
    });

    it('is an error when a table could not be read', () => {
      const unreadable = `${section('tcp', [], 1)}${section('tcp6', [])}${section('udp', [])}${section('udp6', [])}`;
      expect(() =>
        parseSocketTable(
          frame(`${unreadable}${tail('', '')}`, 0, 'cat: /proc/net/tcp: Permission denied'),
          hostFacts(),
        ),
      ).to.throw(
        FactError,
        /\/proc\/net\/tcp could not be read \(cat exited 1\): cat: \/proc\/net\/tcp: Permission denied/,
      );
    });

    it('is an error when the output is cut short, garbled, or the shell failed', () => {
      const cut = `${section('tcp', [listen22])}@ds:table tcp6\n${header6}\n`;
      expect(() => parseSocketTable(frame(cut), hostFacts())).to.throw(FactError, /cut short/);
      expect(() => parseSocketTable(build(allTables(['   0: garbage'])), hostFacts())).to.throw(
        FactError,
        /unexpected line/,
      );
      expect(() => parseSocketTable(build(allTables([line4('0000000000000000:0016', '0A', 1)])), hostFacts())).to.throw(
        FactError,
        /unexpected line/,
      );
      expect(() => parseSocketTable(frame('', 127, 'sh: 1: cat: not found'), hostFacts())).to.throw(
        FactError,
        /exit 127/,
      );
      expect(() => parseSocketTable(frame('', 137), hostFacts())).to.throw(FactError, /signal 9/);
      expect(() => parseSocketTable(frame(`${allTables()}`), hostFacts())).to.throw(FactError, /no process listing/);
      expect(() => parseSocketTable(frame('hello\n'), hostFacts())).to.throw(FactError, /unexpected line "hello"/);
    });

    it('reads big-endian tables', () => {
      const tcp = section('tcp', [line4('7F000001:0016', '0A', 500)]);
      const bigEndian = `${tcp}${section('tcp6', [])}${section('udp', [])}${section('udp6', [])}`;
      const stdout =
        `${bigEndian}@ds:byte-order  01000000\n@ds:fds -lq\n${sshd(500)}\n@ds:end ` +
        `0\n@ds:stat\n${sshdStat}\n@ds:end 0\n`;
      expect(parseSocketTable(frame(stdout), hostFacts()).listening[0]!.address).to.equal('127.0.0.1');
      // Without od, the architecture decides.
      const noOd = stdout.replace('@ds:byte-order  01000000', '@ds:byte-order ');
      expect(parseSocketTable(frame(noOd), hostFacts({ arch: 's390x' })).listening[0]!.address).to.equal('127.0.0.1');
      expect(parseSocketTable(frame(noOd), hostFacts({ arch: 'x86_64' })).listening[0]!.address).to.equal('1.0.0.127');
    });

    it('keeps only TCP LISTEN and unconnected UDP sockets', () => {
      const states = ['01', '06', '08', '0A'].map((st, i) =>
        line4(`0100007F:${(0x1000 + i).toString(16).toUpperCase()}`, st, 600 + i),
      );
      const udp = [line4('00000000:0035', '07', 700), line4('00000000:0036', '01', 701)];
      const stdout =
        `${section('tcp', states)}${section('tcp6', [])}` +
        `${section('udp', udp)}${section('udp6', [])}${tail('', '')}`;
      const listening = parseSocketTable(frame(stdout), hostFacts()).listening.map((s) => `${s.family} ${s.port}`);
      expect(listening).to.deep.equal(['tcp4 4099', 'udp4 53']);
    });

    it('is an error to ask for owners that could not be found, as root too', () => {
      const kernelSocket = build(allTables(), sshd(999));
      const results = judge(() => {
        port(22).listening();
        port(22).process({ contains: 'sshd' });
        port(22).not.process({ contains: 'sshd' });
      }, kernelSocket);
      expect(statuses(results)).to.deep.equal(['passed', 'error', 'error']);
      expect(results[1]).to.include('no process whose open files could be read holds tcp4 0.0.0.0 port 22');
    });

    it('names the processes whose open files could not be read', () => {
      const stderr =
        "ls: cannot read symbolic link '/proc/1/fd/3': Permission denied\nls: cannot open directory '/proc/7/fd': " +
        'Permission denied\n';
      const fds = `/proc/1/fd:\ntotal 0\nlrwx------ 1 root root 64 Nov 26 23:17 3\n${sshd(999)}`;
      const parsed = parseSocketTable(frame(`${allTables()}${tail(fds, sshdStat, 1)}`, 0, stderr), hostFacts());
      expect(parsed.unreadablePids).to.deep.equal([1, 7]);
      expect(selectPort(parsed, 22, hostFacts()).ownerProblem).to.include('unreadable: pids 1, 7');
    });

    it('is an error to ask for owners where ls is missing', () => {
      const results = judge(() => port(22).process({ contains: 'sshd' }), build(allTables(), '', sshdStat, 127));
      expect(results).to.deep.equal([
        'error: could not check port 22: ls is not installed, so the processes holding sockets cannot be listed',
      ]);
    });

    it('treats an owner that ended during the probe as unknown', () => {
      const results = judge(() => port(22).process({ contains: 'sshd' }), build(allTables(), sshd(500), ''));
      expect(results[0]).to.match(/^error: .*ended while the probe ran/);
    });

    it('does not let a file name pose as a socket', () => {
      // What GNU ls without -q would print for a file named "x\nlrwx… 9 -> socket:[500]".
      const forged =
        `/proc/66/fd:\ntotal 0\nlr-x------ 1 root root 64 Nov 26 23:17 4 -> /tmp/x 9 -> ` +
        `socket:[500]\n${sshd(500)}`;
      const parsed = parseSocketTable(build(allTables(), forged, `${sshdStat}\n66 (evil) S 1 66 66 0 -1`), hostFacts());
      expect(parsed.listening[0]!.owners).to.deep.equal([36]);
    });

    it('gives the names of all holders once, sorted', () => {
      const fds =
        `/proc/38/fd:\n${fdLine(5, 'socket:[500]')}\n/proc/39/fd:\n${fdLine(5, 'socket:[500]')}\n` +
        `/proc/1/fd:\n${fdLine(40, 'socket:[500]')}`;
      const stat = '1 (systemd) S 0 1\n38 (nginx) S 1 38\n39 (nginx) S 38 38';
      const fact = selectPort(parseSocketTable(build(allTables(), fds, stat), hostFacts()), 22, hostFacts());
      expect(fact.sockets[0]!.processes).to.deep.equal(['nginx', 'systemd']);
    });
  });

  describe('spec validation', () => {
    const plan = (body: () => void) => planSpecs([{ definition: spec('unit', () => control('c', body)) }], registry);

    it('takes ports 1..65535 as numbers or digit strings', () => {
      expect(plan(() => port('22' as unknown as number).listening()).checks[0]!.subject).to.equal(22);
      expect(() => plan(() => port(0).listening())).to.throw(SpecError, /1\.\.65535/);
      expect(() => plan(() => port(65536).listening())).to.throw(SpecError, /1\.\.65535/);
      expect(() => plan(() => port('http' as unknown as number).listening())).to.throw(SpecError);
    });

    it('stores the normalised address and rejects host names', () => {
      expect(plan(() => port(22).listening({ address: '[::0001]' })).checks[0]!.args).to.deep.equal({ address: '::1' });
      expect(() => plan(() => port(22).listening({ address: 'localhost' }))).to.throw(
        SpecError,
        /not an IPv4 or IPv6 address/,
      );
      expect(() => plan(() => port(22).listening({ protocol: 'sctp' as 'tcp' }))).to.throw(SpecError);
    });

    it('refuses a plain value for a list attribute, which could never be equal', () => {
      expect(() => plan(() => port(22).process('sshd' as unknown as { contains: string }))).to.throw(
        SpecError,
        /this attribute is a list/,
      );
      expect(() => plan(() => port(22).addresses({ gt: 1 } as unknown as { contains: string }))).to.throw(
        SpecError,
        /this attribute is a list/,
      );
      expect(plan(() => port(22).process(/^ssh/)).checks[0]!.args).to.deep.equal({ matches: '^ssh' });
      expect(plan(() => port(22).heldBy('sshd', 'systemd')).checks[0]).to.include({ matcher: 'process' });
    });

    it('needs no quoting: the query holds no spec data', () => {
      const queries = plan(() => {
        port(22).listening();
        port(80).addresses({ contains: ['tcp 0.0.0.0'] });
        port(80).heldBy('nginx');
      }).checks.map((check) => factQueryFor(check, registry));
      expect(queries.map((q) => q.script)).to.deep.equal([
        LISTENER_TABLE_SCRIPT,
        LISTENER_TABLE_SCRIPT,
        SOCKET_TABLE_SCRIPT,
      ]);
      expect(SOCKET_TABLE_SCRIPT.startsWith(LISTENER_TABLE_SCRIPT)).to.equal(true);
    });
  });

  it('exports a schema-valid fact type', () => {
    const table: SocketTable = parseSocketTable(debianFrame(), hostFacts());
    expect(table.listening.length).to.be.greaterThan(5);
  });
});
