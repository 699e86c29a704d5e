/* global process, URL, fetch, AbortSignal, performance, setTimeout, clearTimeout, setInterval, clearInterval -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * Shared helpers of the on-demand benchmarks (bench/*.mjs): databases, child processes, the
 * operator CLI, Redis clean-up, the product's processes (API, worker) and the simulated Graph, the
 * product's API and its world (workspace, owner, token, tenants), load generation with
 * autocannon, percentiles and the result file.
 * Everything targets 127.0.0.1 only and every wait is bounded.
 */
import autocannon from 'autocannon';
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import pg from 'pg';
import { Agent, request } from 'undici';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH_DIR, '..');
/** The build to benchmark: dist/ unless BENCH_DIST names a copy (e.g. a snapshot in bench/.tmp/). */
export const DIST = resolve(ROOT, process.env.BENCH_DIST ?? 'dist');

export const POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SECRETS_KEY = 'bench-secrets-key-that-is-at-least-32-characters';

for (const url of [POSTGRES_URL, REDIS_URL]) {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) {
    throw new Error(`The benchmarks only target this machine; refusing ${new URL(url).host}.`);
  }
}

export const log = (...args) => process.stderr.write(`[bench] ${args.join(' ')}\n`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The built product must exist: the benchmarks never build it themselves. */
export function requireBuild() {
  for (const file of ['src/cli.js', 'src/app.factory.js', 'test/support/probe-runs.module.js']) {
    try {
      readFileSync(join(DIST, file));
    } catch {
      throw new Error(
        `${join(DIST, file)} is missing: run \`npm run build && npx swc test/support -d dist --quiet\` first.`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Clean-up: everything a benchmark creates registers how to undo it; run on exit and on signals.

const cleanups = [];
export const onCleanup = (fn) => cleanups.push(fn);
let cleaning = null;
export function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (error) {
        log(`clean-up step failed: ${error?.message ?? error}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Runs `main`, always cleans up, and stops the whole benchmark after `limitMs` whatever happens. */
export async function runBenchmark(name, limitMs, main) {
  const watchdog = setTimeout(() => {
    log(`${name} exceeded ${Math.round(limitMs / 1000)} s: stopping`);
    void cleanup().finally(() => process.exit(3));
  }, limitMs);
  watchdog.unref();
  try {
    await main();
  } catch (error) {
    log(`${name} failed: ${error?.stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export function databaseUrl(name) {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminQuery(sql, params) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A new empty database, dropped at clean-up. */
export async function createDatabase(name) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await adminQuery(`CREATE DATABASE ${name}`);
  onCleanup(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    log(`dropped database ${name}`);
  });
  return databaseUrl(name);
}

// ---------------------------------------------------------------------------------------------
// Redis

/** Deletes every key under `prefix:` (SCAN + UNLINK, bounded batches). */
export async function deleteRedisPrefix(prefix) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export function uniqueRedisPrefix() {
  const prefix = `bench:${Date.now()}`;
  onCleanup(async () =>
    log(`deleted ${await deleteRedisPrefix(prefix)} Redis keys under ${prefix}:`),
  );
  return prefix;
}

// ---------------------------------------------------------------------------------------------
// Child processes (product CLI, servers)

/** `node dist/src/cli.js <args>` with `env`; resolves with the JSON it printed. */
export function cli(args, env, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST, 'src/cli.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`cli ${args[0]} exited ${code}: ${stderr.trim()}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        reject(new Error(`cli ${args[0]} printed no JSON: ${stdout}${stderr}`));
      }
    });
  });
}

/**
 * Starts a server script that prints `BENCH_READY <port>` once listening; stopped (SIGTERM, then
 * SIGKILL) at clean-up or by `stop()`.
 */
export function startServer(
  script,
  env,
  { timeoutMs = 60_000, label = script, nodeArgs = [] } = {},
) {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk) => {
    output += chunk;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(stop);
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} not ready in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      const match = /BENCH_READY (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code}) before it was ready:\n${output}`));
    });
  });
  return { ready, stop, pid: child.pid, output: () => output };
}

/** Resident and peak resident memory of a process (VmRSS, VmHWM), in MiB. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakRssMiB: Math.round(kib('VmHWM') / 1024) };
}

/** The environment of a product process (bench/bench-server.mjs) with `roles`. */
function productEnv(databaseUrlValue, redisPrefix, roles, extraEnv) {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrlValue,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    SECRETS_KEY,
    APP_ROLES: roles,
    LOG_LEVEL: 'warn',
    BENCH_DIST: DIST,
    ...extraEnv,
  };
}

/** The product's API (role `api` only) with the test-only probe run types, on a free port. */
export async function startProductApi(databaseUrlValue, redisPrefix, extraEnv = {}, nodeArgs = []) {
  const server = startServer(
    join(BENCH_DIR, 'bench-server.mjs'),
    productEnv(databaseUrlValue, redisPrefix, 'api', { HOST: '127.0.0.1', PORT: '0', ...extraEnv }),
    { label: 'product API', nodeArgs },
  );
  const port = await server.ready;
  return { ...server, base: `http://127.0.0.1:${port}` };
}

