import { z } from 'zod';
import { attribute, defineResource, groupedQuery, NoArgs, NoOptions, predicate, type FactQuery } from '../resource.js';
import { parseContainer, type ContainerFact } from './facts.js';
import { containersScript } from './query.js';

export { parseContainer, podmanContainers, dockerContainers, type ContainerFact } from './facts.js';
export { CONTAINERS_SCRIPT, NO_CONTAINER_CLI } from './query.js';

/** Docker's and podman's rule for a container name. */
const ContainerNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,253}$/, 'a container name: letters, digits, "_", "." and "-", not first');

function containerQuery(name: string): FactQuery<ContainerFact> {
  const group = { key: 'container', member: name, script: containersScript };
  return groupedQuery('container', group, (frame) => parseContainer(frame, name));
}

function missing(fact: ContainerFact): string {
  return `${fact.cli} ps -a lists no container named ${fact.name}`;
}

function found<T>(read: (found: NonNullable<ContainerFact['found']>) => T) {
  return (fact: ContainerFact): T | { absent: string } => (fact.found ? read(fact.found) : { absent: missing(fact) });
}

export const containerResource = defineResource({
  type: 'container',
  summary: 'A podman or docker container: exists, running, state, image, published ports (podman first, then docker).',
  subject: ContainerNameSchema,
  options: NoOptions,
  title: (name: string) => `container ${name}`,
  facts: { container: (name: string) => containerQuery(name) },
  matchers: {
    exists: predicate<ContainerFact, Record<string, never>>({
      fact: 'container',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) =>
        fact.found
          ? { pass: true, actual: `${fact.cli} lists it (${fact.found.state})` }
          : { pass: false, actual: missing(fact) },
    }),
    running: predicate<ContainerFact, Record<string, never>>({
      fact: 'container',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be running',
      test: (fact) =>
        fact.found
          ? { pass: fact.found.state === 'running', actual: `it is ${fact.found.state}` }
          : { pass: false, actual: missing(fact) },
    }),
    state: attribute<ContainerFact>({
      fact: 'container',
      needsRunningSystem: true,
      describe: 'have state',
      read: found((container) => container.state),
    }),
    image: attribute<ContainerFact>({ fact: 'container', describe: 'have image', read: found((c) => c.image) }),
    ports: attribute<ContainerFact>({ fact: 'container', describe: 'publish ports', read: found((c) => c.ports) }),
  },
});
