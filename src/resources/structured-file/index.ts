import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { toValueMatcher, type ValueExpectation } from '../../matchers/value.js';
import { contentQuery, fileResource } from '../file/index.js';
import { defineResource, FactError, predicate, type FactQuery } from '../resource.js';
import { parseIniDocument } from './ini.js';
import { parseJsonDocument } from './json.js';
import { describeKey, judgeKey, KeyArgsSchema, keySegments, type KeyArgs, type KeyPath } from './key-path.js';
import { KeyValueOptionsSchema, parseKeyValueDocument, type KeyValueOptions } from './key-value.js';
import { parseYamlDocument } from './yaml.js';

export { firstJsonErrorOffset, parseJsonDocument } from './json.js';
export { parseIniDocument } from './ini.js';
export { KeyValueOptionsSchema, parseKeyValueDocument, type KeyValueOptions } from './key-value.js';
export { parseYamlDocument } from './yaml.js';
export { keySegments, lookupKeys, type KeyArgs, type KeyPath } from './key-path.js';

/** A structured file's content, parsed in driftspec: the document as plain data. */
export interface StructuredDocument {
  document: unknown;
  /** Keys were folded to lower case (a key-value file read with `ignoreCase`): so is the path. */
  ignoreCase?: boolean;
}

type Format = 'json' | 'yaml' | 'ini' | 'key-value';

const FORMAT_NAMES: Record<Format, string> = {
  json: 'JSON',
  yaml: 'YAML',
  ini: 'INI',
  'key-value': 'key-value',
};

const NoStructuredOptions = z.object({}).strict();

function parseDocument(format: Format, text: string, path: string, options: KeyValueOptions): unknown {
  switch (format) {
    case 'json':
      return parseJsonDocument(text, path);
    case 'yaml':
      return parseYamlDocument(text, path);
    case 'ini':
      return parseIniDocument(text, path);
    case 'key-value':
      return parseKeyValueDocument(text, path, options);
  }
}

/**
 * The file resource's bounded content read (the same query, so a file checked as text and by key
 * is read once), parsed here. A file that is missing or not a regular file is no document: every
 * key check on it is an error, negated or not.
 */
function documentQuery(format: Format, path: string, options: KeyValueOptions): FactQuery<StructuredDocument> {
  const content = contentQuery(path);
  return {
    key: content.key,
    script: content.script,
    parse: (frame: Frame, host: HostFacts) => {
      const read = content.parse(frame, host);
      if (!read.exists) throw new FactError(`${path}: ${read.reason}, so it has no ${FORMAT_NAMES[format]} keys`);
      const document = parseDocument(format, read.content, path, options);
      return options.ignoreCase ? { document, ignoreCase: true } : { document };
    },
  };
}

const FilePathSchema = fileResource.subject;

/** The DSL's ways to write a `key` check: `.value('db.port', 5432)`, `.hasKey('db.port')`. */
const keyShortcuts = {
  value: (path: KeyPath, expected: ValueExpectation) => ({
    matcher: 'key',
    args: { path, value: toValueMatcher(expected) },
  }),
  hasKey: (path: KeyPath) => ({ matcher: 'key', args: { path } }),
};

function structuredFileResource<O extends Record<string, unknown>>(
  type: string,
  dslName: string,
  format: Format,
  options: z.ZodType<O>,
) {
  const flat = format === 'key-value';
  return defineResource({
    type,
    dslName,
    summary: `A ${FORMAT_NAMES[format]} file on the target, parsed by driftspec: values by key path.`,
    subject: FilePathSchema,
    options,
    title: (path: string) => `${FORMAT_NAMES[format]} file ${path}`,
    facts: {
      document: (path: string, given: O) => documentQuery(format, path, given as KeyValueOptions),
    },
    matchers: {
      key: predicate<StructuredDocument, KeyArgs>({
        fact: 'document',
        args: KeyArgsSchema,
        describe: describeKey,
        test: (fact, args) => {
          const segments = keySegments(args.path, flat);
          return judgeKey(fact.document, args, fact.ignoreCase ? segments.map((s) => s.toLowerCase()) : segments);
        },
      }),
    },
    shortcuts: keyShortcuts,
  });
}

export const jsonFileResource = structuredFileResource('json_file', 'jsonFile', 'json', NoStructuredOptions);
export const yamlFileResource = structuredFileResource('yaml_file', 'yamlFile', 'yaml', NoStructuredOptions);
export const iniFileResource = structuredFileResource('ini_file', 'iniFile', 'ini', NoStructuredOptions);
export const keyValueFileResource = structuredFileResource(
  'key_value_file',
  'keyValueFile',
  'key-value',
  KeyValueOptionsSchema,
);
