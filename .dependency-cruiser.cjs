/**
 * The allowed arrows between the units of the code (README → Code layout), checked by
 * `npm run lint` (dependency-cruiser). A unit is a folder of `libs/` (each folder of
 * `libs/common/` on its own) or of `src/`. A forbidden import fails lint naming its rule.
 *
 * - Libs never import the product (`src/`), nor tests.
 * - A lib imports only the libs listed for it in LIB_ARROWS, through their entry point.
 * - A family imports another family only through what it exports on purpose (its `index.ts`).
 */

/** Which libs each lib may import (`common/*` are the shared building blocks of all). */
const LIB_ARROWS = {
  common: ['common'],
  roles: [],
  metrics: ['common'],
  tenancy: ['common', 'roles'],
  authz: ['common', 'roles', 'tenancy'],
  'operation-runs': ['common', 'authz', 'tenancy', 'metrics'],
  scheduling: ['common', 'operation-runs'],
  graph: ['common', 'tenancy', 'metrics'],
  'graph-sim': ['common', 'graph'],
  policies: ['common', 'graph'],
};

/** A lib's entry point: libs/<lib>/index.ts, or libs/common/<part>/index.ts. */
const LIB_ENTRY = '^libs/(common/[^/]+|[^/]+)/index\\.ts';

const alternatives = (names) => names.map((name) => name.replace(/[-/]/g, '\\$&')).join('|');

const libArrowRules = Object.entries(LIB_ARROWS).map(([lib, allowed]) => ({
  name: `lib-arrows:${lib}`,
  comment: `libs/${lib} may import only these libs: ${allowed.join(', ')} (LIB_ARROWS in .dependency-cruiser.cjs).`,
  severity: 'error',
  from: { path: `^libs/${lib}/` },
  to: { path: '^libs/([^/]+)/', pathNot: [`^libs/(${alternatives([lib, ...allowed])})/`] },
}));

module.exports = {
  forbidden: [
    {
      name: 'libs-never-import-families',
      comment: 'libs/ are building blocks below the product: they never import src/.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^src/' },
    },
    {
      name: 'graph-never-imports-runs',
      comment: 'The Graph client (and the simulated Graph) know nothing of operation runs.',
      severity: 'error',
      from: { path: '^libs/graph(-sim)?/' },
      to: { path: '^libs/operation-runs/' },
    },
    ...libArrowRules,
    {
      name: 'libs-through-entry-points',
      comment:
        'Another unit is reached through its entry point (#libs/<lib>: its index.ts), never a file inside it.',
      severity: 'error',
      from: { path: '^(src|migrations)/' },
      to: { path: '^libs/', pathNot: [`${LIB_ENTRY}$`] },
    },
    {
      name: 'libs-through-entry-points',
      comment:
        'Another unit is reached through its entry point (#libs/<lib>: its index.ts), never a file inside it.',
      severity: 'error',
      from: { path: '^libs/(common/[^/]+|[^/]+)/' },
      to: { path: '^libs/', pathNot: [`${LIB_ENTRY}$`, '^libs/$1/'] },
    },
    {
      name: 'no-family-internals',
      comment:
        'A family imports another family only through what it exports on purpose: src/<family>/index.ts.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'product-never-imports-tests',
      comment: 'Test helpers stay in test/.',
      severity: 'error',
      from: { path: '^(src|libs|migrations)/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle between files means a piece belongs lower down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src|libs|migrations)/',
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      conditionNames: ['types', 'import', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
