import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2, {
  type AnyAuthMethod,
  type AuthenticationType,
  type Client,
  type ClientChannel,
  type ServerHostKeyAlgorithm,
} from 'ssh2';
import { probeDeadlineLine } from '../probe/script.js';
import { sshTargetName, type SshAddress } from './address.js';
import { decideHostKey, hostLabel, preferredHostKeyAlgorithms, type HostKeyPolicy } from './host-key-policy.js';
import type { SshCredentials } from './ssh-credentials.js';
import { classifyClientError, classifyNetworkError, isFatalClientError } from './ssh-errors.js';
import { classifyForwardError, viaJumpHost } from './jump-errors.js';
import {
  StdoutCollector,
  TargetUnreachableError,
  type ExecOptions,
  type ExecResult,
  type PhaseListener,
  type Target,
} from './target.js';
import { plainLaunch, PrivilegeError, sudoLaunch, type ProbeLaunch, type SudoSettings } from './privilege.js';
import { ProxyCommandProcess, type ProxyCommandSetting } from './proxy-command.js';

export interface SshTargetOptions {
  address: SshAddress;
  credentials: SshCredentials;
  hostKeys: HostKeyPolicy;
  /** From opening the TCP connection until authenticated. */
  connectTimeoutMs: number;
  /** SSH keepalive: a dead connection is noticed after about interval × (countMax + 1). */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** How reports name the host (default: from address): the host as the user named it, before ssh_config's HostName. */
  name?: string;
  /** Jump hosts, first hop first: each reached through the one before it (ProxyJump, --jump). */
  jumps?: readonly SshHop[];
  /** --sudo: the whole probe runs through sudo, once per exec (privilege.ts). */
  sudo?: SudoSettings;
  /** ProxyCommand (ssh_config, --proxy-command, an inventory's proxyCommand): its stdio is the transport. */
  proxyCommand?: ProxyCommandSetting;
}

/** One host on the way: where to connect and how to log in. Every hop's key is checked with the same policy. */
export interface SshHop {
  /** `ssh://user@host:port`, for messages. */
  name: string;
  address: SshAddress;
  credentials: SshCredentials;
  /** The command whose stdin and stdout reach the host; only ever used for the first hop. */
  proxyCommand?: ProxyCommandSetting;
}

interface Connection {
  client: Client;
  /** The TCP socket, or the channel a jump host forwards to this host. */
  socket: Duplex;
  sessionsOpened: number;
  /** The jump host connections this one runs through, first hop first; ended after it. */
  jumps: Connection[];
}

/** The channel a logged-in jump host forwards to the next host. */
interface Via {
  name: string;
  connection: Connection;
}

/** The probe is read from stdin by a fixed command, so nothing of the spec is ever on a command line. */
export const REMOTE_SHELL = '/bin/sh';
/** The launch of every target without sudo: one shared object, not one per host of a fleet. */
const PLAIN_LAUNCH: ProbeLaunch = Object.freeze(plainLaunch(REMOTE_SHELL));
export const REMOTE_COMMAND = PLAIN_LAUNCH.command;

/** How long a killed probe's channel may take to close before the connection is dropped. */
const CLOSE_GRACE_MS = 1000;

/**
 * A host reached over SSH (ssh2, no OpenSSH binary): one connection, reused by every exec, and at
 * most one session channel open on it at a time (sshd's MaxSessions).
 */
export class SshTarget implements Target {
  readonly name: string;
  /** Set when the host key was trusted only because --accept-new-host-keys allowed it. */
  acceptedNewHostKey: string | undefined;
  private connection: Promise<Connection> | undefined;
  /** The connection connectEarly opened, kept for the first exec even when it failed. */
  private early: Promise<Connection> | undefined;
  /** The last exec still running, which the next one waits for; none at rest (a fleet holds every target). */
  private queue: Promise<void> | undefined;
  private closed = false;
  /** Abandons a connection attempt still in progress, so close() never waits for the connect timeout. */
  private abandonConnecting: (() => void) | undefined;
  /** The command sshd runs and what goes before the script on its stdin. */
  private readonly launch: ProbeLaunch;

  constructor(private readonly options: SshTargetOptions) {
    this.name = options.name ?? sshTargetName(options.address);
    this.launch = options.sudo
      ? sudoLaunch(options.sudo, { shell: REMOTE_SHELL, loginUser: options.address.user })
      : PLAIN_LAUNCH;
  }

