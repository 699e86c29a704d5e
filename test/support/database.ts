import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import pg from 'pg';
import {
  databasePrefix,
  databaseUrl,
  templateDatabase,
  TEST_POSTGRES_URL,
  testRunId,
} from './environment.js';

export interface TestDatabase {
  url: string;
  /** Runs SQL against the test database (assertions on rows, audit entries, …). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  drop(): Promise<void>;
}

/** A fresh, migrated database: a clone of the run's template, private to the caller. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const runId = testRunId();
  const name = `${databasePrefix(runId)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase(runId)}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // pool.end() resolves before its connections have closed: the DROP below (WITH FORCE) could
  // still reach one, whose server then says goodbye (57P01) to an idle client with no listener
  // left: an unhandled error in whatever test runs next in this worker. So the drop waits for
  // every connection to be closed.
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => {
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  return {
    url,
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    drop: async () => {
      const closed = [...open].map((client) => once(client, 'end'));
      await pool.end();
      await Promise.all(closed);
      const dropper = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
