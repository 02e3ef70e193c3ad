import { z } from 'zod';
import { parseOptions, parseTarget } from '../api/access.js';
import { run } from '../api/run.js';
import { ConnectionOptionsSchema } from '../api/schemas.js';
import { PlanAssembler } from '../plan/assemble.js';
import type { CheckRequest } from '../plan/build.js';
import type { EventuallyInput, Plan } from '../plan/schema.js';
import { createRegistry } from '../resources/index.js';
import type { HostResult } from '../results/schema.js';
import type { AnyResource } from '../resources/resource.js';
import { accountDatabaseResource } from '../resources/account-database/index.js';
import { commandResource, type CommandOptions } from '../resources/command/index.js';
import { fileResource } from '../resources/file/index.js';
import { groupResource } from '../resources/group/index.js';
import { kernelParameterResource } from '../resources/kernel-parameter/index.js';
import { sshConfigResource, type SshConfigOptions } from '../resources/ssh-config/index.js';
import { sshdConfigResource, type SshdConfigOptions } from '../resources/sshd-config/index.js';
import { fileSearchResource, type FileSearchOptions } from '../resources/file-search/index.js';
import { mountResource } from '../resources/mount/index.js';
import { packageIntegrityResource, packageResource } from '../resources/package/index.js';
import { portResource } from '../resources/port/index.js';
import { processResource } from '../resources/process/index.js';
import { serviceResource } from '../resources/service/index.js';
import { userResource } from '../resources/user/index.js';
import { kernelModuleResource } from '../resources/kernel-module/index.js';
import { x509CertificateResource } from '../resources/x509-certificate/index.js';
import {
  iniFileResource,
  jsonFileResource,
  keyValueFileResource,
  yamlFileResource,
  type KeyValueOptions,
} from '../resources/structured-file/index.js';
import { interfaceResource } from '../resources/interface/index.js';
import { routeResource, type RouteOptions } from '../resources/route/index.js';
import { hostResource, type HostOptions as RemoteHostOptions } from '../resources/host/index.js';
import { dnsResource, type DnsOptions } from '../resources/dns/index.js';
import { httpResource, type HttpOptions } from '../resources/http/index.js';
import { cronResource } from '../resources/cron/index.js';
import { systemdTimerResource } from '../resources/systemd-timer/index.js';
import { iptablesResource, type IptablesOptions } from '../resources/iptables/index.js';
import { systemdUnitResource } from '../resources/systemd-unit/index.js';
import { containerResource } from '../resources/container/index.js';
import { nftablesResource, type NftablesOptions } from '../resources/nftables/index.js';
import { apparmorResource, selinuxResource } from '../resources/lsm/index.js';

/** The options of `host()`: run()'s, less those that choose or pace several hosts. */
export const HostOptionsSchema = ConnectionOptionsSchema.extend({
  /** For a freshly booted host: retry connecting and wait for its boot to finish, up to this long. */
  waitSeconds: z
    .number({ error: 'a number of seconds' })
    .positive({ error: 'a positive number of seconds' })
    .optional(),
  /** With waitSeconds: accept a host whose systemd finished booting "degraded" (default true). */
  allowDegraded: z.boolean({ error: 'true or false' }).optional(),
}).strict();

export type HostOptions = z.input<typeof HostOptionsSchema>;

const SUBJECT_MARK = Symbol.for('driftspec.chai.subject');

/** What `expect()` is given: one resource of one host, judged when an assertion on it is awaited. */
export interface Subject<Res extends AnyResource = AnyResource> {
  readonly [SUBJECT_MARK]: true;
  readonly host: Host;
  readonly resource: Res;
  readonly name: unknown;
  readonly options: Record<string, unknown> | undefined;
  /** How assertions on this subject are retried while they fail, as `eventually` in a spec; set by `.eventually()`. */
  readonly retry: EventuallyInput | undefined;
  /**
   * The same subject, its assertions re-probed while they fail until they pass or the timeout
   * passes: `.eventually('30s')` or `.eventually({ timeout: '30s', interval: '2s' })`.
   */
  eventually(retry: EventuallyInput): Subject<Res>;
}

export function isSubject(value: unknown): value is Subject {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SUBJECT_MARK] === true;
}

/** A target as chai assertions see it: one accessor per resource, each returning a subject. */
export interface Host {
  readonly target: string;
  package(name: string): Subject<typeof packageResource>;
  service(name: string): Subject<typeof serviceResource>;
  port(port: number | string): Subject<typeof portResource>;
  file(path: string): Subject<typeof fileResource>;
  user(name: string): Subject<typeof userResource>;
  group(name: string): Subject<typeof groupResource>;
  command(text: string, options?: CommandOptions): Subject<typeof commandResource>;
  processes(name: string): Subject<typeof processResource>;
  kernelParameter(name: string): Subject<typeof kernelParameterResource>;
  mount(path: string): Subject<typeof mountResource>;
  sshdConfig(keyword: string, options?: SshdConfigOptions): Subject<typeof sshdConfigResource>;
  sshConfig(keyword: string, options?: SshConfigOptions): Subject<typeof sshConfigResource>;
  fileSearch(root: string, options: FileSearchOptions): Subject<typeof fileSearchResource>;
  jsonFile(path: string): Subject<typeof jsonFileResource>;
  yamlFile(path: string): Subject<typeof yamlFileResource>;
  iniFile(path: string): Subject<typeof iniFileResource>;
  keyValueFile(path: string, options?: KeyValueOptions): Subject<typeof keyValueFileResource>;
  kernelModule(name: string): Subject<typeof kernelModuleResource>;
  x509Certificate(path: string): Subject<typeof x509CertificateResource>;
  accountDatabase(scope?: 'local'): Subject<typeof accountDatabaseResource>;
  packageIntegrity(root: string): Subject<typeof packageIntegrityResource>;
  networkInterface(name: string): Subject<typeof interfaceResource>;
  route(destination: string, options?: RouteOptions): Subject<typeof routeResource>;
  remoteHost(name: string, options?: RemoteHostOptions): Subject<typeof hostResource>;
  dns(name: string, options?: DnsOptions): Subject<typeof dnsResource>;
  http(url: string, options?: HttpOptions): Subject<typeof httpResource>;
  cron(crontab: string): Subject<typeof cronResource>;
  systemdTimer(name: string): Subject<typeof systemdTimerResource>;
  iptables(chain: string, options?: IptablesOptions): Subject<typeof iptablesResource>;
  systemdUnit(name: string): Subject<typeof systemdUnitResource>;
  container(name: string): Subject<typeof containerResource>;
  nftables(table: string, options?: NftablesOptions): Subject<typeof nftablesResource>;
  selinux(): Subject<typeof selinuxResource>;
  apparmor(): Subject<typeof apparmorResource>;
  /** Runs checks on this host in one exec, as `driftspec run` would, and returns the host's result. */
  check(requests: readonly CheckRequest[]): Promise<HostResult>;
}

