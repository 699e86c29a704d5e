/* global process -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * The raw-Bull reference of bench/execute.mjs: one process consuming queue `raw` (REDIS_URL,
 * REDIS_PREFIX) with `BENCH_CONCURRENCY` jobs at once and a handler that does nothing — Bull's
 * own cost of a job (fetch, lock, complete) and nothing else. Prints `BENCH_READY 0` once
 * consuming.
 */
import Queue from 'bull';

const queue = new Queue('raw', process.env.REDIS_URL, { prefix: process.env.REDIS_PREFIX });
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
void queue.process('*', concurrency, async () => undefined);
await queue.isReady();
process.stdout.write('BENCH_READY 0\n');
const stop = () => void queue.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
