/** Jest runs the TypeScript sources as native ES modules, compiled by SWC (see README: "Why ESM"). */
const swc = JSON.parse(
  (await import('node:fs')).readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'),
);
delete swc.$schema;

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^#libs/(.*)$': '<rootDir>/libs/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swc, swcrc: false }] },
  // ESM-only packages that CommonJS dependencies require(): jest can require(esm) only on Node
  // >= 24.9, so on Node 22 they are compiled to CommonJS when reached that way (harmless on 24).
  transformIgnorePatterns: [
    '/node_modules/(?!(content-disposition|@apidevtools/json-schema-ref-parser)/)',
  ],
  // An end-to-end topic is one file, `test/<topic>.e2e-spec.ts`, that imports its cases
  // (`test/<topic>/*.ts`, each one top-level describe): jest evaluates every module a test file
  // loads afresh for that file, ~3 CPU-s for the product's, so a file per case cost the suite a
  // fifth of its CPU.
  testMatch: ['<rootDir>/{src,libs,test}/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  // Four files at a time on 2 cores: part of a file's time is spent waiting (for runs, timers,
  // child processes, PostgreSQL), and the soak holds one worker for 2–3 minutes. With three, the
  // topic files left the CPU idle part of the time (301 s for the suite; 274 s with four, 4% idle).
  maxWorkers: 4,
  testSequencer: '<rootDir>/test/support/longest-first.js',
  // How long a worker may take to exit once the run is over. Its event loop is empty by then (no
  // open handle), but Node's teardown of what jest's ESM runtime kept of every file the worker ran
  // (a known jest/Node leak: ~1 GB by the end) outlasts jest's default 500 ms when the 2 cores are
  // busy, and jest then kills the worker and reports it as leaking. A worker that really hangs is
  // still killed, and reported, after this.
  workerGracefulExitTimeout: 5000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};
