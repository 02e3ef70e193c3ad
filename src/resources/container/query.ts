import { partScript, partsScript } from '../../probe/parts.js';

/** Exit status of the query where neither podman nor docker is on the target. */
export const NO_CONTAINER_CLI = 3;

/**
 * Every container of a spec in one query: the first CLI found (podman, then docker) lists all
 * containers, running or not, once (part `ps`); part `cli` names the CLI. Which of them the spec
 * names is decided by the parser, by exact name.
 */
export const CONTAINERS_SCRIPT = partsScript([
  'if ds_has podman; then ds_c=podman',
  'elif ds_has docker; then ds_c=docker',
  `else echo 'neither podman nor docker is on the target' >&2; exit ${NO_CONTAINER_CLI}; fi`,
  partScript('cli', `printf '%s' "$ds_c"`, { inline: true }),
  partScript(
    'ps',
    `if [ "$ds_c" = podman ]; then exec podman ps -a --format json
else exec docker ps -a --no-trunc --format '{{json .}}'; fi`,
  ),
]);

export function containersScript(_names: readonly string[]): string {
  return CONTAINERS_SCRIPT;
}
