import { createHash } from 'node:crypto';
import { arch } from 'node:os';
import { z } from 'zod';
import { readDocument, type ArchiveSource } from './archive-source.js';
import { refuse, type ArchivePlace } from './errors.js';

export type Compression = 'none' | 'gzip' | 'zstd' | 'detect';

/** One layer to apply, and what its bytes must hash to. */
export interface LayerPlan {
  /** The file in the archive. */
  file: string;
  /** How reports name the layer: its digest. */
  name: string;
  compression: Compression;
  mediaType?: string;
  /** sha256 of the stored (compressed) bytes, and their size, when the archive states them. */
  digest?: string;
  size?: number;
  /** sha256 of the uncompressed tar, from the image config's rootfs.diff_ids. */
  diffId: string;
}

const DIGEST = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected a sha256 digest (sha256: and 64 hex digits)');

const DescriptorSchema = z.object({
  mediaType: z.string(),
  digest: DIGEST,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z.object({ architecture: z.string(), os: z.string(), variant: z.string().optional() }).optional(),
});
type Descriptor = z.infer<typeof DescriptorSchema>;

const IndexSchema = z.object({ manifests: z.array(DescriptorSchema) });
const ManifestSchema = z.object({ config: DescriptorSchema, layers: z.array(DescriptorSchema) });
const ConfigSchema = z.object({ rootfs: z.object({ diff_ids: z.array(DIGEST) }) });
const LayoutSchema = z.object({ imageLayoutVersion: z.string() });
/** A file named inside the archive: relative, never climbing out of it. */
const ARCHIVE_FILE = z
  .string()
  .refine(
    (name) => name !== '' && !name.startsWith('/') && !name.includes('\0') && !name.split('/').includes('..'),
    'expected a relative path inside the archive',
  );
const DockerManifestSchema = z
  .array(
    z.object({
      Config: ARCHIVE_FILE,
      RepoTags: z.array(z.string()).nullish(),
      Layers: z.array(ARCHIVE_FILE),
    }),
  )
  .min(1, 'expected at least one image');

const REF_NAME = 'org.opencontainers.image.ref.name';
const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
const LAYER_TYPES: Record<string, Compression> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
};

/** The build machine's architecture as OCI platforms name it. */
export function machineArchitecture(): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x' };
  const machine = arch();
  return names[machine] ?? (machine === 'ppc64' ? 'ppc64le' : machine);
}

/** The layers of the image an OCI layout holds, picked by reference and then by platform. */
export async function selectOciImage(
  source: ArchiveSource,
  reference: string | undefined,
  architecture = machineArchitecture(),
): Promise<LayerPlan[]> {
  const place = source.place;
  await readJson(source, 'oci-layout', LayoutSchema, 'an OCI layout marker', place);
  const index = await readJson(source, 'index.json', IndexSchema, 'an OCI image index', place);
  const named = reference === undefined ? index.manifests : index.manifests.filter((d) => refName(d) === reference);
  if (named.length === 0) {
    if (index.manifests.length === 0) throw refuse({ ...place, member: 'index.json' }, 'the index lists no image');
    throw refuse(place, `no image named ${JSON.stringify(reference)}; it holds ${listReferences(index.manifests)}`);
  }
  const references = new Set(named.map(refName));
  if (reference === undefined && references.size > 1)
    throw refuse(place, `it holds several images (${listReferences(named)}): name one as :REFERENCE after the path`);
  const manifest = await resolveManifest(source, pickPlatform(named, architecture, place), architecture, 0);
  return manifestLayers(source, manifest);
}

function refName(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.[REF_NAME];
}

function listReferences(descriptors: readonly Descriptor[]): string {
  const names = [...new Set(descriptors.map((d) => refName(d) ?? '(unnamed)'))];
  return names.map((name) => JSON.stringify(name)).join(', ');
}

/** One descriptor; several only as platform variants of one image, of which the build machine's is taken. */
function pickPlatform(descriptors: readonly Descriptor[], architecture: string, place: ArchivePlace): Descriptor {
  if (descriptors.length === 1) return descriptors[0]!;
  const matching = descriptors.filter((d) => d.platform?.os === 'linux' && d.platform.architecture === architecture);
  if (matching.length === 1) return matching[0]!;
  const platforms = descriptors.map((d) => (d.platform ? `${d.platform.os}/${d.platform.architecture}` : 'unstated'));
  const why = matching.length === 0 ? `none for linux/${architecture}` : `several for linux/${architecture}`;
  throw refuse(place, `the index lists ${descriptors.length} images (platforms: ${platforms.join(', ')}), ${why}`);
}

const MAX_INDEX_DEPTH = 4;

