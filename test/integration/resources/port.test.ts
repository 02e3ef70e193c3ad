import { existsSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import { expect } from 'chai';
import { control, resourceFunction } from '../../../src/dsl/spec.js';
import { parseSocketTable, portResource, selectPort, SOCKET_TABLE_SCRIPT } from '../../../src/resources/port/index.js';
import { isRoot, requireInCi } from '../../support/environment.js';
import { hostFacts } from '../../support/frames.js';
import { outcomes, runLocally } from '../../support/local.js';
import { runFragment } from '../../fixtures/local/process/run-fragment.js';

const port = resourceFunction(portResource);

function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

function bindUdp(type: 'udp4' | 'udp6', host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve(socket));
  });
}

/** A socket on a port number none of `taken` has, whatever the protocol: each check names one port. */
async function bindUdpApart(type: 'udp4' | 'udp6', host: string, taken: readonly number[]): Promise<dgram.Socket> {
  for (;;) {
    const socket = await bindUdp(type, host);
    if (!taken.includes(socket.address().port)) return socket;
    socket.close();
  }
}

function connect(toPort: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const client = net.connect(toPort, '127.0.0.1', () => resolve(client));
    client.once('error', reject);
  });
}

function failures(lines: string[]): string[] {
  return lines.filter((line) => !line.startsWith('passed'));
}

describe('port resource on this machine', function () {
  this.timeout(60_000);
  const servers: net.Server[] = [];
  const udpSockets: dgram.Socket[] = [];
  const clients: net.Socket[] = [];
  let tcp4 = 0;
  let tcp6 = 0;
  let udp4 = 0;
  let udp6 = 0;
  let established = 0;
  let timeWait = 0;

  before(async () => {
    const v4 = net.createServer((socket) => socket.on('end', () => socket.end()));
    const v6 = net.createServer();
    servers.push(v4, v6);
    tcp4 = await listen(v4, '127.0.0.1');
    // The kernel may hand ::1 the same free port number as 127.0.0.1; the checks need two ports.
    do {
      if (tcp6 !== 0) await new Promise((resolve) => v6.close(resolve));
      tcp6 = await listen(v6, '::1');
    } while (tcp6 === tcp4);
    const u4 = await bindUdpApart('udp4', '127.0.0.1', [tcp4, tcp6]);
    const u6 = await bindUdpApart('udp6', '::1', [tcp4, tcp6, u4.address().port]);
    udpSockets.push(u4, u6);
    udp4 = u4.address().port;
    udp6 = u6.address().port;
    const open = await connect(tcp4);
    clients.push(open);
    established = open.localPort!;
    // The side that closes first keeps the TIME_WAIT end.
    const closing = await connect(tcp4);
    timeWait = closing.localPort!;
    await new Promise<void>((resolve) => {
      closing.on('close', () => resolve());
      closing.end();
    });
  });

  after(() => {
    for (const client of clients) client.destroy();
    for (const socket of udpSockets) socket.close();
    for (const server of servers) server.close();
  });

  it('passes what is true and fails what is not', async () => {
    const result = await runLocally(() => {
      control('listeners', () => {
        port(tcp4)
          .listening()
          .listening({ protocol: 'tcp' })
          .listening({ protocol: 'tcp4', address: '127.0.0.1' })
          .not.listening({ protocol: 'udp' });
        port(tcp4).addresses({ contains: 'tcp4 127.0.0.1' }).not.addresses({ contains: 'tcp4 0.0.0.0' });
        port(tcp6).listening({ protocol: 'tcp6', address: '::1' }).not.listening({ protocol: 'tcp4' });
        port(udp4).listening({ protocol: 'udp4', address: '127.0.0.1' }).not.listening({ protocol: 'tcp' });
        port(udp6).listening({ protocol: 'udp', address: '[::1]' });
        port(established).not.listening();
        port(timeWait).not.listening();
      });
      control('known-false', () => {
        port(tcp4).listening({ protocol: 'udp' });
        port(tcp4).listening({ address: '0.0.0.0' });
        port(tcp4).not.listening();
        port(established).listening();
        port(timeWait).listening();
      });
    }, [portResource]);
    const lines = outcomes(result);
    expect(failures(lines.slice(0, 13))).to.deep.equal([]);
    expect(lines.slice(13)).to.deep.equal([
      `failed: expected port ${tcp4} to be listening on udp, but it listens only on tcp4 127.0.0.1`,
      `failed: expected port ${tcp4} to be listening at 0.0.0.0, but it listens only on tcp4 127.0.0.1`,
      `failed: expected port ${tcp4} not to be listening, but it listens on tcp4 127.0.0.1`,
      `failed: expected port ${established} to be listening, but nothing listens on port ${established}`,
      `failed: expected port ${timeWait} to be listening, but nothing listens on port ${timeWait}`,
    ]);
  });

  it('names the process holding a port (as root)', async function () {
    if (!isRoot()) return requireInCi(this, 'reading other processes’ open files needs root');
    const result = await runLocally(() => {
      control('owners', () => {
        port(tcp4).process({ contains: 'node' }).heldBy('node').not.process({ contains: 'sshd' });
        port(udp6).process({ matches: '^node$' });
        port(timeWait).process({ contains: 'node' });
      });
    }, [portResource]);
    const lines = outcomes(result);
    expect(failures(lines.slice(0, 4))).to.deep.equal([]);
    expect(lines[4]).to.equal(
      `failed: expected port ${timeWait} to be held by processes containing "node", but nothing listens on port ` +
        `${timeWait}`,
    );
  });

  it('as a non-root user (root runs the probe as nobody): listening is known, owners are an error', async function () {
    if (!isRoot()) return requireInCi(this, 'switching to another user needs root');
    const frame = await runFragment(SOCKET_TABLE_SCRIPT, { uid: 65534, gid: 65534 });
    const nobody = hostFacts({ uid: 65534 });
    const fact = selectPort(parseSocketTable(frame, nobody), tcp4, nobody);
    expect(fact.sockets.map((s) => `${s.family} ${s.address} ${s.processes}`)).to.deep.equal(['tcp4 127.0.0.1 null']);
    expect(fact.ownerProblem).to.include('non-root user (uid 65534)');
  });

  for (const shell of [['/bin/bash'], ['/bin/busybox', 'ash']]) {
    it(`gives the same facts under ${shell.join(' ')}`, async function () {
      if (!existsSync(shell[0]!)) return this.skip();
      const under = selectPort(
        parseSocketTable(await runFragment(SOCKET_TABLE_SCRIPT, { shell }), hostFacts()),
        tcp4,
        hostFacts(),
      );
      const dash = selectPort(parseSocketTable(await runFragment(SOCKET_TABLE_SCRIPT), hostFacts()), tcp4, hostFacts());
      expect(under).to.deep.equal(dash);
      expect(under.sockets).to.have.length(1);
    });
  }
});