  exec(script: string, options: ExecOptions): Promise<ExecResult> {
    const run = async () => {
      const connection = await this.usableConnection(options.onPhase);
      const result = await runProbe(connection, this.launch, script, options, this.hostLabel());
      const refusal = this.launch.diagnose(result);
      if (refusal) throw new PrivilegeError(refusal);
      return result;
    };
    const result = (this.queue ?? Promise.resolve()).then(run, run);
    // The queue keeps only the order, not the output: a fleet run holds every finished target
    // until the report is written, and with it each host's whole probe output (measured in bench/).
    const queued = result.then(
      () => undefined,
      () => undefined,
    );
    this.queue = queued;
    void queued.then(() => {
      if (this.queue === queued) this.queue = undefined;
    });
    return result;
  }

  connectEarly(onPhase?: PhaseListener): void {
    if (this.closed || this.connection) return;
    this.early = this.connect(onPhase);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.early = undefined;
    this.abandonConnecting?.();
    const connection = this.connection;
    this.connection = undefined;
    if (!connection) return;
    const open = await connection.catch(() => undefined);
    if (open) await endConnection(open);
  }

  /** The open connection, or a new one when the last was lost or dropped after a timeout. */
  private async usableConnection(onPhase: PhaseListener | undefined): Promise<Connection> {
    // A connection opened early that failed is this exec's failure: the host is not tried twice.
    const current = this.early ?? this.connect(onPhase);
    this.early = undefined;
    const open = await current;
    if (!open.socket.destroyed && open.socket.writable) return open;
    this.forget(current);
    return this.connect(onPhase);
  }

  private connect(onPhase: PhaseListener | undefined): Promise<Connection> {
    if (this.closed) return Promise.reject(new Error(`${this.name}: the target was closed`));
    if (!this.connection) {
      const connection = this.openConnection(onPhase);
      this.connection = connection;
      connection.then(
        (open) => open.client.once('close', () => this.forget(connection)),
        () => this.forget(connection),
      );
    }
    return this.connection;
  }

  /** A failed or lost connection is not reused: the next exec connects afresh. */
  private forget(connection: Promise<Connection>): void {
    if (this.connection === connection) this.connection = undefined;
  }

  private hostLabel(): string {
    return hostLabel(this.options.address.host, this.options.address.port);
  }

  /** Logs in to each jump host through the one before it, then to the target through the last. */
  private async openConnection(onPhase: PhaseListener | undefined): Promise<Connection> {
    const jumps: Connection[] = [];
    let via: Via | undefined;
    try {
      for (const hop of this.options.jumps ?? []) {
        const connection = await this.login(hop, 'jump', via, onPhase);
        jumps.push(connection);
        via = { name: hop.name, connection };
      }
      const { address, credentials, proxyCommand } = this.options;
      const target: SshHop = { name: this.name, address, credentials, ...(proxyCommand ? { proxyCommand } : {}) };
      const connection = await this.login(target, 'target', via, onPhase);
      connection.jumps = jumps;
      if (jumps.length > 0) connection.client.once('close', () => void endJumps(jumps));
      return connection;
    } catch (error) {
      await endJumps(jumps);
      throw error;
    }
  }

