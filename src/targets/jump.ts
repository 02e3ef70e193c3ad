// The way to a host: its own settings from ssh_config (HostName, User, Port, IdentityFile) under
// what the user said explicitly, and the jump hosts in front of it (--jump or ProxyJump), each
// resolved the same way. Pure apart from reading key files; connecting is ssh.ts.
import { hostname, userInfo } from 'node:os';
import { SpecError } from '../inputs/input-error.js';
import { currentUser, SshAddressSchema, sshTargetName, type SshAddress } from './address.js';
import type { JumpSpec } from './jump-spec.js';
import type { ProxyCommandSetting } from './proxy-command.js';
import {
  expandIdentityPath,
  expandTokens,
  resolveHostConfig,
  type HostConfig,
  type Sourced,
  type ProxySetting,
} from './ssh-config.js';
import { loadIdentity, type Identity, type SshCredentials } from './ssh-credentials.js';
import type { SshSettings } from './ssh-settings.js';
import type { SshHop, SshTargetOptions } from './ssh.js';

/** Longer chains are surely a loop that the visited check missed (aliases of one host). */
const MAX_JUMPS = 16;

export function routeSshTarget(address: SshAddress, settings: SshSettings): SshTargetOptions {
  const router = new Router(settings);
  const explicit: JumpSpec = {
    host: address.host,
    ...(address.defaulted?.includes('user') ? {} : { user: address.user }),
    ...(address.defaulted?.includes('port') ? {} : { port: address.port }),
  };
  const override: ProxyOverride | undefined = settings.proxyCommand
    ? { kind: 'command', ...settings.proxyCommand }
    : settings.jumps
      ? { kind: 'jumps' }
      : undefined;
  const { hop: target, config } = router.resolve(explicit, address.user, override);
  const jumps = target.proxyCommand
    ? []
    : router.jumpsFor(target, settings.jumps ?? proxyJumps(config.proxy), [address.host]);
  return {
    name: target.name,
    address: target.address,
    credentials: target.credentials,
    hostKeys: settings.hostKeys,
    connectTimeoutMs: settings.connectTimeoutMs,
    ...(jumps.length > 0 ? { jumps } : {}),
    ...(target.proxyCommand ? { proxyCommand: target.proxyCommand } : {}),
  };
}

/** The hops a ProxyJump names; none for `ProxyJump none`, a ProxyCommand or neither. */
function proxyJumps(proxy: Sourced<ProxySetting> | undefined): readonly JumpSpec[] {
  return proxy?.value.kind === 'jump' ? proxy.value.hops : [];
}

/**
 * What the command line or an inventory says about the way to the target, in place of ssh_config's
 * ProxyCommand and ProxyJump: a command (--proxy-command, proxyCommand) or jump hosts (--jump).
 */
type ProxyOverride = { kind: 'command'; command: string; source: string } | { kind: 'jumps' };

/** Only the first hop is connected to directly; the others are forwarded to by the hop before. */
function withoutProxyCommand({ proxyCommand: _ignored, ...hop }: SshHop): SshHop {
  return hop;
}

class Router {
  private readonly localUser: string;

  constructor(private readonly settings: SshSettings) {
    this.localUser = settings.localUser?.() ?? currentUser();
  }

  /** A host's connection settings: what the user wrote, then ssh_config, then the defaults. */
  resolve(
    spec: JumpSpec,
    defaultUser: string = this.localUser,
    override?: ProxyOverride,
  ): { hop: SshHop; config: HostConfig } {
    const config = resolveHostConfig(this.settings.sshConfig, {
      originalHost: spec.host,
      ...(spec.user ? { explicitUser: spec.user } : {}),
      defaultUser,
      localUser: this.localUser,
    });
    const user = spec.user ?? config.user?.value ?? defaultUser;
    const port = spec.port ?? config.port?.value ?? 22;
    const host = config.hostName?.value ?? spec.host;
    if (config.hostName && !SshAddressSchema.shape.host.safeParse(host).success) {
      throw new SpecError(
        `HostName gives "${host}" for ${spec.host}, which is not a host name, IPv4 address or IPv6 address`,
        config.hostName.source,
      );
    }
    const address: SshAddress = { kind: 'ssh', user, host, port };
    const identityFiles = config.identityFiles.map((file) => ({
      ...file,
      value: expandIdentityPath(file.value, this.tokens(spec.host, address)),
    }));
    const name = sshTargetName({ kind: 'ssh', user, host: spec.host, port });
    const proxyCommand = this.proxyCommand(override ?? config.proxy, spec.host, address);
    return {
      hop: { name, address, credentials: this.credentials(identityFiles), ...(proxyCommand ? { proxyCommand } : {}) },
      config,
    };
  }

