import { control, isSpecDefinition, planSpecs, resourceFunction, spec } from './spec.js';
import { CHECK_LOADERS } from '../resources/loaders.js';

/**
 * What a compiled TypeScript spec gets for its `import … from 'driftspec'`: the DSL of
 * ./index.ts, with each resource function made only once a spec is known to use it. The spec
 * loader (src/plan/typescript-loader.ts) reads which exports a compiled spec kept and loads
 * those kinds' definitions first, so loading a spec pays for the kinds it checks, not for all of
 * them. A unit test holds these lists to ./index.ts.
 */

/** Each resource function the DSL exports, and the kind it checks. */
export const DSL_RESOURCE_EXPORTS: ReadonlyMap<string, string> = new Map([
  ['pkg', 'package'],
  ['service', 'service'],
  ['port', 'port'],
  ['file', 'file'],
  ['user', 'user'],
  ['group', 'group'],
  ['command', 'command'],
  ['processes', 'process'],
  ['kernelParameter', 'kernel_parameter'],
  ['mount', 'mount'],
  ['sshdConfig', 'sshd_config'],
  ['sshConfig', 'ssh_config'],
  ['fileSearch', 'file_search'],
  ['jsonFile', 'json_file'],
  ['yamlFile', 'yaml_file'],
  ['iniFile', 'ini_file'],
  ['keyValueFile', 'key_value_file'],
  ['kernelModule', 'kernel_module'],
  ['x509Certificate', 'x509_certificate'],
  ['accountDatabase', 'account_database'],
  ['packageIntegrity', 'package_integrity'],
  ['networkInterface', 'interface'],
  ['route', 'route'],
  ['remoteHost', 'host'],
  ['dns', 'dns'],
  ['http', 'http'],
  ['cron', 'cron'],
  ['systemdTimer', 'systemd_timer'],
  ['iptables', 'iptables'],
  ['systemdUnit', 'systemd_unit'],
  ['container', 'container'],
  ['nftables', 'nftables'],
  ['selinux', 'selinux'],
  ['apparmor', 'apparmor'],
]);

const OTHER_EXPORTS: Readonly<Record<string, unknown>> = { control, isSpecDefinition, planSpecs, spec };

/** Every name the DSL exports, sorted. */
export const DSL_EXPORT_NAMES: readonly string[] = [
  ...DSL_RESOURCE_EXPORTS.keys(),
  ...Object.keys(OTHER_EXPORTS),
].sort();

/** The DSL's values, resource functions only for the names prepared. */
export class LazyDslApi {
  private readonly functions = new Map<string, unknown>();
  readonly entry: Readonly<Record<string, unknown>>;

  constructor() {
    const entry: Record<string, unknown> = { ...OTHER_EXPORTS };
    for (const name of DSL_RESOURCE_EXPORTS.keys()) {
      Object.defineProperty(entry, name, { enumerable: true, get: () => this.resourceFunction(name) });
    }
    this.entry = entry;
  }

  /** Loads the definitions of the resource functions among `names` (other names are ignored). */
  async prepare(names: Iterable<string>): Promise<void> {
    const wanted = [...new Set(names)].filter((name) => DSL_RESOURCE_EXPORTS.has(name) && !this.functions.has(name));
    const definitions = await Promise.all(wanted.map((name) => CHECK_LOADERS.get(DSL_RESOURCE_EXPORTS.get(name)!)!()));
    wanted.forEach((name, i) => this.functions.set(name, resourceFunction(definitions[i]!)));
  }

  private resourceFunction(name: string): unknown {
    if (!this.functions.has(name)) throw new Error(`the DSL's ${name} was read before it was prepared`);
    return this.functions.get(name);
  }
}

/** The kinds the given DSL exports check. */
export function kindsOfExports(names: Iterable<string>): string[] {
  return [...names].flatMap((name) => {
    const kind = DSL_RESOURCE_EXPORTS.get(name);
    return kind === undefined ? [] : [kind];
  });
}
