import { jest } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { HttpResponse } from './support/http.js';
import {
  bodyFor,
  hostileText,
  operationsOf,
  responseValidator,
  serialize,
  validValue,
  type Operation,
  type ValuePools,
} from './support/openapi-fuzz.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import type { TestUser } from './support/world.js';

/**
 * Hostile input, from the OpenAPI document: every route of `/docs-json`, with generated valid and
 * invalid path parameters, query strings, headers and bodies (oversized, deeply nested, NUL,
 * unicode, wrong types, huge numbers, other workspaces' ids), as every role and as strangers.
 * Whatever comes: never a 5xx; every 4xx is problem+json; every 2xx is documented and its body
 * validates against the document's schema (ajv); and no answer carries a record of a workspace
 * the caller is not a member of. A fixed seed and a bounded number of requests (FUZZ_RUNS,
 * FUZZ_SEED for a longer or another walk).
 */
jest.setTimeout(240_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_217);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1200);

let t: TestApp;
let document: any;
let operations: Operation[];
const callers = new Map<string, Record<string, string>>();
/** Ids of records of the workspace none of the callers belongs to. */
const foreign = new Set<string>();
const ids = new Map<string, string[]>();

function remember(kind: string, ...values: (string | undefined)[]): void {
  const known = ids.get(kind) ?? [];
  for (const value of values) if (value) known.push(value);
  ids.set(kind, known);
}

const pools: ValuePools = {
  idsFor: (name) => {
    // `id` (of /operations/{id}) is a run's; `sourceBackupSetId` a set's, `restoreRunId` a
    // restore run's: the longest known kind the name ends with.
    const lower = name === 'id' ? 'run' : name.replace(/Ids?$/, '').toLowerCase();
    const kind = [...ids.keys()]
      .filter((known) => lower.endsWith(known))
      .sort((a, b) => b.length - a.length)[0];
    const exact = kind ? ids.get(kind)! : [];
    const all = [...ids.values()].flat();
    return exact.length ? [...exact, ...exact, ...all.slice(0, 8)] : all;
  },
};

/** A workspace with records of every kind, made through the API as its owner. */
async function seedWorkspace(owner: TestUser, tenantIds: string[]): Promise<string[]> {
  const made: string[] = [];
  const auth = { token: owner.token };
  for (const tenantId of tenantIds) {
    const schedule = await t.http.post(`/tenants/${tenantId}/backup-schedules`, {
      ...auth,
      body: { name: 'Nightly', cron: '0 3 * * *', timezone: 'Europe/Berlin' },
    });
    const set = await t.http.post(`/tenants/${tenantId}/backup-sets`, {
      ...auth,
      body: { name: 'Set' },
    });
    const restore = await t.http.post(`/tenants/${tenantId}/restore-runs`, {
      ...auth,
      body: { sourceBackupSetId: set.body.id },
    });
    const sync = await t.http.post(`/tenants/${tenantId}/inventory/sync`, { ...auth, body: {} });
    const run = await t.http.post(
      `/tenants/${tenantId}/backup-schedules/${schedule.body.id}/run`,
      auth,
    );
    remember('schedule', schedule.body.id);
    remember('set', set.body.id);
    remember('restorerun', restore.body?.id);
    remember('run', sync.body.run.id, run.body.run.id);
    made.push(schedule.body.id, set.body.id, restore.body?.id, sync.body.run.id, run.body.run.id);
  }
  return made.filter(Boolean);
}

beforeAll(async () => {
  // API only: the runs the fuzzer starts stay queued (no Graph behind this app).
  t = await startTestApp({ APP_ROLES: 'api' });
  document = (await t.http.get('/docs-json')).body;
  operations = operationsOf(document);

  const mine = await t.world.workspace();
  const tenants = [await mine.tenant(), await mine.tenant(), await mine.tenant()];
  const members = {
    owner: await mine.member('owner'),
    manager: await mine.member('manager'),
    operator: await mine.member('operator'),
    readonly: await mine.member('readonly'),
  };
  const outsider = await t.world.user();
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
  await seedWorkspace(
    members.owner,
    tenants.map((tenant) => tenant.id),
  );

  // A workspace none of the callers belongs to: its ids are tried everywhere and must never be
  // answered with.
  const theirs = await t.world.workspace();
  const theirTenant = await theirs.tenant();
  const theirOwner = await theirs.member('owner');
  remember('workspace', theirs.id);
  remember('tenant', theirTenant.id);
  for (const id of [
    theirs.id,
    theirTenant.id,
    ...(await seedWorkspace(theirOwner, [theirTenant.id])),
  ]) {
    foreign.add(id);
  }
});
afterAll(() => t?.close());

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

function queryValue(schema: any, name: string): fc.Arbitrary<string[]> {
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

function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathValue = (name: string) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...pools.idsFor(name)) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: hostileText.filter((text) => text.length > 0) },
    );
  const query = fc.tuple(
    ...op.query.map((param) =>
      fc.option(queryValue(param.schema, param.name), { freq: 2, nil: undefined }),
    ),
    // A parameter the route does not know.
    fc.option(fc.tuple(hostileText, hostileText), { freq: 6, nil: undefined }),
  );
  const headers = fc.record({
    idempotencyKey: fc.option(fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,40}$/), headerText), {
      freq: 2,
      nil: undefined,
    }),
    requestId: fc.option(headerText, { freq: 5, nil: undefined }),
    contentType: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
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
    : fc.option(fc.constantFrom('{}', '{"x":1}', 'junk'), { freq: 6, nil: undefined });
  return fc
    .record({
      caller: fc.constantFrom(...callers.keys()),
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
    if (body.status !== status || typeof body.title !== 'string' || typeof body.type !== 'string') {
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
  for (const id of foreign) {
    if (response.text.includes(id)) return `answered with ${id}, a record of another workspace`;
  }
  return null;
}

it('answers every generated request to every route without a 5xx, with problem+json, by the document, and never with another workspace', async () => {
  const validate = responseValidator(document);
  const statuses = new Map<string, Set<number>>();
  const failures: string[] = [];
  const collectAll = process.env.FUZZ_COLLECT === '1';
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...operations).chain(requestFor), async (request) => {
      const url = `${request.path}${request.query.length ? `?${new URLSearchParams(request.query)}` : ''}`;
      const response = await t.http.request(request.op.method, url, {
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
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  expect(failures).toEqual([]);
  // The walk reached every route, and most of them past the access checks.
  expect([...statuses.keys()].sort()).toEqual(
    operations.map((op) => `${op.method} ${op.path}`).sort(),
  );
  const succeeded = [...statuses.values()].filter((seen) => [...seen].some((s) => s < 300));
  expect(succeeded.length).toBeGreaterThan(operations.length / 2);
});
