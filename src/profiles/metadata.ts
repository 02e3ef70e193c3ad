import { z } from 'zod';
import { readInputFile } from '../inputs/read.js';
import { parseYamlInput } from '../inputs/yaml-input.js';
import type { Locator } from '../inputs/located-yaml.js';
import { InputNameSchema } from '../plan/inputs.js';
import {
  ControlIdSchema,
  ImpactInputSchema,
  OnlyIfSchema,
  PlatformSchema,
  ReferenceSchema,
  TagsSchema,
} from '../plan/schema.js';

/** The file that makes a folder a profile. */
export const PROFILE_FILE = 'profile.yaml';

/** A profile is named like the npm package it may be published as. */
export const ProfileNameSchema = z
  .string()
  .max(214)
  .regex(
    /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/,
    'a profile name is an npm package name: lower-case letters, digits, "-", ".", "_", "~", optionally @scope/',
  );

const VersionSchema = z
  .string()
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, 'expected a semantic version such as 1.2.0');

/** The metadata of a dependency's control that a depending profile may replace. */
export const ControlOverrideSchema = z
  .object({
    title: z.string(),
    description: z.string(),
    rationale: z.string(),
    remediation: z.string(),
    impact: ImpactInputSchema,
    tags: TagsSchema,
    refs: z.array(z.string()),
    references: z.array(ReferenceSchema),
  })
  .partial()
  .strict();
export type ControlOverride = z.infer<typeof ControlOverrideSchema>;

export const DependencySchema = z
  .object({
    /** A folder, relative to the depending profile's folder. */
    path: z.string().min(1).optional(),
    /** An npm package, resolved as Node resolves it from the depending profile's folder. */
    package: ProfileNameSchema.optional(),
    /** `all` (the default) or the ids of the controls to take. */
    include: z.union([z.literal('all'), z.array(ControlIdSchema).min(1)]).default('all'),
    /** Ids of included controls to leave out. */
    skip: z.array(ControlIdSchema).default([]),
    /** Per control id, metadata that replaces the dependency's. */
    override: z.record(ControlIdSchema, ControlOverrideSchema).default({}),
    /** Values for the dependency's inputs, in place of their defaults. */
    inputs: z.record(InputNameSchema, z.unknown()).default({}),
  })
  .strict()
  .refine((dep) => (dep.path === undefined) !== (dep.package === undefined), {
    message: 'a dependency names exactly one of path or package',
  });
export type Dependency = z.infer<typeof DependencySchema>;

export const ProfileMetadataSchema = z
  .object({
    name: ProfileNameSchema,
    version: VersionSchema,
    title: z.string().min(1).optional(),
    summary: z.string().min(1).optional(),
    maintainer: z.string().min(1).optional(),
    license: z.string().min(1).optional(),
    /** The platforms the profile is written for; on any other host every control is not applicable. */
    supports: z.array(PlatformSchema).min(1).optional(),
    /** The driftspec versions the profile works with, such as ">= 0.1.0, < 2". */
    driftspec: OnlyIfSchema.shape.osVersion,
    depends: z.array(DependencySchema).default([]),
  })
  .strict();
export type ProfileMetadata = z.infer<typeof ProfileMetadataSchema>;

export interface ProfileFile {
  /** The metadata file as named in messages. */
  source: string;
  metadata: ProfileMetadata;
  where: Locator;
}

export function readProfileFile(path: string): ProfileFile {
  return parseProfileFile(readInputFile(path, 'profile'), path);
}

export function parseProfileFile(text: string, source: string): ProfileFile {
  const { value, where } = parseYamlInput(text, source, ProfileMetadataSchema, {
    shape:
      `a profile's ${PROFILE_FILE} must be a map with name, version and optionally ` +
      'title, summary, maintainer, license, supports, driftspec and depends',
  });
  return { source, metadata: value, where };
}
