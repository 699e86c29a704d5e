import { readFileSync } from 'node:fs';
import { GraphClient } from '#libs/graph';
import { Metrics, MetricsServer } from '#libs/metrics';
import { RunLivenessService, RunRetentionService } from '#libs/operation-runs';
import { SchedulerService } from '../../src/scheduler/index.js';
import type { Tenant } from '#libs/tenancy';
import { SIM_CLIENT_SECRET, startAppWithSim } from '../support/graph-sim.js';
import { parseExposition, type Exposition } from '../support/prometheus.js';
import { waitForRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/world.js';

describe('metrics', () => {
  let t: TestApp;
  let tenant: Tenant;
  let operator: TestUser;
  let metricsUrl: string;

  beforeAll(async () => {
    t = await startTestApp({}, { probes: true });
    ({ tenant, member: operator } = await t.world.tenantWithMember('operator'));
    const address = t.app.get(MetricsServer).address()!;
    metricsUrl = `http://127.0.0.1:${address.port}/metrics`;
  });
  afterAll(() => t?.close());

  async function scrape(): Promise<{ text: string; metrics: Exposition }> {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, metrics: parseExposition(text) };
  }

  const start = (kind: string, body: object, headers: Record<string, string> = {}) =>
    t.http.post(`/probe/tenants/${tenant.id}/${kind}`, { token: operator.token, body, headers });

  const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

  describe('GET /metrics', () => {
    it('answers on its own listener and not on the API port', async () => {
      expect(t.app.get(MetricsServer).address()!.port).not.toBe(
        Number(new URL(t.http.baseUrl).port),
      );
      const onApi = await t.http.get('/metrics');
      expect(onApi.status).toBe(404);
      const other = await fetch(metricsUrl.replace('/metrics', '/other'));
      expect(other.status).toBe(404);
    });

    it('moves the run counters by exactly a start, a dedupe and a failure', async () => {
      const before = (await scrape()).metrics;

      const first = await start('active', { key: 'm1', work: { sleepMs: 300 } });
      const again = await start('active', { key: 'm1', work: { sleepMs: 300 } });
      const failing = await start('request', { key: 'm2', work: { nonRetryable: true } });
      expect([first.status, again.status, failing.status]).toEqual([202, 200, 202]);
      await waitForRun(t.http, operator.token, first.body.run.id);
      const failed = await waitForRun(t.http, operator.token, failing.body.run.id);
      expect(failed.outcome).toBe('failed');

      const after = (await scrape()).metrics;
      const delta = (name: string, labels: Record<string, string> = {}) =>
        after.value(name, labels) - before.value(name, labels);
      expect(delta('tenantops_run_starts_total', { type: 'probe_active', result: 'created' })).toBe(
        1,
      );
      expect(
        delta('tenantops_run_starts_total', { type: 'probe_active', result: 'deduplicated' }),
      ).toBe(1);
      expect(
        delta('tenantops_run_starts_total', { type: 'probe_request', result: 'created' }),
      ).toBe(1);
      expect(
        delta('tenantops_run_starts_total', { type: 'probe_request', result: 'dispatch_failed' }),
      ).toBe(0);
      expect(
        delta('tenantops_run_completions_total', { type: 'probe_active', outcome: 'succeeded' }),
      ).toBe(1);
      expect(
        delta('tenantops_run_completions_total', { type: 'probe_request', outcome: 'failed' }),
      ).toBe(1);
      expect(delta('tenantops_run_duration_seconds_count', { type: 'probe_active' })).toBe(1);
      expect(delta('tenantops_run_queue_wait_seconds_count', { type: 'probe_request' })).toBe(1);
      // HTTP by route template and status: two new runs (202), one deduplicated (200).
      const route = { method: 'POST', route: '/probe/tenants/:tenantId/:kind' };
      expect(
        delta('tenantops_http_request_duration_seconds_count', { ...route, status: '202' }),
      ).toBe(2);
      expect(
        delta('tenantops_http_request_duration_seconds_count', { ...route, status: '200' }),
      ).toBe(1);
    });

    it('is an exposition that parses, equal to prom-client’s registry, with bounded labels', async () => {
      const { text, metrics } = await scrape();
      // Every sample of the registry is in the text with its value, and nothing else is.
      const registry = await t.app.get(Metrics).registry.getMetricsAsJSON();
      let expected = 0;
      for (const metric of registry) {
        expect(metrics.types.get(metric.name)).toBe(metric.type);
        for (const sample of metric.values) {
          const name = (sample as { metricName?: string }).metricName ?? metric.name;
          const labels = Object.fromEntries(
            Object.entries(sample.labels).map(([key, value]) => [key, String(value)]),
          );
          if (name.startsWith('tenantops_process_')) continue; // read again on each scrape
          expect([name, labels, metrics.value(name, labels)]).toEqual([name, labels, sample.value]);
          expected++;
        }
      }
      expect(expected).toBeGreaterThan(20);
      // No tenant, run or user id is ever a label value.
      expect(text).not.toMatch(UUID);
      expect(text).not.toContain(tenant.id);
      // The queues and the pool are there.
      expect(metrics.types.get('tenantops_queue_jobs')).toBe('gauge');
      expect(
        metrics.samples.some(
          (s) => s.name === 'tenantops_queue_jobs' && s.labels.queue === 'probe' && s.labels.state,
        ),
      ).toBe(true);
      for (const state of ['in_use', 'idle', 'waiting']) {
        expect(
          metrics.samples.some(
            (s) => s.name === 'tenantops_db_pool_connections' && s.labels.state === state,
          ),
        ).toBe(true);
      }
    });
  });

  describe('the Grafana dashboard (deploy/grafana)', () => {
    it('uses only metrics the processes expose', async () => {
      const dashboard = JSON.parse(
        readFileSync(
          new URL('../../deploy/grafana/tenantops-dashboard.json', import.meta.url),
          'utf8',
        ),
      ) as { panels: { targets?: { expr: string }[] }[] };
      const used = new Set(
        dashboard.panels
          .flatMap((panel) => panel.targets ?? [])
          .flatMap((target) => target.expr.match(/tenantops_[a-z_]+/g) ?? [])
          .map((name) => name.replace(/_(bucket|count|sum)$/, '')),
      );
      const exposed = new Set(
        (await t.app.get(Metrics).registry.getMetricsAsJSON()).map((metric) => metric.name),
      );
      expect(used.size).toBeGreaterThan(15);
      expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
    });
  });

  describe('the request id', () => {
    it('goes from the start request into the run and every log line the worker writes for it', async () => {
      const requestId = `req-${Date.now()}`;
      const started = await start('request', { key: 'rid' }, { 'x-request-id': requestId });
      expect(started.headers.get('x-request-id')).toBe(requestId);
      const run = await waitForRun(t.http, operator.token, started.body.run.id);
      expect(run.context.requestId).toBe(requestId);

      const lines = t.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.runId === run.id);
      expect(lines.map((line) => line.msg)).toContain('Run completed');
      for (const line of lines) expect(line.requestId).toBe(requestId);
    });

    it('is the one the server gave a request that came without one', async () => {
      const started = await start('request', { key: 'no-header' });
      const run = await waitForRun(t.http, operator.token, started.body.run.id);
      // Fastify made one for the request: the run still names it.
      expect(run.context.requestId).toBe(started.headers.get('x-request-id'));
    });
  });

  describe('scheduler and housekeeping metrics', () => {
    it('follow what ticks, sweeps and prunes report', async () => {
      const before = (await scrape()).metrics;
      const now = new Date(Date.now() + 400 * 86_400_000); // every run so far is old by then
      const ticks = t.app.get(SchedulerService);
      const first = await ticks.tick(now);
      const second = await ticks.tick(now);
      const swept = await t.app.get(RunLivenessService).sweep(now);
      const pruned = await t.app.get(RunRetentionService).prune(now);
      const after = (await scrape()).metrics;
      const delta = (name: string, labels: Record<string, string> = {}) =>
        after.value(name, labels) - before.value(name, labels);

      expect(delta('tenantops_scheduler_ticks_total')).toBe(2);
      expect(first.created.length).toBeGreaterThan(0); // the periodic duties' runs
      expect(delta('tenantops_scheduler_fires_total', { result: 'created' })).toBe(
        first.created.length + second.created.length,
      );
      expect(delta('tenantops_scheduler_fires_total', { result: 'deduplicated' })).toBe(
        first.deduplicated + second.deduplicated,
      );
      expect(delta('tenantops_runs_swept_total', { reason: 'stale_queued' })).toBe(
        swept.staleQueued.length,
      );
      expect(delta('tenantops_runs_swept_total', { reason: 'worker_lost' })).toBe(
        swept.lost.length,
      );
      expect(pruned.pruned).toBeGreaterThan(0);
      expect(delta('tenantops_runs_pruned_total')).toBe(pruned.pruned);
    });
  });

  describe('Graph metrics', () => {
    it('count each request by resource and status, the throttles and the seconds waited', async () => {
      const { sim, t: app, close } = await startAppWithSim();
      try {
        const workspace = await app.world.workspace();
        const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
        await sim.control.schedule(tenant.entraTenantId, {
          status: 429,
          count: 1,
          retryAfter: '0.25',
          match: '/groups',
        });
        expect(await app.app.get(GraphClient).forTenant(tenant.id).listAll('groups')).toHaveLength(
          250,
        );
        const address = app.app.get(MetricsServer).address()!;
        const metrics = parseExposition(
          await (await fetch(`http://127.0.0.1:${address.port}/metrics`)).text(),
        );
        const groups = { method: 'GET', resource: 'v1.0/groups' };
        expect(metrics.value('tenantops_graph_requests_total', { ...groups, status: '429' })).toBe(
          1,
        );
        expect(metrics.value('tenantops_graph_requests_total', { ...groups, status: '200' })).toBe(
          3,
        );
        expect(metrics.value('tenantops_graph_throttles_total', { resource: 'v1.0/groups' })).toBe(
          1,
        );
        expect(
          metrics.value('tenantops_graph_retry_wait_seconds_total', { resource: 'v1.0/groups' }),
        ).toBe(0.25);
      } finally {
        await close();
      }
    });
  });
});