/** A product worker (role `worker` only), as production runs it beside the API; once ready. */
export async function startProductWorker(
  databaseUrlValue,
  redisPrefix,
  extraEnv = {},
  { label = 'worker', nodeArgs = [] } = {},
) {
  const server = startServer(
    join(BENCH_DIR, 'bench-server.mjs'),
    productEnv(databaseUrlValue, redisPrefix, 'worker', extraEnv),
    { label, nodeArgs },
  );
  await server.ready;
  return server;
}

// ---------------------------------------------------------------------------------------------
// The simulated Graph

/** The client secret the simulated Graph accepts (a tenant made with it can be synced). */
export const SIM_SECRET = `bench-sim-${randomUUID()}`;

/**
 * 1,000 policies over the seven types, in roughly a real tenant's proportions: the simulated
 * tenant's `sizes`.
 */
export const POLICY_SIZES = {
  deviceConfigurations: 300,
  configurationPolicies: 300,
  deviceCompliancePolicies: 120,
  groupPolicyConfigurations: 120,
  iosManagedAppProtections: 50,
  androidManagedAppProtections: 50,
  deviceEnrollmentConfigurations: 60,
};

/**
 * The simulated Graph as its own process (`dist/libs/graph-sim/main.js`), accepting
 * {@link SIM_SECRET}; resolves with its ready line (`url`, `caCert`), its pid and `control`, a client
 * of its control API (`control(method, '<entra tenant id>/<what>', body)`). Stopped at clean-up.
 */
