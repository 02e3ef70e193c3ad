import { isSpecError } from '../../inputs/input-error.js';
import { parseLocatedYaml, yamlValue } from '../../inputs/located-yaml.js';
import { FactError } from '../resource.js';

/**
 * One YAML document as plain data, read with the limits driftspec puts on its own YAML inputs
 * (nesting, alias expansion). A key given twice, several documents or a syntax error is a
 * FactError naming `file:line:column`.
 */
export function parseYamlDocument(text: string, path: string): unknown {
  try {
    const { document } = parseLocatedYaml(text, path);
    return yamlValue(document, path);
  } catch (error) {
    if (isSpecError(error)) throw new FactError(error.message);
    throw error;
  }
}