/**
 * A target for chai assertions: `local`, `ssh://user@host:port`, `rootfs:/path`, `oci:…`, … with
 * run()'s connection options. The target and options are checked here, before any assertion.
 */
export async function host(target: string, options: HostOptions = {}): Promise<Host> {
  parseTarget('host', 'target', target);
  parseOptions('host', HostOptionsSchema, options);
  const registry = createRegistry();
  return makeHost(target, async (requests) => {
    const { result } = await run({ ...options, targets: [target], plan: planOf(requests, registry) });
    return result.hosts[0]!;
  });
}

/**
 * A host whose assertions are judged by `check`; `onSubject` hears of every subject made from it
 * (driftspec/mocha gathers their facts before the tests).
 */
export function makeHost(
  target: string,
  check: Host['check'],
  onSubject: (made: Subject) => void = () => undefined,
): Host {
  const made: Host = {
    target,
    package: (name) => subject(made, packageResource, name),
    service: (name) => subject(made, serviceResource, name),
    port: (port) => subject(made, portResource, port),
    file: (path) => subject(made, fileResource, path),
    user: (name) => subject(made, userResource, name),
    group: (name) => subject(made, groupResource, name),
    command: (text, commandOptions) => subject(made, commandResource, text, commandOptions),
    processes: (name) => subject(made, processResource, name),
    kernelParameter: (name) => subject(made, kernelParameterResource, name),
    mount: (path) => subject(made, mountResource, path),
    sshdConfig: (keyword, sshdOptions) => subject(made, sshdConfigResource, keyword, sshdOptions),
    sshConfig: (keyword, sshOptions) => subject(made, sshConfigResource, keyword, sshOptions),
    fileSearch: (root, searchOptions) => subject(made, fileSearchResource, root, searchOptions),
    jsonFile: (path) => subject(made, jsonFileResource, path),
    yamlFile: (path) => subject(made, yamlFileResource, path),
    iniFile: (path) => subject(made, iniFileResource, path),
    keyValueFile: (path, fileOptions) => subject(made, keyValueFileResource, path, fileOptions),
    kernelModule: (name) => subject(made, kernelModuleResource, name),
    x509Certificate: (path) => subject(made, x509CertificateResource, path),
    accountDatabase: (scope = 'local') => subject(made, accountDatabaseResource, scope),
    packageIntegrity: (root) => subject(made, packageIntegrityResource, root),
    networkInterface: (name) => subject(made, interfaceResource, name),
    route: (destination, routeOptions) => subject(made, routeResource, destination, routeOptions),
    remoteHost: (name, hostOptions) => subject(made, hostResource, name, hostOptions),
    dns: (name, dnsOptions) => subject(made, dnsResource, name, dnsOptions),
    http: (url, httpOptions) => subject(made, httpResource, url, httpOptions),
    cron: (crontab) => subject(made, cronResource, crontab),
    systemdTimer: (name) => subject(made, systemdTimerResource, name),
    iptables: (chain, iptablesOptions) => subject(made, iptablesResource, chain, iptablesOptions),
    systemdUnit: (name) => subject(made, systemdUnitResource, name),
    container: (name) => subject(made, containerResource, name),
    nftables: (table, nftablesOptions) => subject(made, nftablesResource, table, nftablesOptions),
    selinux: () => subject(made, selinuxResource, 'local'),
    apparmor: () => subject(made, apparmorResource, 'local'),
    check,
  };
  const subject = <Res extends AnyResource>(
    owner: Host,
    resource: Res,
    name: unknown,
    options?: Record<string, unknown>,
  ): Subject<Res> => {
    const made = makeSubject(owner, resource, name, options, undefined);
    onSubject(made);
    return made;
  };
  return made;
}

function makeSubject<Res extends AnyResource>(
  owner: Host,
  resource: Res,
  name: unknown,
  options: Record<string, unknown> | undefined,
  retry: EventuallyInput | undefined,
): Subject<Res> {
  return {
    [SUBJECT_MARK]: true,
    host: owner,
    resource,
    name,
    options,
    retry,
    eventually: (again) => makeSubject(owner, resource, name, options, again),
  };
}

function planOf(requests: readonly CheckRequest[], registry: ReturnType<typeof createRegistry>): Plan {
  const assembler = new PlanAssembler(registry);
  assembler.beginSpec({ name: 'chai' });
  for (const request of requests) assembler.addCheck(request);
  return assembler.finish();
}
