/* global process, performance -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * What the operator surface adds to a start, in CPU, measured in-process (no servers): the start
 * route's share of the instrumentation — one HTTP histogram observation per request, the run-start counter (one increment per type and result of a group-committed batch,
 * here 64 starts), the per-request principal that carries the request id, and the request id
 * copied into the run's context — against, side by side in the same run and process, what every
 * start already pays for its identity (canonical JSON + SHA-256 of an active-scope identity).
 * Writes bench/results/instrumentation.json. See bench/README.md.
 *
 *   npm run build && node bench/instrumentation.mjs
 *
 * The full start route (bench/start-runs.mjs) needs a quiet machine; this one measures a ratio
 * that the machine's noise affects alike on both sides (rounds alternate, medians kept).
 */
import { join } from 'node:path';
import { DIST, log, machineInfo, writeResult } from './lib.mjs';

const { Metrics } = await import(join(DIST, 'libs/metrics/index.js'));
const { Principal } = await import(join(DIST, 'libs/authz/index.js'));
const { runIdentity } = await import(join(DIST, 'libs/operation-runs/run-identity.js'));

const BATCH = 64;
const ITERATIONS = 200_000;
const ROUNDS = 7;

const metrics = new Metrics();
const principal = new Principal({ id: 'u', email: 'u@example.test', name: 'U' }, [
  { workspaceId: 'w', role: 'operator' },
]);
const route = { method: 'POST', route: '/tenants/:tenantId/inventory/sync', status: '202' };
const inputs = { policyTypes: ['compliance_policy', 'device_configuration', 'settings_catalog'] };
let sink = 0;

/** Per start: what this branch added to the start route. */
function instrumentation(i) {
  const caller = principal.forRequest(`req-${i}`);
  const context = { ...inputs, ...(caller.requestId ? { requestId: caller.requestId } : {}) };
  metrics.httpDuration.observe(route, 0.004);
  // countStarts: one loop over the batch, one increment per (type, result): its share per start.
  if (i % BATCH === 0) {
    const counts = new Map();
    for (let k = 0; k < BATCH; k++) {
      const key = 'inventory_sync\0created';
      const entry = counts.get(key);
      if (entry) entry.n++;
      else counts.set(key, { type: 'inventory_sync', result: 'created', n: 1 });
    }
    for (const { type, result, n } of counts.values()) metrics.runStarts.inc({ type, result }, n);
  }
  sink += context.requestId.length;
}

/** Per start: what every start already pays (its identity hash). */
function identity(i) {
  const id = runIdentity('active', {
    type: 'inventory_sync',
    workspaceId: 'w',
    tenantId: `t-${i & 1023}`,
    inputs: { policyTypes: inputs.policyTypes },
  });
  sink += id.hash.length;
}

function nsPerCall(work) {
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) work(i);
  return ((performance.now() - start) * 1e6) / ITERATIONS;
}

// Warm-up (JIT), then alternating rounds.
nsPerCall(instrumentation);
nsPerCall(identity);
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const added = nsPerCall(instrumentation);
  const existing = nsPerCall(identity);
  rounds.push({ instrumentationNs: added, identityNs: existing, ratio: added / existing });
  log(`round ${r + 1}: instrumentation ${added.toFixed(0)} ns, identity ${existing.toFixed(0)} ns`);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const instrumentationNs = median(rounds.map((r) => r.instrumentationNs));
const ratio = median(rounds.map((r) => r.ratio));
/** Server CPU per start of the product in bench/results/start-runs.json (quiet machine). */
const START_CPU_NS = 176_000;
const result = {
  benchmark: 'instrumentation',
  machine: await machineInfo(),
  settings: { batch: BATCH, iterations: ITERATIONS, rounds: ROUNDS },
  instrumentationNsPerStart: Math.round(instrumentationNs),
  identityNsPerStart: Math.round(median(rounds.map((r) => r.identityNs))),
  instrumentationOverIdentity: Math.round(ratio * 1000) / 1000,
  instrumentationShareOfStartCpu: {
    value: Math.round((instrumentationNs / START_CPU_NS) * 10000) / 10000,
    note: 'over the 0.176 ms of server CPU per start measured by start-runs on a quiet machine (bench/results/start-runs.json)',
  },
  rounds,
  sink,
};
writeResult('instrumentation', result);
log(
  `instrumentation ${result.instrumentationNsPerStart} ns per start = ${result.instrumentationOverIdentity} × the identity hash, ` +
    `${(result.instrumentationShareOfStartCpu.value * 100).toFixed(2)}% of a start's server CPU`,
);
process.exit(0);
