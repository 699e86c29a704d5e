import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { HttpClient, type HttpResponse } from '../support/http.js';
import {
  bodyFor,
  hostileText,
  operationsOf,
  responseValidator,
  serialize,
  validValue,
  type Operation,
  type ValuePools,
} from '../support/openapi-fuzz.js';
import { startAndWait } from '../support/runs.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/world.js';

/**
 * Hostile input, from the OpenAPI document: every route of `/docs-json`, with generated valid and
 * invalid path parameters, query strings, headers and bodies (oversized, deeply nested, NUL,
 * unicode, wrong types, huge numbers, other workspaces' ids), as every role and as strangers.
 * Whatever comes: never a 5xx; every 4xx is problem+json; every 2xx is documented and its body
 * validates against the document's schema (ajv); and no answer carries a record of a workspace
 * the caller is not a member of. A fixed seed and a bounded number of requests (FUZZ_RUNS,
 * FUZZ_SEED for a longer or another walk).
 */
describe('api-fuzz', () => {
  const SEED = Number(process.env.FUZZ_SEED ?? 20_261_217);
  const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);

  let simulated: TestSim;
  let seedingApp: TestApp;
  let app: NestFastifyApplication;
  let http: HttpClient;
  let document: any;
  let operations: Operation[];
  const callers = new Map<string, Record<string, string>>();
  const MEMBERS = ['owner', 'manager', 'operator', 'readonly'];
  /** Ids of records of the workspace none of the callers belongs to. */
  const foreign = new Set<string>();
  const ids = new Map<string, string[]>();

  function remember(kind: string, ...values: (string | undefined)[]): void {
    const known = ids.get(kind) ?? [];
    for (const value of values) if (value) known.push(value);
    ids.set(kind, known);
  }

  /** A tenant with its records: most requests name records that belong together. */
  interface Context {
    ids: Map<string, string[]>;
  }
  const contexts: Context[] = [];

  /** `id` (of /operations/{id}) is a run's; `sourceBackupSetId` a set's: the longest kind the name ends with. */
  function kindOf(name: string): string | undefined {
    const lower = name === 'id' ? 'run' : name.replace(/Ids?$/, '').toLowerCase();
    return [...ids.keys()]
      .filter((known) => lower.endsWith(known))
      .sort((a, b) => b.length - a.length)[0];
  }

  /**
   * Ids for a request's fields and parameters: the context's first. A delete is given the
   * context's spare records (made to be deleted), so that the walk does not delete its own world.
   */
  function poolsFor(context: Context | undefined, deleting = false): ValuePools {
    return {
      idsFor: (name) => {
        const kind = kindOf(name);
        const spare = (deleting && kind && context?.ids.get(`spare ${kind}`)) || [];
        if (spare.length) return spare;
        const own = (kind && context?.ids.get(kind)) || [];
        const known = (kind && ids.get(kind)) || [];
        if (own.length) return [...own, ...own, ...own, ...known];
        return known.length ? known : [...ids.values()].flat();
      },
    };
  }

  /**
   * A workspace with records of every kind, made through the API as its owner, with a worker and
   * the simulated Graph behind it: syncs, versions, groups, role definitions, drift findings,
   * schedules and their runs, backup sets with items, a restore draft.
   */
  async function seedWorkspace(
    seeding: TestApp,
    owner: TestUser,
    workspaceId: string,
    tenantIds: string[],
  ): Promise<string[]> {
    const made: string[] = [];
    const auth = { token: owner.token };
    const run = (path: string, body: unknown = {}) =>
      startAndWait(seeding.http, owner.token, path, body, 120_000);
    const list = async (path: string): Promise<string[]> =>
      (await seeding.http.get(path, auth)).body.items.map((item: { id: string }) => item.id);
    for (const tenantId of tenantIds) {
      const context: Context = {
        ids: new Map([
          ['tenant', [tenantId]],
          ['workspace', [workspaceId]],
        ]),
      };
      contexts.push(context);
      const keep = (kind: string, ...values: (string | undefined)[]) => {
        remember(kind, ...values);
        const own = context.ids.get(kind) ?? [];
        for (const value of values) {
          if (!value) continue;
          made.push(value);
          own.push(value);
        }
        context.ids.set(kind, own);
      };
      const base = `/tenants/${tenantId}`;
      const first = await run(`${base}/inventory/sync`);
      const policies = await run(`${base}/inventory/policies/sync`);
      const second = await run(`${base}/inventory/sync`);
      const groups = await run(`${base}/directory/groups/sync`);
      const roles = await run(`${base}/directory/role-definitions/sync`);
      const drift = await run(`${base}/drift/generate`, {
        baselineRunId: first.id,
        currentRunId: second.id,
      });
      keep('run', first.id, policies.id, second.id, groups.id, roles.id, drift.id);
      const items = await list(`${base}/inventory/items?limit=3`);
      keep('item', ...items);
      keep('policy', ...items);
      keep('version', ...(await list(`${base}/inventory/versions?limit=3`)));
      keep('group', ...(await list(`${base}/directory/groups?limit=3`)));
      keep('role', ...(await list(`${base}/directory/role-definitions?limit=3`)));
      keep('finding', ...(await list(`${base}/drift/findings?limit=3`)));

      const schedule = await seeding.http.post(`${base}/backup-schedules`, {
        ...auth,
        body: { name: 'Nightly', cron: '0 3 * * *', timezone: 'Europe/Berlin', keepLast: 3 },
      });
      keep('schedule', schedule.body.id);
      const scheduled = await run(`${base}/backup-schedules/${schedule.body.id}/run`);
      const set = await seeding.http.post(`${base}/backup-sets`, {
        ...auth,
        body: { name: 'Set' },
      });
      keep('set', set.body.id);
      const added = await run(`${base}/backup-sets/${set.body.id}/policies`, { policyIds: items });
      keep('run', scheduled.id, added.id);
      const draft = () =>
        seeding.http.post(`${base}/restore-runs`, {
          ...auth,
          body: { sourceBackupSetId: set.body.id, conflictPolicy: 'update' },
        });
      keep('restorerun', (await draft()).body.id);
      // Records made to be deleted (see poolsFor).
      const spareSchedule = await seeding.http.post(`${base}/backup-schedules`, {
        ...auth,
        body: { name: 'Spare', cron: '0 4 * * *', timezone: 'UTC' },
      });
      keep('spare schedule', spareSchedule.body.id);
      keep('spare restorerun', (await draft()).body.id);
      const spareTenant = await seeding.http.post(`/workspaces/${workspaceId}/tenants`, {
        ...auth,
        body: {
          displayName: 'Spare',
          entraTenantId: randomUUID(),
          clientId: randomUUID(),
          clientSecret: SIM_CLIENT_SECRET,
        },
      });
      keep('spare tenant', spareTenant.body.id);
    }
    return made;
  }

  beforeAll(async () => {
    // The world is made by an app with a worker and the simulated Graph; the fuzzer then talks
    // to an API-only process on the same database, so that what it starts stays queued.
    const { sim, t: seeding } = await startAppWithSim({ APP_ROLES: 'api,worker' });
    simulated = sim;
    seedingApp = seeding;
    const mine = await seeding.world.workspace();
    const tenants = [
      await mine.tenant({ clientSecret: SIM_CLIENT_SECRET }),
      await mine.tenant({ clientSecret: SIM_CLIENT_SECRET }),
    ];
    const members = {
      owner: await mine.member('owner'),
      manager: await mine.member('manager'),
      operator: await mine.member('operator'),
      readonly: await mine.member('readonly'),
    };
    const outsider = await seeding.world.user();
    for (const [role, user] of Object.entries(members)) {
      callers.set(role, { authorization: `Bearer ${user.token}` });
    }
    callers.set('outsider', { authorization: `Bearer ${outsider.token}` });
    callers.set('anonymous', {});
    callers.set('made-up token', { authorization: `Bearer tops_${randomUUID()}` });
    callers.set('not bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    callers.set('oversized token', { authorization: `Bearer ${'a'.repeat(6000)}` });
    remember('workspace', mine.id);
    remember('tenant', ...tenants.map((tenant) => tenant.id));
    remember('user', ...Object.values(members).map((user) => user.id), outsider.id);
    // One tenant with records of every kind; the other bare.
    await seedWorkspace(seeding, members.owner, mine.id, [tenants[0]!.id]);
    contexts.push({
      ids: new Map([
        ['tenant', [tenants[1]!.id]],
        ['workspace', [mine.id]],
      ]),
    });

    // A workspace none of the callers belongs to: its ids are tried everywhere and must never be
    // answered with.
    const theirs = await seeding.world.workspace();
    const theirTenant = await theirs.tenant({ clientSecret: SIM_CLIENT_SECRET });
    const theirOwner = await theirs.member('owner');
    remember('workspace', theirs.id);
    remember('tenant', theirTenant.id);
    for (const id of [
      theirs.id,
      theirTenant.id,
      ...(await seedWorkspace(seeding, theirOwner, theirs.id, [theirTenant.id])),
    ]) {
      foreign.add(id);
    }
    await seeding.app.close();

    app = await createApp(
      { ...seeding.config, roles: ['api'] },
      { logging: { destination: { write: () => undefined } } },
    );
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    http = new HttpClient(`http://127.0.0.1:${port}`);
    document = (await http.get('/docs-json')).body;
    operations = operationsOf(document);
  });
  afterAll(async () => {
    await app?.close();
    await seedingApp?.db.drop();
    await simulated?.close();
  });

  interface FuzzRequest {
    op: Operation;
    caller: string;
    path: string;
    query: [string, string][];
    headers: Record<string, string>;
    body?: string;
  }

  /** Header values fetch can send: Latin-1 without controls. */
  const headerText = fc.oneof(
    fc.string({
      unit: fc
        .integer({ min: 0x20, max: 0xff })
        .filter((code) => code < 0x7f || code > 0x9f)
        .map((code) => String.fromCharCode(code)),
      maxLength: 80,
    }),
    fc.constantFrom('k'.repeat(300), 'k'.repeat(4000), ' ', 'ÿÿÿ'),
  );

  function queryValue(schema: any, name: string, pools: ValuePools): fc.Arbitrary<string[]> {
    const one = fc.oneof(
      { weight: 4, arbitrary: validValue(document, schema, pools, name).map(String) },
      { weight: 2, arbitrary: hostileText },
    );
    return fc.oneof(
      { weight: 5, arbitrary: one.map((value) => [value]) },
      // The parameter twice: Fastify hands the handler an array.
      { weight: 1, arbitrary: fc.tuple(one, one) },
    );
  }

  function requestFor(op: Operation, context: Context | undefined): fc.Arbitrary<FuzzRequest> {
    const pools = poolsFor(context, op.method === 'DELETE');
    const pathValue = (name: string) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...pools.idsFor(name)) },
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: hostileText.filter((text) => text.length > 0) },
      );
    const query = fc.tuple(
      // Each optional filter now and then: one bad value refuses the whole request.
      ...op.query.map((param) =>
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: queryValue(param.schema, param.name, pools) },
        ),
      ),
      // A parameter the route does not know.
      fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(hostileText, hostileText) },
      ),
    );
    const headers = fc.record({
      idempotencyKey: fc.option(fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,40}$/), headerText), {
        freq: 2,
        nil: undefined,
      }),
      requestId: fc.option(headerText, { freq: 5, nil: undefined }),
      contentType: fc.oneof(
        { weight: 12, arbitrary: fc.constant('application/json') },
        {
          weight: 3,
          arbitrary: fc.constantFrom(
            'application/json; charset=utf-8',
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
          ),
        },
      ),
    });
    const body = op.body
      ? fc.oneof(
          { weight: 12, arbitrary: bodyFor(document, op.body, pools).map(serialize) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('{', '', 'null', '[]', '"x"', '{"a":1}x', '\u0000'),
          },
        )
      : fc.oneof(
          { weight: 5, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom('{}', '{"x":1}', 'junk') },
        );
    return fc
      .record({
        // Members most of the time: strangers are refused before anything else is looked at.
        caller: fc.oneof(
          ...[...callers.keys()].map((name) => ({
            weight: MEMBERS.includes(name) ? 4 : 1,
            arbitrary: fc.constant(name),
          })),
        ),
        params: fc.tuple(...op.pathParams.map(pathValue)),
        query,
        headers,
        body,
      })
      .map(({ caller, params, query, headers, body }) => {
        let path = op.path;
        op.pathParams.forEach((name, i) => {
          path = path.replace(`{${name}}`, encodeURIComponent(params[i]!));
        });
        const pairs: [string, string][] = [];
        const [unknown] = query.slice(-1) as [[string, string] | undefined];
        op.query.forEach((param, i) => {
          for (const value of (query[i] as string[] | undefined) ?? [])
            pairs.push([param.name, value]);
        });
        if (unknown) pairs.push(unknown);
        const sent: Record<string, string> = { ...callers.get(caller) };
        if (headers.idempotencyKey !== undefined && op.headers.length) {
          sent['idempotency-key'] = headers.idempotencyKey;
        }
        if (headers.requestId !== undefined) sent['x-request-id'] = headers.requestId;
        const withBody = op.method !== 'GET' && body !== undefined;
        if (withBody) sent['content-type'] = headers.contentType;
        return { op, caller, path, query: pairs, headers: sent, body: withBody ? body : undefined };
      });
  }

  function describeRequest(request: FuzzRequest): string {
    const query = new URLSearchParams(request.query).toString();
    const body = request.body === undefined ? '' : ` ${request.body.slice(0, 300)}`;
    return `${request.caller}: ${request.op.method} ${request.path}${query ? `?${query}` : ''}${body}`.slice(
      0,
      800,
    );
  }

  /** Fields whose value the client chose (a tenant's Entra ids): they may hold any id at all. */
  const CLIENT_CHOSEN = new Set(['entraTenantId', 'clientId']);

  /** The first id of a record of the other workspace in a body (any `id` or `…Id` field), if any. */
  function foreignIdIn(value: unknown, key = ''): string | undefined {
    if (typeof value === 'string') {
      return (key === 'id' || /Id$/.test(key)) && !CLIENT_CHOSEN.has(key) && foreign.has(value)
        ? value
        : undefined;
    }
    if (typeof value !== 'object' || value === null) return undefined;
    for (const [inner, item] of Object.entries(value)) {
      const found = foreignIdIn(item, Array.isArray(value) ? key : inner);
      if (found) return found;
    }
    return undefined;
  }

  /** What is wrong with the answer, or null. */
  function problemWith(
    request: FuzzRequest,
    response: HttpResponse,
    validate: ReturnType<typeof responseValidator>,
  ): string | null {
    const { status } = response;
    if (status >= 500) return `answered ${status}: ${response.text.slice(0, 300)}`;
    if (status >= 400) {
      if (!/^application\/problem\+json/.test(response.headers.get('content-type') ?? '')) {
        return `${status} is not problem+json: ${response.headers.get('content-type')} ${response.text.slice(0, 200)}`;
      }
      const body = response.body as Record<string, unknown>;
      if (
        body.status !== status ||
        typeof body.title !== 'string' ||
        typeof body.type !== 'string'
      ) {
        return `${status} problem body is malformed: ${response.text.slice(0, 200)}`;
      }
      return null;
    }
    if (!request.op.responses.has(status)) {
      return `answered ${status}, which the document does not list (${[...request.op.responses.keys()]})`;
    }
    const schema = request.op.responses.get(status);
    if (schema) {
      const check = validate(schema);
      if (!check(response.body)) {
        return `${status} body does not match the document: ${JSON.stringify(check.errors?.slice(0, 3))}`;
      }
    } else if (status === 204 && response.text !== '') {
      return `204 with a body: ${response.text.slice(0, 100)}`;
    }
    const leaked = foreignIdIn(response.body);
    if (leaked) return `answered with ${leaked}, a record of another workspace`;
    return null;
  }

  it('documents every path parameter of every route, once', () => {
    const mismatched = operations.filter(
      (op) => [...op.documentedPathParams].sort().join() !== [...op.pathParams].sort().join(),
    );
    expect(mismatched.map((op) => `${op.method} ${op.path}: ${op.documentedPathParams}`)).toEqual(
      [],
    );
  });

  it('answers every generated request to every route without a 5xx, with problem+json, by the document, and never with another workspace', async () => {
    const validate = responseValidator(document);
    const statuses = new Map<string, Set<number>>();
    const failures: string[] = [];
    const collectAll = process.env.FUZZ_COLLECT === '1';
    await fc.assert(
      fc.asyncProperty(
        fc
          .tuple(
            fc.constantFrom(...operations),
            fc.option(fc.constantFrom(...contexts), { freq: 5, nil: undefined }),
          )
          .chain(([op, context]) => requestFor(op, context)),
        async (request) => {
          const url = `${request.path}${request.query.length ? `?${new URLSearchParams(request.query)}` : ''}`;
          const response = await http.request(request.op.method, url, {
            headers: request.headers,
            ...(request.body !== undefined ? { rawBody: request.body } : {}),
          });
          const key = `${request.op.method} ${request.op.path}`;
          statuses.set(key, (statuses.get(key) ?? new Set()).add(response.status));
          const problem = problemWith(request, response, validate);
          if (problem === null) return;
          const failure = `${problem}\n    ← ${describeRequest(request)}`;
          if (!collectAll) throw new Error(failure);
          failures.push(failure);
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    if (collectAll) {
      for (const [route, seen] of statuses) process.stderr.write(`${route}: ${[...seen].sort()}\n`);
    }
    expect(failures).toEqual([]);
    // The walk reached every route, and most of them past the access checks.
    expect([...statuses.keys()].sort()).toEqual(
      operations.map((op) => `${op.method} ${op.path}`).sort(),
    );
    const succeeded = [...statuses.values()].filter((seen) => [...seen].some((s) => s < 300));
    expect(succeeded.length).toBeGreaterThan(operations.length / 2);
  });
});