  /**
   * One hop: a TCP connection (the first hop) or a channel forwarded by the previous hop, then SSH
   * with the host key checked and the login, all within the connect timeout. A jump host's failure
   * is told as "via jump host …", a forwarding failure as the forwarding host's.
   */
  private login(
    hop: SshHop,
    role: 'jump' | 'target',
    via: Via | undefined,
    onPhase: PhaseListener | undefined,
  ): Promise<Connection> {
    const { connectTimeoutMs } = this.options;
    const { address } = hop;
    const label = hostLabel(address.host, address.port);
    return new Promise<Connection>((resolve, reject) => {
      let phase: 'transport' | 'ssh' | 'settled' = 'transport';
      let stream: Duplex | undefined;
      let hostKeyRefusal: string | undefined;
      const auth = new AuthSequence(address.user, hop.credentials);
      const ofThisHop = (error: TargetUnreachableError) => (role === 'jump' ? viaJumpHost(hop.name, error) : error);
      const ofForwardingHop = (error: TargetUnreachableError) =>
        via ? viaJumpHost(via.name, error) : ofThisHop(error);
      const fail = (error: TargetUnreachableError) => {
        if (phase === 'settled') return;
        phase = 'settled';
        this.abandonConnecting = undefined;
        clearTimeout(deadline);
        stream?.destroy();
        reject(error);
      };
      let proxy: ProxyCommandProcess | undefined;
      const deadline = setTimeout(() => {
        const seconds = connectTimeoutMs / 1000;
        if (proxy) return fail(ofThisHop(new TargetUnreachableError('timeout', proxy.describeTimeout(seconds))));
        fail(
          phase === 'transport'
            ? ofForwardingHop(
                new TargetUnreachableError(
                  'timeout',
                  `no answer from ${label} within the ${seconds} s connect timeout ` +
                    '(host down, or packets dropped on the way)',
                ),
              )
            : ofThisHop(
                new TargetUnreachableError(
                  'timeout',
                  `${label} accepted the TCP connection but SSH did not finish logging in ` +
                    `within the ${seconds} s connect timeout`,
                ),
              ),
        );
      }, connectTimeoutMs);
      this.abandonConnecting = () =>
        fail(
          new TargetUnreachableError(
            'other',
            `the connection to ${label} was abandoned: the target was closed while connecting`,
          ),
        );
      if (this.closed) return this.abandonConnecting();

      const startSsh = (opened: Duplex) => {
        phase = 'ssh';
        const viaProxy = proxy;
        const client = new ssh2.Client();
        client.on('error', (error: Error & { level?: string }) => {
          if (!isFatalClientError(error)) return auth.note(error.message);
          if (hostKeyRefusal !== undefined)
            return fail(ofThisHop(new TargetUnreachableError('host-key', hostKeyRefusal)));
          const classified = classifyClientError(error, label, auth.describe());
          if (!viaProxy || classified.kind === 'auth') return fail(ofThisHop(classified));
          void proxyEnd(viaProxy).then((ended) => fail(ofThisHop(ended ?? throughProxy(classified, viaProxy))));
        });
        client.once('close', () => {
          const closed = new TargetUnreachableError('network', `${label} closed the connection before login finished`);
          if (!viaProxy) return fail(ofThisHop(closed));
          void proxyEnd(viaProxy).then((ended) => fail(ofThisHop(ended ?? throughProxy(closed, viaProxy))));
        });
        if (viaProxy) client.once('close', () => viaProxy.kill());
        client.once('ready', () => {
          if (phase === 'settled') return;
          phase = 'settled';
          this.abandonConnecting = undefined;
          clearTimeout(deadline);
          if (role === 'target') onPhase?.('ssh-ready');
          resolve({ client, socket: opened, sessionsOpened: 0, jumps: [] });
        });
        try {
          client.connect({
            sock: opened,
            username: address.user,
            algorithms: {
              serverHostKey: preferredHostKeyAlgorithms(
                this.options.hostKeys,
                address.host,
                address.port,
              ) as ServerHostKeyAlgorithm[],
            },
            hostVerifier: (key: Buffer) => {
              const decision = decideHostKey(this.options.hostKeys, address.host, address.port, key);
              if (!decision.accepted) {
                hostKeyRefusal = decision.message;
                return false;
              }
              if (decision.how === 'accepted-new' && role === 'target') this.acceptedNewHostKey = decision.fingerprint;
              return true;
            },
            authHandler: (methodsLeft, _partial, next) => auth.next(methodsLeft, next),
            keepaliveInterval: this.options.keepaliveIntervalMs ?? 15_000,
            keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
            // The connect timeout above covers the handshake too.
            readyTimeout: 0,
          });
        } catch (error) {
          fail(
            ofThisHop(
              new TargetUnreachableError('other', `cannot start SSH with ${label}: ${(error as Error).message}`),
            ),
          );
        }
      };

      if (via) {
        const forwarded = (error: Error | undefined, channel: ClientChannel) => {
          if (error) return fail(ofForwardingHop(classifyForwardError(error, label)));
          stream = channel;
          if (phase === 'settled') return void channel.destroy();
          startSsh(channel);
        };
        try {
          via.connection.client.forwardOut('127.0.0.1', 0, address.host, address.port, forwarded);
        } catch (error) {
          fail(
            ofForwardingHop(
              new TargetUnreachableError(
                'network',
                `the connection was lost before it could forward to ${label}: ${(error as Error).message}`,
              ),
            ),
          );
        }
        return;
      }
      if (hop.proxyCommand) {
        proxy = new ProxyCommandProcess(hop.proxyCommand);
        stream = proxy.stream;
        return startSsh(proxy.stream);
      }
      const socket = connectTcp({ host: address.host, port: address.port });
      stream = socket;
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 15_000);
      socket.once('error', (error) => fail(ofThisHop(classifyNetworkError(error, label))));
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        // The first hop's TCP connection: the only one a route through jump hosts opens.
        onPhase?.('tcp-connected');
        startSsh(socket);
      });
    });
  }
}

