/**
 * Import rules for src/ and reporters/ (docs/architecture.md), checked by `npm run lint:deps` and
 * by test/integration/dependency-rules.test.ts. The data flows spec → plan → probe → facts →
 * results → reporters/gate; the command line sits on top and nothing below imports it.
 */
const DOMAIN_FOLDERS = [
  'plan',
  'probe',
  'resources',
  'engine',
  'drift',
  'gate',
  'targets',
  'inventory',
  'results',
  'inputs',
  'matchers',
  'versions',
  'dsl',
  'io',
];
const DOMAIN = `src/(${DOMAIN_FOLDERS.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'A cycle (type and lazy imports count too): modules that cannot be read, tested or loaded apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-not-to-cli',
      severity: 'error',
      comment: 'Domain code is used by the command line, never the other way: it must run without one.',
      from: { path: `^${DOMAIN}` },
      to: { path: '^src/cli/' },
    },
    {
      name: 'domain-not-to-reporters',
      severity: 'error',
      comment: "Domain code produces results and reports as data; rendering them is the reporters' business.",
      from: { path: `^${DOMAIN}` },
      to: { path: '^reporters/' },
    },
    {
      name: 'reporters-not-to-cli',
      severity: 'error',
      comment: 'Reporters render data; they know nothing of the command line.',
      from: { path: '^reporters/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing file.',
      from: {},
      to: { couldNotResolve: true, dependencyTypesNot: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