async function resolveManifest(
  source: ArchiveSource,
  descriptor: Descriptor,
  architecture: string,
  depth: number,
): Promise<z.infer<typeof ManifestSchema>> {
  const place = { ...source.place, member: blobFile(descriptor.digest) };
  if (INDEX_TYPES.has(descriptor.mediaType)) {
    if (depth >= MAX_INDEX_DEPTH) throw refuse(place, `image indexes nested deeper than ${MAX_INDEX_DEPTH}`);
    const nested = await readBlobJson(source, descriptor, IndexSchema, 'an image index');
    if (nested.manifests.length === 0) throw refuse(place, 'the image index lists no image');
    return resolveManifest(source, pickPlatform(nested.manifests, architecture, place), architecture, depth + 1);
  }
  if (!MANIFEST_TYPES.has(descriptor.mediaType))
    throw refuse(place, `an unsupported manifest media type ${JSON.stringify(descriptor.mediaType)}`);
  return readBlobJson(source, descriptor, ManifestSchema, 'an image manifest');
}

async function manifestLayers(source: ArchiveSource, manifest: z.infer<typeof ManifestSchema>): Promise<LayerPlan[]> {
  const config = await readBlobJson(source, manifest.config, ConfigSchema, 'an image config');
  const diffIds = matchingDiffIds(config, manifest.layers.length, {
    ...source.place,
    member: blobFile(manifest.config.digest),
  });
  return manifest.layers.map((layer, index) => {
    const compression = LAYER_TYPES[layer.mediaType];
    if (compression === undefined)
      throw refuse(
        { ...source.place, layer: layer.digest },
        `an unsupported layer media type ${JSON.stringify(layer.mediaType)}`,
      );
    return {
      file: blobFile(layer.digest),
      name: layer.digest,
      compression,
      mediaType: layer.mediaType,
      digest: layer.digest,
      size: layer.size,
      diffId: diffIds[index]!,
    };
  });
}

function matchingDiffIds(config: z.infer<typeof ConfigSchema>, layers: number, place: ArchivePlace): string[] {
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== layers)
    throw refuse(place, `the config lists ${diffIds.length} layer diff_ids for ${layers} layers`);
  return diffIds;
}

/** The layers of the image a `docker save` tar holds, picked by one of its RepoTags. */
export async function selectDockerImage(source: ArchiveSource, reference: string | undefined): Promise<LayerPlan[]> {
  const place = source.place;
  const images = await readJson(source, 'manifest.json', DockerManifestSchema, 'a docker save manifest', place);
  const tags = (image: (typeof images)[number]) => image.RepoTags ?? [];
  const listed = () => {
    const all = images.flatMap(tags);
    return all.length > 0 ? all.map((tag) => JSON.stringify(tag)).join(', ') : 'only untagged images';
  };
  const chosen = reference === undefined ? images : images.filter((image) => tags(image).includes(reference));
  if (chosen.length === 0) throw refuse(place, `no image tagged ${JSON.stringify(reference)}; it holds ${listed()}`);
  if (chosen.length > 1)
    throw refuse(place, `it holds ${chosen.length} images (${listed()}): name one as :name:tag after the path`);
  const image = chosen[0]!;
  const configBytes = await readDocument(source, image.Config, place);
  const configDigest = blobDigestOfName(image.Config);
  if (configDigest !== undefined) verifyBytes(configBytes, configDigest, undefined, { ...place, member: image.Config });
  const config = parseJson(configBytes, ConfigSchema, 'an image config', { ...place, member: image.Config });
  const diffIds = matchingDiffIds(config, image.Layers.length, { ...place, member: image.Config });
  return image.Layers.map((file, index) => {
    const digest = blobDigestOfName(file);
    return {
      file,
      name: digest ?? diffIds[index]!,
      compression: 'detect',
      ...(digest ? { digest } : {}),
      diffId: diffIds[index]!,
    };
  });
}

/** A file named by its content (`blobs/sha256/HEX`, or a config `HEX.json`): that digest is verified. */
function blobDigestOfName(file: string): string | undefined {
  const match = /^(?:blobs\/sha256\/)?([0-9a-f]{64})(?:\.json)?$/.exec(file);
  return match ? `sha256:${match[1]}` : undefined;
}

export function blobFile(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

async function readBlobJson<T>(source: ArchiveSource, descriptor: Descriptor, schema: z.ZodType<T>, what: string) {
  const file = blobFile(descriptor.digest);
  const place = { ...source.place, member: file };
  if (!source.has(file)) throw refuse(place, `a missing blob (${what} ${descriptor.digest})`);
  const bytes = await readDocument(source, file, source.place);
  verifyBytes(bytes, descriptor.digest, descriptor.size, place);
  return parseJson(bytes, schema, what, place);
}

function verifyBytes(bytes: Buffer, digest: string, size: number | undefined, place: ArchivePlace): void {
  if (size !== undefined && bytes.length !== size)
    throw refuse(place, `${bytes.length} bytes where the descriptor says ${size}`);
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== digest) throw refuse(place, `the content's digest is ${actual}, not ${digest} (damaged or altered)`);
}

async function readJson<T>(
  source: ArchiveSource,
  file: string,
  schema: z.ZodType<T>,
  what: string,
  place: ArchivePlace,
): Promise<T> {
  return parseJson(await readDocument(source, file, place), schema, what, { ...place, member: file });
}

function parseJson<T>(bytes: Buffer, schema: z.ZodType<T>, what: string, place: ArchivePlace): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw refuse(place, `not JSON (expected ${what}): ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`);
  throw refuse(place, `not ${what}: ${issues.slice(0, 5).join('; ')}`);
}
