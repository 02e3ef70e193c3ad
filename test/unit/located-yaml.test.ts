import { expect } from 'chai';
import { SpecError } from '../../src/inputs/input-error.js';
import { parseLocatedYaml, parseLocatedYamlYielding, yamlValue } from '../../src/inputs/located-yaml.js';

describe('located YAML: the parser that yields to the event loop reads what the other reads', () => {
  const checks = Array.from({ length: 300 }, (_, i) => `  - file: /etc/f${i}\n    mode: '0644'\n`).join('');
  const text = `spec: many\nchecks:\n${checks}`;

  it('the same value and the same positions, over a text of many slices', async () => {
    const sync = parseLocatedYaml(text, 'many.yaml', { keepSourceTokens: true });
    const yielding = await parseLocatedYamlYielding(text, 'many.yaml', { keepSourceTokens: true });
    expect(yamlValue(yielding.document, 'many.yaml')).to.deep.equal(yamlValue(sync.document, 'many.yaml'));
    for (const path of [['checks', 0, 'file'], ['checks', 299, 'mode'], ['spec']])
      expect(yielding.where.at(path)).to.equal(sync.where.at(path));
    expect(yielding.where.at(['checks', 299, 'mode'])).to.equal('many.yaml:602:5');
  });

  it('the same refusals: a syntax error at its place, a second document, nesting too deep', async () => {
    const refusal = async (input: string) => {
      const thrown = (f: () => unknown) => {
        try {
          f();
        } catch (error) {
          return error as SpecError;
        }
        throw new Error('not refused');
      };
      const sync = thrown(() => parseLocatedYaml(input, 'bad.yaml'));
      const yielding = await parseLocatedYamlYielding(input, 'bad.yaml').then(
        () => new Error('not refused'),
        (error: unknown) => error as Error,
      );
      expect(yielding).to.be.instanceOf(SpecError);
      expect(yielding.message).to.equal(sync.message);
      return yielding.message;
    };
    expect(await refusal(`${text}  - file: [unclosed\n`)).to.match(/^bad\.yaml:\d+:\d+: YAML syntax error/);
    expect(await refusal('a: 1\n---\nb: 2\n')).to.include('multiple documents');
    expect(await refusal(`${'['.repeat(100)}${']'.repeat(100)}\n`)).to.include('nested more than 64 levels');
  });
});