  /** The ProxyCommand that reaches the host, its tokens replaced; none for ProxyJump or ProxyCommand none. */
  private proxyCommand(
    proxy: Sourced<ProxySetting> | ProxyOverride | undefined,
    originalHost: string,
    address: SshAddress,
  ): ProxyCommandSetting | undefined {
    if (!proxy) return undefined;
    if ('value' in proxy) {
      if (proxy.value.kind !== 'command') return undefined;
      return { command: expandTokens(proxy.value.command, this.tokens(originalHost, address)), source: proxy.source };
    }
    if (proxy.kind !== 'command') return undefined;
    return { command: expandTokens(proxy.command, this.tokens(originalHost, address)), source: proxy.source };
  }

  /**
   * The jump hosts in front of `target`, first hop first. As with `ssh -J`, the first jump host is
   * itself reached through its own ProxyJump from ssh_config; the later ones are not.
   */
  jumpsFor(target: SshHop, specs: readonly JumpSpec[], visited: readonly string[]): SshHop[] {
    const [first, ...rest] = specs;
    if (!first) return [];
    const { hop, config } = this.resolve(first);
    let before: SshHop[] = [];
    const own = proxyJumps(config.proxy);
    if (own.length > 0) {
      const path = [...visited, first.host];
      if (visited.includes(first.host) || path.length > MAX_JUMPS) {
        throw new SpecError(
          `ProxyJump loops for ${target.name}: ${path.join(' → ')}; a jump host cannot be reached through itself ` +
            `(exclude it from the Host pattern that sets ProxyJump, as in Host * !${first.host})`,
          config.proxy!.source,
        );
      }
      before = this.jumpsFor(target, own, path);
    }
    return [...before, hop, ...rest.map((spec) => withoutProxyCommand(this.resolve(spec).hop))];
  }

  private tokens(originalHost: string, address: SshAddress) {
    return {
      home: this.settings.home,
      localUser: this.localUser,
      uid: process.getuid?.() ?? userInfo().uid,
      localHostName: hostname(),
      hostName: address.host,
      originalHost,
      port: address.port,
      remoteUser: address.user,
    };
  }

  /**
   * Keys named with --identity (or for an inventory host) win; otherwise ssh_config's IdentityFiles
   * replace the default ~/.ssh/id_* keys. A file ssh_config names that cannot be used is skipped,
   * as OpenSSH does, and told when the login fails.
   */
  private credentials(identityFiles: readonly Sourced<string>[]): SshCredentials {
    const base = this.settings.credentials;
    const named = base.identities.some((identity) => !identity.fromDefaultPath);
    if (named || identityFiles.length === 0) return base;
    const identities: Identity[] = [];
    const unusable: string[] = [];
    for (const file of identityFiles) {
      const loaded = this.identity(file.value);
      if (loaded instanceof Error) unusable.push(`IdentityFile ${file.value} (${file.source}): ${loaded.message}`);
      else if (!identities.some((identity) => identity.path === loaded.path)) identities.push(loaded);
    }
    return { ...base, identities, ...(unusable.length > 0 ? { unusable } : {}) };
  }

  private identity(path: string): Identity | Error {
    const cache = this.settings.configIdentities;
    let loaded = cache.get(path);
    if (!loaded) {
      try {
        loaded = loadIdentity(path, this.settings.passphrase);
      } catch (error) {
        loaded = error as Error;
      }
      cache.set(path, loaded);
    }
    return loaded;
  }
}
