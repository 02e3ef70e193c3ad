/**
 * A fleet of simulated SSH hosts on loopback for the scale benchmark: one in-process ssh2 Server
 * that stands in for many hosts (one user name per host on one port), answers every probe with a
 * recorded probe output, and adds a fixed latency to every round trip. Dead hosts are a port that
 * refuses connections and a port that accepts them and never says a word.
 *
 * Everything listens on 127.0.0.1 only, and `close()` ends every connection it still holds.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import ssh2 from 'ssh2';

const { Server, utils } = ssh2;

export interface RecordedProbe {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export interface SimulatorOptions {
  /** The host key the simulator proves itself with (OpenSSH private key text). */
  hostKey: string;
  /** The one public key (OpenSSH line) a client may log in with. */
  clientPublicKey: string;
  /** Added to every round trip: incoming bytes are held this long before the server sees them. */
  latencyMs: number;
  /** Answers a probe script; undefined: the script was never recorded (the exec fails loudly). */
  answer(script: string): Promise<RecordedProbe | undefined> | RecordedProbe | undefined;
}

export interface SimulatorPorts {
  /** Every simulated host that is alive logs in here, each with its own user name. */
  live: number;
  /** Nothing listens: connections are refused. */
  refused: number;
  /** Accepts TCP connections and never sends the SSH banner. */
  silent: number;
}

export interface SimulatorStats {
  connections: number;
  logins: number;
  probes: number;
  /** Probes whose script had no recording. */
  unanswered: number;
}

export class FleetSimulator {
  readonly stats: SimulatorStats = { connections: 0, logins: 0, probes: 0, unanswered: 0 };
  private readonly server: InstanceType<typeof Server>;
  private readonly silentServer: NetServer;
  private readonly sockets = new Set<Socket>();
  private readonly clientKey: ssh2.ParsedKey;

  constructor(private readonly options: SimulatorOptions) {
    const parsed = utils.parseKey(options.clientPublicKey);
    if (parsed instanceof Error) throw parsed;
    this.clientKey = parsed;
    this.server = new Server({ hostKeys: [options.hostKey] }, (client) => this.serve(client));
    this.silentServer = createServer((socket) => {
      this.track(socket);
      socket.on('error', () => undefined);
    });
  }

  async listen(): Promise<SimulatorPorts> {
    const plain = createServer((socket) => {
      this.track(socket);
      this.stats.connections++;
      // The TCP handshake's round trip, then every later one, costs the injected latency.
      setTimeout(
        () => this.server.injectSocket(new DelayedSocket(socket, this.options.latencyMs) as unknown as Socket),
        this.options.latencyMs,
      );
    });
    this.plain = plain;
    const live = await listenOnLoopback(plain);
    const silent = await listenOnLoopback(this.silentServer);
    const refused = await unusedLoopbackPort();
    return { live, refused, silent };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(
      [this.plain, this.silentServer].map(
        (server) => new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }

  private plain: NetServer | undefined;

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private serve(client: ssh2.Connection): void {
    client.on('error', () => undefined);
    client.on('authentication', (context) => {
      if (context.method !== 'publickey') return context.reject(['publickey']);
      const key = this.clientKey;
      const sameKey = context.key.algo === key.type && context.key.data.equals(key.getPublicSSH());
      if (!sameKey) return context.reject(['publickey']);
      // Without a signature the client only asks whether the key would do.
      if (!context.signature || !context.blob) return context.accept();
      if (key.verify(context.blob, context.signature, context.hashAlgo) !== true) return context.reject(['publickey']);
      this.stats.logins++;
      context.accept();
    });
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      session.on('exec', (acceptExec, _reject, info) => {
        const channel = acceptExec();
        const chunks: Buffer[] = [];
        channel.on('data', (chunk: Buffer) => chunks.push(chunk));
        channel.on('end', () => void this.reply(channel, info.command, Buffer.concat(chunks).toString('utf8')));
      });
    });
  }

  private async reply(channel: ssh2.ServerChannel, command: string, script: string): Promise<void> {
    this.stats.probes++;
    const recorded = command === '/bin/sh -s' ? await this.options.answer(script) : undefined;
    if (!recorded) {
      this.stats.unanswered++;
      channel.stderr.write(
        `fleet simulator: no recorded answer for "${command}" with a ${script.length}-byte script\n`,
      );
      channel.exit(125);
      channel.end();
      return;
    }
    channel.write(recorded.stdout);
    if (recorded.stderr.length > 0) channel.stderr.write(recorded.stderr);
    channel.exit(recorded.exitCode);
    channel.end();
  }
}

/** The key under which a probe script's answer is recorded. */
export function scriptKey(script: string): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * A socket whose incoming bytes arrive `delayMs` late, in order; outgoing bytes go straight out.
 * Holding only one direction puts the whole round-trip latency on each request and answer pair.
 */
class DelayedSocket extends Duplex {
  constructor(
    private readonly inner: Socket,
    delayMs: number,
  ) {
    super();
    inner.setNoDelay(true);
    inner.on('data', (chunk: Buffer) => setTimeout(() => this.push(chunk), delayMs));
    inner.once('end', () => setTimeout(() => this.push(null), delayMs));
    inner.once('close', () => setTimeout(() => this.destroy(), delayMs));
    inner.on('error', () => undefined);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.destroyed) return callback();
    this.inner.write(chunk, () => callback());
  }

  override _final(callback: () => void): void {
    this.inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.inner.destroy();
    callback(error);
  }
}

function listenOnLoopback(server: NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no loopback port'));
      resolve(address.port);
    });
  });
}

/** A loopback port that nothing listens on: bound by the kernel's choice, then released. */
async function unusedLoopbackPort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
