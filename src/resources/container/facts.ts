import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import { FactError, firstLines, readParts, requirePart, requireRan, stderrSuffix } from '../resource.js';
import { NO_CONTAINER_CLI } from './query.js';

/** One container as a check sees it; ports as `HOST_IP:HOST_PORT->CONTAINER_PORT/PROTOCOL`. */
export interface ContainerFact {
  cli: 'podman' | 'docker';
  name: string;
  found: { state: string; image: string; ports: string[] } | null;
}

/** `podman ps -a --format json`: one JSON array (podman 4). */
const PodmanPortSchema = z.object({
  host_ip: z.string(),
  container_port: z.number().int(),
  host_port: z.number().int(),
  range: z.number().int().min(1),
  protocol: z.string(),
});
const PodmanContainerSchema = z.object({
  Names: z.array(z.string()),
  Image: z.string(),
  State: z.string(),
  Ports: z.array(PodmanPortSchema).nullable(),
});
const PodmanListSchema = z.array(PodmanContainerSchema);

/** `docker ps -a --no-trunc --format '{{json .}}'`: one JSON object a line, Names and Ports as text. */
const DockerContainerSchema = z.object({ Names: z.string(), Image: z.string(), State: z.string(), Ports: z.string() });

interface Listed {
  names: string[];
  state: string;
  image: string;
  ports: string[];
}

export function parseContainer(frame: Frame, name: string): ContainerFact {
  const what = `listing the containers for ${name}`;
  requireRan(frame, what);
  if (frame.exitCode === NO_CONTAINER_CLI) throw new FactError(`${what}: ${frame.stderr.toString('utf8').trim()}`);
  const parts = readParts(frame, what);
  const cli = requirePart(parts, 'cli', what).stdout.toString('utf8');
  if (cli !== 'podman' && cli !== 'docker') throw new FactError(`${what}: unexpected CLI ${JSON.stringify(cli)}`);
  const ps = requirePart(parts, 'ps', what);
  requireRan(ps, what);
  // "Cannot connect to the Docker daemon", a denied socket: nothing is known, never "absent".
  if (ps.exitCode !== 0) throw new FactError(`${cli} ps -a exited ${ps.exitCode}${stderrSuffix(ps)}`);
  const text = ps.stdout.toString('utf8');
  const listed = cli === 'podman' ? podmanContainers(text) : dockerContainers(text);
  const matches = listed.filter((container) => container.names.includes(name));
  if (matches.length > 1) throw new FactError(`${cli} ps -a lists ${matches.length} containers named ${name}`);
  const [match] = matches;
  return { cli, name, found: match ? { state: match.state, image: match.image, ports: match.ports } : null };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FactError(
      `${what} printed something that is not JSON: ${JSON.stringify(firstLines(text, 2).slice(0, 200))}`,
    );
  }
}

export function podmanContainers(text: string): Listed[] {
  const parsed = PodmanListSchema.safeParse(parseJson(text, 'podman ps -a --format json'));
  if (!parsed.success)
    throw new FactError(`podman ps -a --format json: unexpected output (${parsed.error.issues[0]?.message})`);
  return parsed.data.map((container) => ({
    names: container.Names,
    state: container.State,
    image: container.Image,
    ports: (container.Ports ?? []).map(podmanPort),
  }));
}

function podmanPort(port: z.infer<typeof PodmanPortSchema>): string {
  const span = (first: number) => (port.range > 1 ? `${first}-${first + port.range - 1}` : String(first));
  const host = port.host_ip === '' ? '0.0.0.0' : port.host_ip;
  return `${host}:${span(port.host_port)}->${span(port.container_port)}/${port.protocol}`;
}

export function dockerContainers(text: string): Listed[] {
  const lines = text.split('\n').filter((line) => line !== '');
  return lines.map((line) => {
    const parsed = DockerContainerSchema.safeParse(parseJson(line, 'docker ps -a'));
    if (!parsed.success) throw new FactError(`docker ps -a: unexpected output (${parsed.error.issues[0]?.message})`);
    const container = parsed.data;
    return {
      names: container.Names.split(','),
      state: container.State,
      image: container.Image,
      ports: container.Ports === '' ? [] : container.Ports.split(', '),
    };
  });
}
