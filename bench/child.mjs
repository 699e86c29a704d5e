/* global process, URL -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * What the benchmarks' child processes (API, worker, scheduler, bulk starter, simulated Graph)
 * share: loading the build under test — dist/, or the copy BENCH_DIST names — and counting the
 * statements the process sends to PostgreSQL (each a round trip).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const dist = resolve(
  import.meta.dirname ?? new URL('.', import.meta.url).pathname,
  '..',
  process.env.BENCH_DIST ?? 'dist',
);

/** Imports a module of the build, by its path inside it (`src/app.factory.js`). */
export const loadBuilt = (file) => import(pathToFileURL(resolve(dist, file)).href);

/**
 * Counts every statement any pg client of this process sends from now on, by wrapping
 * `Client.query`; returns the count so far, as a function.
 */
export function countStatements() {
  let statements = 0;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(...args) {
    statements++;
    return query.apply(this, args);
  };
  return () => statements;
}
