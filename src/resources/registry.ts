import { nextTurn } from '../io/next-turn.js';
import type { AnyResource } from './resource.js';

/** The resource kinds a plan can use, keyed by the name a YAML check and a plan use. */
export type ResourceRegistry = ReadonlyMap<string, AnyResource>;

/** Loads one kind's definition (its module, and its inventory part where it has one). */
export type ResourceLoader = () => Promise<AnyResource>;

/**
 * A registry that holds a kind only once it is loaded: `driftspec run` and `plan` load the kinds
 * their specs name, so starting one pays for those definitions and not for all of them
 * (docs/benchmarks.md, "Is the re-shape slower?"). Every lookup of the engine stays synchronous.
 */
export class LoadingRegistry extends Map<string, AnyResource> {
  constructor(private readonly loaders: ReadonlyMap<string, ResourceLoader>) {
    super();
  }

  /** Every kind this registry can load, loaded or not. */
  kinds(): string[] {
    return [...this.loaders.keys()];
  }

  /** Loads the kinds among `names` (other names are left for the caller to refuse). */
  async load(names: Iterable<string>): Promise<void> {
    const wanted = [...new Set(names)].filter((name) => this.loaders.has(name) && !this.has(name));
    for (const name of wanted) {
      const resource = await this.loaders.get(name)!();
      this.set(resource.type, resource);
      // Each kind's modules are set up in one go: the SSH handshakes of a run move on in between.
      await nextTurn();
    }
  }

  async loadAll(): Promise<void> {
    await this.load(this.loaders.keys());
  }
}

/** The names of every kind a registry knows: a loading registry's kinds whether loaded or not. */
export function kindNames(registry: ResourceRegistry): string[] {
  return registry instanceof LoadingRegistry ? registry.kinds() : [...registry.keys()];
}

/** Loads what `names` need into a loading registry; any other registry holds every kind already. */
export async function loadKinds(registry: ResourceRegistry, names: Iterable<string>): Promise<void> {
  if (registry instanceof LoadingRegistry) await registry.load(names);
}