/** Tries each key, then the agent, then the password, skipping what the server does not accept. */
class AuthSequence {
  private readonly methods: { type: AuthenticationType; method: AnyAuthMethod; label: string }[] = [];
  private readonly tried: string[] = [];
  private readonly notes: string[] = [];
  private serverAccepts: string[] | undefined;
  private position = 0;

  constructor(
    private readonly username: string,
    credentials: SshCredentials,
  ) {
    for (const unusable of credentials.unusable ?? []) this.notes.push(`skipped ${unusable}`);
    for (const identity of credentials.identities) {
      this.methods.push({
        type: 'publickey',
        method: { type: 'publickey', username, key: identity.key },
        label: `key ${identity.description}`,
      });
    }
    if (credentials.agentSocket) {
      this.methods.push({
        type: 'publickey',
        method: { type: 'agent', username, agent: credentials.agentSocket },
        label: `ssh-agent (${credentials.agentSocket})`,
      });
    }
    if (credentials.password !== undefined) {
      this.methods.push({
        type: 'password',
        method: { type: 'password', username, password: credentials.password },
        label: 'password (DRIFTSPEC_SSH_PASSWORD)',
      });
    }
  }

  next(methodsLeft: AuthenticationType[] | null, next: (method: AnyAuthMethod) => void): void {
    if (methodsLeft) this.serverAccepts = methodsLeft;
    while (this.position < this.methods.length) {
      const candidate = this.methods[this.position++]!;
      if (methodsLeft && !methodsLeft.includes(candidate.type)) continue;
      this.tried.push(candidate.label);
      next(candidate.method);
      return;
    }
    (next as unknown as (method: false) => void)(false);
  }

  note(message: string): void {
    this.notes.push(message);
  }

  describe(): string {
    const tried =
      this.tried.length > 0
        ? `tried ${this.tried.join(', ')}`
        : 'no key, agent or password to try (use --identity, SSH_AUTH_SOCK or DRIFTSPEC_SSH_PASSWORD)';
    const accepts = this.serverAccepts ? `; the server accepts: ${this.serverAccepts.join(', ')}` : '';
    const notes = this.notes.length > 0 ? `; ${this.notes.join('; ')}` : '';
    return `as ${JSON.stringify(this.username)}: ${tried}${accepts}${notes}`;
  }
}

/** One session channel: the script on stdin, stdout and stderr as bytes, the exit status or signal. */
async function runProbe(
  connection: Connection,
  launch: ProbeLaunch,
  script: string,
  options: ExecOptions,
  label: string,
): Promise<ExecResult> {
  const channel = await openSession(connection, launch.command, label);
  connection.sessionsOpened++;
  // The deadline lets the probe end itself: sshd refuses to signal a root login's session.
  // Written before the script, not joined to it: the script is one string shared by every host.
  const head = launch.stdinPrefix() + probeDeadlineLine(options.timeoutMs);
  return collectProbe(connection, channel, [head, script], options, label);
}

/** Delays before asking again when sshd refuses a session on a connection that had one. */
const SESSION_RETRY_DELAYS_MS = [25, 50, 100, 200, 400, 800];

/**
 * sshd releases a finished session only after it has closed the channel, a moment after the
 * client sees the close, so under `MaxSessions 1` the next session can be refused
 * ("open failed") for a few milliseconds. That, and only on a connection that already had a
 * session, is retried.
 */
async function openSession(connection: Connection, command: string, label: string): Promise<ClientChannel> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await execChannel(connection.client, command);
    } catch (error) {
      const refused = SESSION_REFUSALS.includes((error as { reason?: unknown }).reason);
      const delay = SESSION_RETRY_DELAYS_MS[attempt];
      if (refused && connection.sessionsOpened > 0 && delay !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      if (connection.socket.destroyed)
        throw new TargetUnreachableError('network', `the connection to ${label} was lost before the probe started`);
      throw new TargetUnreachableError(
        'other',
        `${label} refused to open a session for the probe: ${(error as Error).message}`,
      );
    }
  }
}

