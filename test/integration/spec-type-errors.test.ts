import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';

// A misspelt matcher in a TypeScript spec is a type error naming the word, as `tsc` and the
// editor report it (docs/specs.md): the DSL's chains are typed from each resource's matchers.

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

function typeErrors(source: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-spec-types-'));
  try {
    const file = join(dir, 'web.ts');
    writeFileSync(file, source);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: ['node'],
      skipLibCheck: true,
      paths: { driftspec: [INDEX] },
    });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file?.fileName === file)
      .map((diagnostic) => {
        const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start!);
        return `${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('TypeScript specs are type-checked by the DSL types', function () {
  this.timeout(60_000);

  it('a misspelt matcher or shortcut is a type error with its name; the right spelling is not', () => {
    const errors = typeErrors(
      "import { spec, pkg, service } from 'driftspec';\n" +
        "export default spec('web', () => {\n" +
        "  pkg('nginx').installed({ version: '>= 1.22' });\n" +
        "  pkg('nginx').instaled();\n" +
        "  service('nginx').not.runing();\n" +
        '});\n',
    );
    expect(errors).to.have.length(2);
    expect(errors[0]).to.match(/^4: Property 'instaled' does not exist on type .*Did you mean 'installed'\?/s);
    expect(errors[1]).to.match(/^5: Property 'runing' does not exist on type .*Did you mean 'running'\?/s);
  });
});
