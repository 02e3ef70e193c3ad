import { z } from 'zod';
import { toValueMatcher, type ValueExpectation } from '../../matchers/value.js';
import { fileResource } from '../file/index.js';
import { defineResource, predicate, type FactQuery } from '../resource.js';
import { parseIniDocument } from './ini.js';
import { parseJsonDocument } from './json.js';
import { parsedContentQuery } from './parsed-content.js';
import { describeKey, judgeKey, KeyArgsSchema, keySegments, type KeyArgs, type KeyPath } from './key-path.js';
import { KeyValueOptionsSchema, parseKeyValueDocument, type KeyValueOptions } from './key-value.js';
import { parseYamlDocument } from './yaml.js';

export { firstJsonErrorOffset, parseJsonDocument } from './json.js';
export { parseIniDocument } from './ini.js';
export { KeyValueOptionsSchema, parseKeyValueDocument, type KeyValueOptions } from './key-value.js';
export { parseYamlDocument } from './yaml.js';
export { parsedContentQuery } from './parsed-content.js';
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

/** A structured file's document: every key check on a file that is missing or no regular file is an error. */
function documentQuery(format: Format, path: string, options: KeyValueOptions): FactQuery<StructuredDocument> {
  return parsedContentQuery(path, `has no ${FORMAT_NAMES[format]} keys`, (text) => {
    const document = parseDocument(format, text, path, options);
    return options.ignoreCase ? { document, ignoreCase: true } : { document };
  });
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