/**
 * RFC 4254 reason codes: administratively prohibited, and connect failed, which OpenSSH sends
 * (with "open failed") when MaxSessions is reached.
 */
const SESSION_REFUSALS: readonly unknown[] = [1, 2];

function execChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (error: Error | undefined, channel: ClientChannel) =>
        error ? reject(error) : resolve(channel),
      );
    } catch (error) {
      reject(error as Error);
    }
  });
}

function collectProbe(
  connection: Connection,
  channel: ClientChannel,
  stdin: readonly string[],
  { timeoutMs, onStdout, onPhase }: ExecOptions,
  label: string,
): Promise<ExecResult> {
  const { client } = connection;
  return new Promise<ExecResult>((resolve, reject) => {
    const stdout = new StdoutCollector(onStdout);
    const stderr: Buffer[] = [];
    let exitCode: number | null = null;
    let signal: string | null = null;
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      client.removeListener('close', onConnectionLost);
      outcome();
    };
    const result = (): ExecResult => ({
      stdout: stdout.bytes(),
      stderr: Buffer.concat(stderr),
      exitCode,
      signal,
      timedOut,
    });
    const onConnectionLost = () =>
      finish(() =>
        timedOut
          ? resolve(result())
          : reject(new TargetUnreachableError('network', `the connection to ${label} was lost while the probe ran`)),
      );
    client.once('close', onConnectionLost);
    const timer = setTimeout(() => {
      timedOut = true;
      killSession(channel);
      channel.close();
      graceTimer = setTimeout(() => {
        connection.socket.destroy();
        finish(() => resolve(result()));
      }, CLOSE_GRACE_MS);
    }, timeoutMs);
    let firstByte = true;
    channel.on('data', (chunk: Buffer) => {
      if (firstByte) onPhase?.('first-byte');
      firstByte = false;
      stdout.add(chunk);
    });
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    channel.on('exit', (code: number | null, signalName?: string) => {
      if (typeof code === 'number') exitCode = code;
      else if (signalName) signal = signalName.startsWith('SIG') ? signalName : `SIG${signalName}`;
    });
    channel.on('close', () => {
      onPhase?.('probe-done');
      finish(() => resolve(result()));
    });
    channel.on('error', () => undefined);
    for (const part of stdin.slice(0, -1)) channel.write(part);
    channel.end(stdin.at(-1));
    onPhase?.('probe-sent');
  });
}

/**
 * Asks sshd to SIGKILL the session's process group. ssh2's `channel.signal()` sends nothing once
 * stdin is closed (the probe's always is) although the protocol allows the request at any time,
 * so it goes through ssh2's protocol object. OpenSSH honours it only for non-root logins (for
 * root it answers "session signalling requires privilege separation"); otherwise the probe's
 * shell dies of SIGPIPE at its next output once the channel is gone, and a command it is
 * waiting for runs on until it finishes.
 */
function killSession(channel: ClientChannel): void {
  const internals = channel as unknown as {
    _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
    outgoing?: { id?: number };
  };
  const protocol = internals._client?._protocol;
  const id = internals.outgoing?.id;
  if (typeof protocol?.signal !== 'function' || typeof id !== 'number') return;
  try {
    protocol.signal(id, 'KILL');
  } catch {
    // The connection is already gone.
  }
}

/** How long a failed login waits for the ProxyCommand to exit, for its status and stderr. */
const PROXY_EXIT_WAIT_MS = 500;

/** The ProxyCommand's own account of the failure, once it has exited; undefined while it still runs. */
async function proxyEnd(proxy: ProxyCommandProcess): Promise<TargetUnreachableError | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, PROXY_EXIT_WAIT_MS);
  });
  await Promise.race([proxy.exited, waited]);
  clearTimeout(timer);
  return proxy.hasExited ? new TargetUnreachableError('network', proxy.describeEnd()) : undefined;
}

function throughProxy(error: TargetUnreachableError, proxy: ProxyCommandProcess): TargetUnreachableError {
  return new TargetUnreachableError(error.kind, `${error.message} (through ${proxy.describeCommand()})`);
}

async function endConnection(connection: Connection): Promise<void> {
  await endClient(connection);
  await endJumps(connection.jumps);
}

/** Last hop first, each after the one it forwards for has gone. */
async function endJumps(jumps: readonly Connection[]): Promise<void> {
  for (const jump of [...jumps].reverse()) await endClient(jump);
}

function endClient({ client, socket }: Connection): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, CLOSE_GRACE_MS);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}