export async function startSimulatedGraph() {
  const child = spawn(
    process.execPath,
    [join(DIST, 'libs/graph-sim/main.js'), '--client-secret', SIM_SECRET],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onCleanup(async () => {
    child.kill('SIGTERM');
    await sleep(200);
  });
  const ready = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    child.on('exit', (code) => reject(new Error(`graph sim exited ${code}`)));
  });
  const dispatcher = new Agent({ connect: { ca: readFileSync(ready.caCert, 'utf8') } });
  const control = async (method, path, body) => {
    const response = await request(`${ready.url}/_sim/tenants/${path}`, {
      dispatcher,
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`sim ${method} ${path}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { ...ready, pid: child.pid, control };
}

/** The product's settings that point it at a simulated Graph (a process's, or one in this one). */
export function graphEnv(sim) {
  return { GRAPH_BASE_URL: sim.url, GRAPH_LOGIN_URL: sim.url, GRAPH_CA_CERT: sim.caCert };
}

// ---------------------------------------------------------------------------------------------
// The product's API and its world

/** One JSON request to the product's API with `token`; throws on a 4xx or 5xx answer. */
export async function api(base, token, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = response.status === 204 ? null : await response.json();
  if (response.status >= 400)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls a run every `everyMs` until it is completed (at most `limitMs`); resolves with it. */
export async function waitForRun(base, token, id, everyMs = 50, limitMs = 300_000) {
  const started = performance.now();
  for (;;) {
    const run = await api(base, token, 'GET', `/operations/${id}`);
    if (run.status === 'completed') return run;
    if (performance.now() - started > limitMs) throw new Error(`run ${id} did not finish`);
    await sleep(everyMs);
  }
}

/** A fresh, migrated product database with a workspace, an owner and the owner's API token. */
export async function createProductWorld(databaseName) {
  const url = await createDatabase(databaseName);
  const env = { DATABASE_URL: url, SECRETS_KEY, REDIS_URL, LOG_LEVEL: 'warn' };
  const { applied } = await cli(['db:migrate'], env);
  log(`migrated ${databaseName}: ${applied.length} migrations`);
  const workspace = await cli(['workspace:create', '--name', 'Bench MSP'], env);
  const user = await cli(
    ['user:create', '--email', `owner-${randomUUID()}@bench.test`, '--name', 'Bench Owner'],
    env,
  );
  await cli(['member:add', '--workspace', workspace.id, '--user', user.id, '--role', 'owner'], env);
  const { token } = await cli(['token:create', '--user', user.id, '--name', 'bench'], env);
  return { url, workspaceId: workspace.id, userId: user.id, token };
}

/**
 * Adds a tenant through the real API (`POST /workspaces/{id}/tenants`); resolves with its id.
 * Its provider connection is made up, unless `simulated`: then its client secret is the one the
 * simulated Graph accepts, and it can be synced (as `entraTenantId` there, when given).
 */
export async function createTenant(
  base,
  token,
  workspaceId,
  displayName,
  { simulated = false, entraTenantId = randomUUID() } = {},
) {
  const clientSecret = simulated ? SIM_SECRET : `bench-secret-${randomUUID()}`;
  const tenant = await api(base, token, 'POST', `/workspaces/${workspaceId}/tenants`, {
    displayName,
    entraTenantId,
    clientId: randomUUID(),
    clientSecret,
  });
  return tenant.id;
}

/**
 * A benchmark's product: a fresh world (database `tenantops_bench_<now>_<name>`, workspace, owner
 * and token: {@link createProductWorld}) served by the API on a new Redis prefix, with `tenants`
 * tenants added through it (`Customer 1`, …) and, when `worker` is set (true, or its label), a
 * worker beside it, as production runs them. Every process gets `env`.
 */
export async function startProduct(name, { env = {}, tenants = 0, worker = false } = {}) {
  const world = await createProductWorld(`tenantops_bench_${Date.now()}_${name}`);
  const prefix = uniqueRedisPrefix();
  const api = await startProductApi(world.url, prefix, env);
  const tenantIds = [];
  for (let i = 0; i < tenants; i++) {
    tenantIds.push(
      await createTenant(api.base, world.token, world.workspaceId, `Customer ${i + 1}`),
    );
  }
  return {
    world,
    prefix,
    api,
    tenantIds,
    worker: worker
      ? await startProductWorker(world.url, prefix, env, {
          label: worker === true ? 'worker' : worker,
        })
      : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Load and latency

/** Percentile (nearest rank) of already-sorted numbers. */
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** A figure rounded to `digits` decimals for a results file (null stays null). */
export const round = (value, digits = 2) => (value === null ? null : Number(value.toFixed(digits)));

/** Latency summary (ms, 2 decimals) of raw samples. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / (sorted.length || 1);
  return {
    count: sorted.length,
    min: round(sorted[0] ?? null),
    mean: round(sorted.length ? mean : null),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? null),
  };
}

/**
 * One autocannon run; every response time is kept (autocannon's own histograms are whole
 * milliseconds), so percentiles are exact. Returns autocannon's result plus the raw samples.
 */
export function cannon(options, { onBody } = {}) {
  return new Promise((resolve, reject) => {
    const samples = [];
    const statusCounts = {};
    const instance = autocannon(
      {
        timeout: 10,
        ...options,
        ...(onBody ? { verifyBody: (body) => (onBody(body), true) } : {}),
      },
      (error, result) => (error ? reject(error) : resolve({ result, samples, statusCounts })),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      samples.push(responseTime);
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    });
  });
}

/**
 * Open-loop load at a fixed rate, evenly spaced (autocannon's rate limit sends each second's
 * quota in a burst): request i is due at start + i/rate and its latency counts from then, so a
 * slow server is not hidden by the client waiting for it. Keep-alive, at most `maxSockets`.
 */
export async function paced({
  url,
  method = 'GET',
  headers = {},
  body,
  rate,
  durationSeconds,
  maxSockets = 64,
}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);
  const total = Math.round(rate * durationSeconds);
  const samples = [];
  const statusCounts = {};
  let errors = 0;
  const pending = new Set();
  const send = (due) =>
    new Promise((resolve) => {
      const request = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method,
          headers,
          agent,
          timeout: 10_000,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            samples.push(performance.now() - due);
            statusCounts[response.statusCode] = (statusCounts[response.statusCode] ?? 0) + 1;
            resolve();
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(body);
    });
  const start = performance.now() + 5;
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / rate <= now) {
      const promise = send(start + (sent * 1000) / rate);
      pending.add(promise);
      void promise.then(() => pending.delete(promise));
      sent++;
    }
    await sleep(1);
  }
  await Promise.all(pending);
  agent.destroy();
  const duration = (performance.now() - start) / 1000;
  return {
    result: {
      duration,
      connections: maxSockets,
      errors,
      timeouts: 0,
      non2xx:
        samples.length -
        Object.entries(statusCounts)
          .filter(([c]) => c.startsWith('2'))
          .reduce((a, [, n]) => a + n, 0),
      requests: { average: null },
      latency: { p50: null, p99: null },
    },
    samples,
    statusCounts,
  };
}

/** The figures we report for one load phase. */
export function loadReport({ result, samples, statusCounts }) {
  const ok = Object.entries(statusCounts)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    durationSeconds: result.duration,
    connections: result.connections,
    requests: samples.length,
    requestsPerSecond: round(samples.length / result.duration, 1),
    okPerSecond: round(ok / result.duration, 1),
    latencyMs: summarize(samples),
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    autocannon: {
      requestsPerSecondAverage: result.requests.average,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Machine, quietness, results

/** Share of CPU time (all cores) spent busy over `ms`: to show the machine was quiet. */
export async function cpuBusy(ms = 2000) {
  const read = () => {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const values = fields.map(Number);
    const idle = values[3] + (values[4] ?? 0);
    return { idle, total: values.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = read();
    await sleep(ms);
    const b = read();
    return round(100 * (1 - (b.idle - a.idle) / (b.total - a.total)) || 0, 1);
  } catch {
    return null;
  }
}

/** CPU seconds used so far by every process (from /proc), by pid, with its command name. */
/** System-wide CPU seconds from /proc/stat: busy (all but idle and iowait) and stolen. */
function systemSeconds() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return { busy: (user + nice + system + irq + softirq) / 100, steal: (steal ?? 0) / 100 };
  } catch {
    return { busy: 0, steal: 0 };
  }
}

export function cpuSnapshot() {
  const ticks = 100; // USER_HZ on Linux
  const snapshot = new Map();
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return { at: performance.now(), system: systemSeconds(), processes: snapshot };
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      snapshot.set(Number(pid), {
        comm,
        seconds: (Number(fields[11]) + Number(fields[12])) / ticks,
      });
    } catch {
      /* exited meanwhile */
    }
  }
  return { at: performance.now(), system: systemSeconds(), processes: snapshot };
}

/**
 * Watches CPU use while something runs: a snapshot now, more every `intervalMs` (so processes
 * that start and exit meanwhile — a test run, a compiler — are still seen), merged at stop().
 */
export function cpuMonitor(intervalMs = 500) {
  const before = cpuSnapshot();
  const seen = new Map();
  const sample = () => {
    const snapshot = cpuSnapshot();
    for (const [pid, process_] of snapshot.processes) seen.set(pid, process_);
    return snapshot;
  };
  const timer = setInterval(sample, intervalMs);
  return {
    before,
    stop() {
      clearInterval(timer);
      const last = sample();
      return { ...last, processes: seen };
    },
  };
}

/**
 * CPU seconds each group used between two cpuMonitor snapshots: each of `roles` (name → pids),
 * PostgreSQL and Redis (by process name), this benchmark process (as `self`, when named), and
 * every other process (as `other`).
 */
export function cpuByRole(before, after, roles, { self, other = 'otherProcesses' } = {}) {
  const names = Object.keys(roles);
  const groups = Object.fromEntries(
    [...names, 'postgres', 'redis', ...(self ? [self] : []), other].map((name) => [name, 0]),
  );
  for (const [pid, { comm, seconds: used }] of after.processes) {
    const delta = used - (before.processes.get(pid)?.seconds ?? 0);
    if (delta <= 0) continue;
    const group =
      names.find((name) => roles[name].includes(pid)) ??
      (comm.startsWith('postgres')
        ? 'postgres'
        : comm.startsWith('redis')
          ? 'redis'
          : self && pid === process.pid
            ? self
            : other);
    groups[group] += delta;
  }
  return groups;
}

/** {@link cpuByRole} as cores (CPU seconds per second), with the system-wide busy cores. */
export function coresByRole(before, after, roles, options) {
  const seconds = (after.at - before.at) / 1000;
  const groups = cpuByRole(before, after, roles, options);
  groups.totalBusy = after.system.busy - before.system.busy;
  return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, round(v / seconds)]));
}

/**
 * Cores used between two snapshots, by role: the server under test, PostgreSQL, Redis, this
 * load generator, other processes, and `unaccounted` (system-wide busy time not in those:
 * processes too short-lived to be sampled, e.g. PostgreSQL parallel workers, kernel work).
 * `otherProcesses` ≈ 0 is the proof the machine was quiet; when both it and the system-wide busy
 * time beyond ours exceed 0.15 cores, the phase is marked `disturbed` (and measured again).
 */
export function coresUsed(before, after, serverPid) {
  const seconds = (after.at - before.at) / 1000;
  const groups = cpuByRole(before, after, { server: [serverPid] }, { self: 'loadGenerator' });
  const processes = Object.values(groups).reduce((a, b) => a + b, 0);
  groups.unaccounted = Math.max(0, after.system.busy - before.system.busy - processes);
  groups.totalBusy = after.system.busy - before.system.busy;
  groups.stolenByHypervisor = after.system.steal - before.system.steal;
  const cores = Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, round(v / seconds)]));
  // Both views must agree: per-process accounting, and the system-wide busy time left over.
  const leftOver =
    cores.totalBusy - cores.server - cores.postgres - cores.redis - cores.loadGenerator;
  if (cores.otherProcesses > 0.15 && leftOver > 0.15) {
    log(`WARNING: something else used the CPU during this measurement: ${JSON.stringify(cores)}`);
    cores.disturbed = true;
  }
  return cores;
}

/** Waits (bounded) for the machine to be quiet before measuring; returns what it saw. */
export async function waitForQuiet({ maxBusyPct = 15, maxWaitMs = 60_000 } = {}) {
  const until = Date.now() + maxWaitMs;
  let busy = await cpuBusy();
  while (busy !== null && busy > maxBusyPct && Date.now() < until) {
    log(`machine busy (${busy}% CPU) before measuring; waiting`);
    busy = await cpuBusy(3000);
  }
  if (busy !== null && busy > maxBusyPct)
    log(`WARNING: measuring on a busy machine (${busy}% CPU)`);
  return { cpuBusyPctBefore: busy, loadAverage: os.loadavg().map((v) => round(v)) };
}

export async function machineInfo() {
  const [{ version, server_version: serverVersion }] = await adminQuery(
    `SELECT version(), current_setting('server_version') AS server_version`,
  );
  const settings = await adminQuery(
    `SELECT name, setting, unit FROM pg_settings
      WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost',
                     'max_connections', 'synchronous_commit', 'jit')`,
  );
  let redisVersion = null;
  try {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? null;
    redis.disconnect();
  } catch {
    /* reported as null */
  }
  let commit = null;
  let dirty = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
    dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT })
        .toString()
        .trim() !== '';
  } catch {
    /* not a git checkout */
  }
  let buildInfo = null;
  try {
    buildInfo = JSON.parse(readFileSync(join(DIST, 'BUILD_INFO.json'), 'utf8'));
  } catch {
    /* a plain `npm run build`: the working tree above */
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryBytes: os.totalmem(),
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: serverVersion,
    postgresVersion: version,
    postgresSettings: Object.fromEntries(
      settings.map((s) => [s.name, s.unit ? `${s.setting} ${s.unit}` : s.setting]),
    ),
    redis: redisVersion,
    gitCommit: commit,
    gitWorkingTreeDirty: dirty,
    benchmarkedBuild: {
      dist: DIST.startsWith(ROOT) ? DIST.slice(ROOT.length + 1) : DIST,
      ...buildInfo,
    },
  };
}

export function writeResult(name, result) {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
  return file;
}
