/**
 * Where the test suite finds PostgreSQL and Redis (real servers), and the names it uses there.
 * Every test run has its own id; every test file its own database and Redis key prefix.
 */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_SECRETS_KEY = 'test-secrets-key-that-is-at-least-32-chars';

/** Set by the global setup, inherited by every jest worker. */
export function testRunId(): string {
  const id = process.env.TENANTOPS_TEST_RUN;
  if (!id) throw new Error('TENANTOPS_TEST_RUN is not set: run the suite with `npm test`.');
  return id;
}

export const databasePrefix = (runId: string) => `tenantops_test_${runId}`;
export const templateDatabase = (runId: string) => `${databasePrefix(runId)}_template`;

export function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
