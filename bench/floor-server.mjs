/* global process -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * The FLOOR for bench/start-runs.mjs: the least a "start a run" endpoint can do on this stack.
 * A bare Fastify server whose one route does one INSERT into a simple table and one Bull
 * `queue.add` (job id = row id, as the product does) — same PostgreSQL, same Redis, a pool of
 * DATABASE_POOL_SIZE connections (the product's default: 10). No auth, no validation, no DI.
 *
 * Env: DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATABASE_POOL_SIZE. Prints `BENCH_READY <port>`.
 */
import Fastify from 'fastify';
import Queue from 'bull';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});
await pool.query(`
  CREATE TABLE IF NOT EXISTS floor_runs (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL,
    status     text NOT NULL DEFAULT 'queued',
    context    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
  )`);

const queue = new Queue('floor', process.env.REDIS_URL, { prefix: process.env.REDIS_PREFIX });
await queue.isReady();

const app = Fastify({ logger: false });
app.post('/floor/tenants/:tenantId/request', async (request, reply) => {
  const id = uuidv7();
  const {
    rows: [run],
  } = await pool.query(
    'INSERT INTO floor_runs (id, tenant_id, context) VALUES ($1, $2, $3) RETURNING id, status, created_at',
    [id, request.params.tenantId, request.body ?? {}],
  );
  await queue.add(
    'floor',
    { runId: id },
    { jobId: id, removeOnComplete: true, removeOnFail: true },
  );
  return reply.code(202).header('location', `/operations/${id}`).send({ run, deduplicated: false });
});

await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`BENCH_READY ${app.server.address().port}\n`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    await app.close();
    await queue.close();
    await pool.end();
    process.exit(0);
  });
}
