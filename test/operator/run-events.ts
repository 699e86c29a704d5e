import { RunEventsService } from '#libs/operation-runs';
import type { Tenant } from '#libs/tenancy';
import { startNode, type RunningProcess } from '../support/processes.js';
import { eventually } from '../support/eventually.js';
import { openEventStream, type EventStream } from '../support/sse.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('run-events', () => {
  // Process A serves HTTP only; runs execute in process B, a separate worker process.
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let tenant: Tenant;
  let operator: TestUser;
  let worker: RunningProcess | undefined;

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLES: 'api', EVENTS_HEARTBEAT_SECONDS: '1' }, { probes: true });
    ({ workspace, tenant, member: operator } = await t.world.tenantWithMember('operator'));
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await t?.close();
  });

  async function startWorker(): Promise<RunningProcess> {
    const env = { ...testEnvironment(t.db.url), REDIS_PREFIX: t.config.redis.prefix };
    const process = startNode('dist/test/support/probe-process.js', env, ['worker']);
    await process.output(/worker ready/);
    return process;
  }

  async function startProbe(body: object): Promise<string> {
    const response = await t.http.post(`/probe/tenants/${tenant.id}/active`, {
      token: operator.token,
      body,
    });
    expect(response.status).toBe(202);
    return response.body.run.id;
  }

  const events = (runId: string, token: string, headers: Record<string, string> = {}) =>
    openEventStream(`${t.http.baseUrl}/operations/${runId}/events`, {
      authorization: `Bearer ${token}`,
      ...headers,
    });

  /** The number of connections to the test database, by application name. */
  async function connections(): Promise<Record<string, number>> {
    const rows = await t.db.query<{ name: string; n: number }>(
      `SELECT application_name AS name, count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1`,
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.n]));
  }

  describe('GET /operations/{id}/events', () => {
    let stream: EventStream;
    let runId: string;

    it('shows a client of process A every change of a run executed by process B, in order, and ends', async () => {
      // Queued while no worker runs: the stream opens on a run that has not started.
      runId = await startProbe({ key: 'live', work: { sleepMs: 1500, succeeded: 3 } });
      stream = await events(runId, operator.token);
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // The head the stream writes itself still carries what every answer does.
      expect(stream.headers.get('x-request-id')).toEqual(expect.any(String));
      expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
      expect(stream.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const first = await stream.next();
      expect(first).toMatchObject({ event: 'run' });
      expect(JSON.parse(first!.data)).toMatchObject({ id: runId, status: 'queued' });

      worker = await startWorker();
      const rest = await stream.rest(60_000);
      const runs = rest.filter((e) => e.event === 'run').map((e) => JSON.parse(e.data));
      expect(runs.map((run) => run.status)).toEqual(['running', 'completed']);
      expect(runs[1]).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: 3, succeeded: 3 },
        links: { self: `/operations/${runId}` },
      });
      // Every event carries an id; the last is the end, and then the stream closes.
      expect(rest.filter((e) => e.event === 'run').every((e) => e.id)).toBe(true);
      expect(rest.at(-1)).toMatchObject({ event: 'end' });
      expect(JSON.parse(rest.at(-1)!.data)).toEqual({
        id: runId,
        status: 'completed',
        outcome: 'succeeded',
      });
      // The heartbeat (every second here) kept the stream alive while the run slept.
      expect(stream.comments()).toBeGreaterThan(0);
    });

    it('resumes from Last-Event-ID: an unchanged state is not sent again', async () => {
      const all = await events(runId, operator.token);
      const [state, end] = await all.rest();
      expect(state).toMatchObject({ event: 'run' });
      expect(end).toMatchObject({ event: 'end' });

      const resumed = await events(runId, operator.token, { 'last-event-id': state!.id! });
      expect((await resumed.rest()).map((e) => e.event)).toEqual(['end']);

      const stale = await events(runId, operator.token, { 'last-event-id': 'an-older-state' });
      const again = await stale.rest();
      expect(again.map((e) => e.event)).toEqual(['run', 'end']);
      expect(again[0]!.id).toBe(state!.id);
    });

    it('answers a stranger 404 and a member without the capability 403, as GET /operations/{id}', async () => {
      const stranger = await t.world.user();
      const readonly = await workspace.member('readonly');
      for (const [user, status] of [
        [stranger, 404],
        [readonly, 403],
      ] as const) {
        const stream = await events(runId, user.token);
        const read = await t.http.get(`/operations/${runId}`, { token: user.token });
        expect(stream.status).toBe(status);
        expect(read.status).toBe(status);
        expect(JSON.parse(await stream.text())).toEqual({
          ...read.body,
          requestId: expect.any(String),
        });
      }
      const missing = await events('0190f7a2-0000-7000-8000-000000000000', operator.token);
      expect(missing.status).toBe(404);
      expect((await events(runId, 'tops_not-a-token')).status).toBe(401);
    });

    it('survives losing its listening connection: the change made meanwhile still arrives', async () => {
      await worker?.stop('SIGKILL');
      worker = undefined;
      const queued = await startProbe({ key: 'reconnect' });
      const stream = await events(queued, operator.token);
      expect(JSON.parse((await stream.next())!.data)).toMatchObject({ status: 'queued' });
      const [killed] = await t.db.query<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'tenantops-run-events'`,
      );
      expect(killed).toEqual({ killed: true });
      // Cancelled while nothing listens: the listener, back, reads every run it watches again.
      expect(
        (await t.http.post(`/operations/${queued}/cancel`, { token: operator.token })).status,
      ).toBe(202);
      const rest = await stream.rest();
      expect(rest.map((e) => e.event)).toEqual(['run', 'end']);
      expect(JSON.parse(rest[0]!.data)).toMatchObject({
        status: 'completed',
        outcome: 'cancelled',
      });
    });

    it('holds 200 open streams on one listening connection per process, and ends them all', async () => {
      await worker?.stop('SIGKILL');
      worker = undefined;
      const queued = await startProbe({ key: 'crowd' });
      const before = await connections();
      const streams = await Promise.all(
        Array.from({ length: 200 }, () => events(queued, operator.token)),
      );
      for (const stream of streams) expect((await stream.next())?.event).toBe('run');
      const service = t.app.get(RunEventsService);
      expect(service.watching).toEqual({ runs: 1, watchers: 200 });
      const during = await connections();
      expect(during['tenantops-run-events']).toBe(1);
      // The app's pool did not grow with the streams: they hold no connection of it.
      expect(during.tenantops ?? 0).toBeLessThanOrEqual(
        Math.max(before.tenantops ?? 0, t.config.database.poolSize),
      );

      // One change, read once, reaches every stream; each ends.
      const cancel = await t.http.post(`/operations/${queued}/cancel`, { token: operator.token });
      expect(cancel.status).toBe(202);
      const ends = await Promise.all(streams.map((stream) => stream.rest()));
      for (const rest of ends) {
        expect(rest.map((e) => e.event)).toEqual(['run', 'end']);
        expect(JSON.parse(rest[0]!.data)).toMatchObject({ outcome: 'cancelled' });
      }
      expect(await eventually(async () => service.watching.watchers === 0)).toBe(true);
      // The last stream gone, the listening connection is closed.
      expect(
        await eventually(async () => (await connections())['tenantops-run-events'] === undefined),
      ).toBe(true);
    });
  });
});
