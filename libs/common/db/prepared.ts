import type { DataSource } from 'typeorm';

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a named prepared statement on the connection pool under TypeORM: PostgreSQL parses and
 * plans it once per connection instead of once per call. For the few statements on the hot path
 * (starting a run); `name` must always come with the same `text`.
 */
export async function preparedQuery<R>(
  db: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const pool = (db.driver as unknown as { master: PgPool }).master;
  const result = await pool.query({ name, text, values });
  return result.rows as R[];
}
