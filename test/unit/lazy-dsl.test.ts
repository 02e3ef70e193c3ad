import { expect } from 'chai';
import * as dsl from '../../src/dsl/index.js';
import { DSL_EXPORT_NAMES, DSL_RESOURCE_EXPORTS, kindsOfExports, LazyDslApi } from '../../src/dsl/lazy-api.js';
import { usedExports } from '../../src/plan/typescript-loader.js';
import { RESOURCES } from '../../src/resources/index.js';

/**
 * A compiled TypeScript spec gets the DSL of src/dsl/index.ts with only the resource functions it
 * uses made (src/dsl/lazy-api.ts): the lists there must stay those of the DSL.
 */
describe('the DSL a compiled spec imports', () => {
  it('exports what src/dsl/index.ts exports, each resource function named as its resource says', () => {
    expect(DSL_EXPORT_NAMES).to.deep.equal(Object.keys(dsl).sort());
    const byName = new Map(RESOURCES.map((resource) => [resource.dslName, resource.type]));
    expect(new Map([...DSL_RESOURCE_EXPORTS].sort())).to.deep.equal(new Map([...byName].sort()));
  });

  it('makes the resource functions a spec uses, and refuses one read before it was prepared', async () => {
    const api = new LazyDslApi();
    expect(() => api.entry.pkg).to.throw('read before it was prepared');
    await api.prepare(['pkg', 'spec', 'noSuchExport']);
    expect(api.entry.pkg).to.be.a('function');
    expect(api.entry.spec).to.equal(dsl.spec);
    expect(() => api.entry.file).to.throw('read before it was prepared');
    expect(Object.keys(api.entry).sort()).to.deep.equal(DSL_EXPORT_NAMES);
    expect(kindsOfExports(['pkg', 'spec', 'processes'])).to.deep.equal(['package', 'process']);
  });

  it('reads the exports a compiled spec kept, however esbuild renamed the reader', () => {
    const code = [
      'var driftspecExport = (name) => api[name];',
      'var pkg = /* @__PURE__ */ driftspecExport("pkg");',
      'var spec = /* @__PURE__ */ driftspecExport2("spec");',
      'var file = /* @__PURE__ */ driftspecExport("file");',
      'var pkg2 = /* @__PURE__ */ driftspecExport("pkg");',
    ].join('\n');
    expect(usedExports(code)).to.deep.equal(['file', 'pkg', 'spec']);
  });
});
