import { randomUUID } from 'node:crypto';
import {
  GraphClient,
  GraphContractError,
  GraphErrorCode,
  GraphForbiddenError,
  GraphNotFoundError,
  GraphThrottledError,
  GraphUnauthorizedError,
  GraphUnavailableError,
  type GraphResource,
  type TenantGraph,
} from '#libs/graph';
import { GraphHttp } from '../../libs/graph/graph-http.js';
import { GraphTokenProvider } from '../../libs/graph/graph-token.provider.js';
import { CLI_ACTOR, TenantsService } from '#libs/tenancy';
import { eventually } from '../support/eventually.js';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import type { TestApp } from '../support/test-app.js';
import type { WorkspaceBuilder } from '../support/world.js';

describe('graph-client', () => {
  const MAX_ATTEMPTS = 4;
  const PAGED_SETTINGS_TENANT = '5e771265-0000-4000-8000-000000000001';

  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim({
      GRAPH_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      LOG_LEVEL: 'trace',
    }));
    workspace = await t.world.workspace();
  });
  afterAll(() => close?.());

  /** A TenantOps tenant whose Entra tenant is a fresh generated one in the sim. */
  async function tenantGraph(clientSecret = SIM_CLIENT_SECRET, entraTenantId?: string) {
    const tenant = await workspace.tenant({ clientSecret, entraTenantId });
    return {
      graph: t.app.get(GraphClient).forTenant(tenant.id),
      entra: tenant.entraTenantId,
    };
  }

  const graphRequests = async (entra: string, pathPart: string) =>
    (await sim.control.requests(entra)).requests.filter((r) => r.path.includes(pathPart));

  const ids = (items: { id: string }[]) => items.map((item) => item.id);

  async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a rejection');
  }

  describe('paging', () => {
    it('returns every item of a collection across many pages exactly once, following nextLink verbatim', async () => {
      const { graph, entra } = await tenantGraph();
      await sim.control.sizes(entra, { configurationPolicies: 130, groups: 1234 });

      const policies = await graph.listAll('configurationPolicies');
      expect(ids(policies)).toEqual(ids(sim.tenant(entra).items('configurationPolicies')));
      expect(new Set(ids(policies)).size).toBe(130);
      // Settings catalog: 25 per page, so six pages; every later page came from a next link.
      const pages = await graphRequests(entra, '/beta/deviceManagement/configurationPolicies');
      expect(pages).toHaveLength(6);
      expect(pages.slice(1).every((r) => r.path.includes('%24skiptoken='))).toBe(true);
      expect(policies[0]).toEqual({
        id: expect.any(String),
        name: expect.any(String),
        description: expect.any(String),
        platforms: expect.any(String),
        technologies: 'mdm',
        lastModifiedDateTime: expect.any(String),
      });

      const groups = await graph.listAll('groups');
      expect(new Set(ids(groups)).size).toBe(1234);
      expect(ids(groups)).toEqual(ids(sim.tenant(entra).items('groups')));
      expect(await graphRequests(entra, '/v1.0/groups')).toHaveLength(13);
    });

    it('returns every item exactly once when throttling and outages hit between pages', async () => {
      // A fixed tenant id seeds the sim's faults: the same ones every run.
      const { graph, entra } = await tenantGraph(
        SIM_CLIENT_SECRET,
        '5d6c7e2a-8f1b-4c3d-9e0a-1b2c3d4e5f60',
      );
      await sim.control.sizes(entra, { groups: 2500 });
      await sim.control.faults(entra, {
        throttleProbability: 0.15,
        unavailableProbability: 0.1,
        retryAfter: '0.05',
      });
      const groups = await graph.listAll('groups');
      expect(ids(groups)).toEqual(ids(sim.tenant(entra).items('groups')));
      const statuses = (await graphRequests(entra, '/v1.0/groups')).map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(25);
      expect(statuses).toContain(429);
      expect(statuses).toContain(503);
    });

    it('reads one page at a time when asked, and refuses a next link that leaves the collection', async () => {
      const { graph, entra } = await tenantGraph();
      const first = await graph.list('deviceConfigurations');
      expect(first.items).toHaveLength(30);
      expect(first.nextLink).toBeUndefined();

      const groups = await graph.list('groups');
      expect(groups.items).toHaveLength(100);
      const second = await graph.list('groups', { nextLink: groups.nextLink });
      expect(second.items).toHaveLength(100);
      expect(new Set([...ids(groups.items), ...ids(second.items)]).size).toBe(200);

      const before = (await sim.control.requests(entra)).total;
      for (const nextLink of [
        'https://graph.example.test/v1.0/groups?$skiptoken=abc',
        `${sim.url}/v1.0/users?$skiptoken=abc`,
        'not a url',
      ]) {
        const error = await rejection(graph.list('groups', { nextLink }));
        expect(error).toBeInstanceOf(GraphContractError);
      }
      expect((await sim.control.requests(entra)).total).toBe(before);
    });

    it('pages through related collections and expands what the contract asks', async () => {
      // A generated tenant known to hold settings-catalog policies of more than two pages of
      // settings (about 1 random tenant in 300 holds none).
      const { graph, entra } = await tenantGraph(SIM_CLIENT_SECRET, PAGED_SETTINGS_TENANT);
      const tenant = sim.tenant(entra);
      const policy = tenant
        .items('configurationPolicies')
        .find(
          (item) => tenant.relatedItems('configurationPolicies', item.id, 'settings').length > 50,
        )!;
      const settings = await graph.listAllRelated('configurationPolicies', policy.id, 'settings');
      expect(ids(settings)).toEqual(
        ids(tenant.relatedItems('configurationPolicies', policy.id, 'settings')),
      );
      expect(await graphRequests(entra, `${policy.id}/settings`)).toHaveLength(3);

      const template = tenant.items('groupPolicyConfigurations')[0];
      const values = await graph.listAllRelated(
        'groupPolicyConfigurations',
        template.id,
        'definitionValues',
      );
      expect(values.length).toBeGreaterThan(0);
      expect(values.every((value) => typeof value.definition === 'object')).toBe(true);

      const compliance = tenant.items('deviceCompliancePolicies')[0];
      const whole = await graph.get('deviceCompliancePolicies', compliance.id);
      expect(whole.scheduledActionsForRule).toEqual([
        expect.objectContaining({
          ruleName: 'PasswordRequired',
          scheduledActionConfigurations: expect.any(Array),
        }),
      ]);
    });

    it('lists role definitions without $top where Graph refuses it', async () => {
      const { graph, entra } = await tenantGraph();
      await sim.control.sizes(entra, { entraRoleDefinitions: 140 });
      expect(await graph.listAll('entraRoleDefinitions')).toHaveLength(140);
      expect(await graph.listAll('intuneRoleDefinitions')).toHaveLength(12);
      const requests = await graphRequests(entra, '/roleManagement/directory/roleDefinitions');
      expect(requests.every((r) => !r.path.includes('%24top'))).toBe(true);
    });
  });

  describe('writes', () => {
    it('creates a policy and assigns it, with the body property each type expects', async () => {
      const { graph, entra } = await tenantGraph();
      const created = await graph.create('deviceConfigurations', {
        '@odata.type': '#microsoft.graph.windows10GeneralConfiguration',
        displayName: 'Restored policy',
      });
      expect(created).toMatchObject({ id: expect.any(String), displayName: 'Restored policy' });
      const target = {
        '@odata.type': '#microsoft.graph.groupAssignmentTarget',
        groupId: randomUUID(),
      };
      await graph.assign('deviceConfigurations', created.id, [{ target }]);
      expect(await graph.listAllRelated('deviceConfigurations', created.id, 'assignments')).toEqual(
        [expect.objectContaining({ target })],
      );

      const enrollment = sim.tenant(entra).items('deviceEnrollmentConfigurations')[0];
      await graph.assign('deviceEnrollmentConfigurations', enrollment.id, [{ target }]);
      expect(
        await graph.listAllRelated('deviceEnrollmentConfigurations', enrollment.id, 'assignments'),
      ).toEqual([expect.objectContaining({ target })]);
    });

    it('retries a create only when Graph surely did not act on it (429), never after a 503 or 504', async () => {
      const { graph, entra } = await tenantGraph();
      const path = '/deviceManagement/deviceCompliancePolicies';
      // What Graph takes: a concrete type and the one block action every compliance policy has.
      const compliance = (displayName: string) => ({
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName,
        scheduledActionsForRule: [
          {
            ruleName: 'PasswordRequired',
            scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }],
          },
        ],
      });
      await sim.control.schedule(entra, { status: 504, count: 1, match: path });
      const error = await rejection(graph.create('deviceCompliancePolicies', compliance('Once')));
      expect(error).toBeInstanceOf(GraphUnavailableError);
      expect(await graphRequests(entra, path)).toHaveLength(1);

      await sim.control.clearRequests(entra);
      await sim.control.schedule(entra, { status: 429, count: 1, retryAfter: '0', match: path });
      await graph.create('deviceCompliancePolicies', compliance('Twice'));
      expect((await graphRequests(entra, path)).map((r) => r.status)).toEqual([429, 201]);

      // A 503 may answer a create Graph carried out: sent again, the policy would exist twice.
      await sim.control.clearRequests(entra);
      await sim.control.schedule(entra, {
        status: 503,
        count: 1,
        match: path,
        method: 'POST',
        afterWrite: true,
      });
      const lost = await rejection(graph.create('deviceCompliancePolicies', compliance('Lost')));
      expect(lost).toBeInstanceOf(GraphUnavailableError);
      expect((await graphRequests(entra, path)).map((r) => r.status)).toEqual([503]);
      const named = sim
        .tenant(entra)
        .items('deviceCompliancePolicies')
        .filter((policy) => policy.displayName === 'Lost');
      expect(named).toHaveLength(1);
    });
  });

  describe('retries and failures', () => {
    it('waits out a 429 with Retry-After: 1.5 and retries', async () => {
      const { graph, entra } = await tenantGraph();
      await sim.control.schedule(entra, {
        status: 429,
        count: 1,
        retryAfter: '1.5',
        match: '/groups',
      });
      expect(await graph.listAll('groups')).toHaveLength(250);
      const requests = await graphRequests(entra, '/v1.0/groups');
      expect(requests.map((r) => r.status)).toEqual([429, 200, 200, 200]);
      expect(requests[0].retryAfter).toBe('1.5');
      // The sim's own clock: the retry came no sooner than Graph asked.
      expect(requests[1].at - requests[0].at).toBeGreaterThanOrEqual(1500);
    });

    it('honours Retry-After given as an HTTP date', async () => {
      const { graph, entra } = await tenantGraph();
      const retryAfter = new Date(Date.now() + 2000).toUTCString();
      await sim.control.schedule(entra, { status: 503, count: 1, retryAfter, match: '/groups' });
      await graph.list('groups');
      const [refused, served] = await graphRequests(entra, '/v1.0/groups');
      expect(refused.status).toBe(503);
      expect(served.at).toBeGreaterThanOrEqual(Date.parse(retryAfter));
    });

    it('ends a 503 storm in graph.unavailable after the bounded attempts, keeping the request id', async () => {
      const { graph, entra } = await tenantGraph();
      await sim.control.schedule(entra, { status: 503, count: 100, match: '/groups' });
      const error = await rejection(graph.listAll('groups'));
      expect(error).toBeInstanceOf(GraphUnavailableError);
      expect(error).toMatchObject({
        code: GraphErrorCode.Unavailable,
        retryable: true,
        status: 503,
        graphCode: 'ServiceUnavailable',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        clientRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(await graphRequests(entra, '/v1.0/groups')).toHaveLength(MAX_ATTEMPTS);
    });

    it('ends persistent throttling in graph.throttled', async () => {
      const { graph, entra } = await tenantGraph();
      await sim.control.schedule(entra, {
        status: 429,
        count: 100,
        retryAfter: '0.01',
        match: '/groups',
      });
      const error = await rejection(graph.list('groups'));
      expect(error).toBeInstanceOf(GraphThrottledError);
      expect(error).toMatchObject({ code: 'graph.throttled', retryable: true, status: 429 });
      expect(await graphRequests(entra, '/v1.0/groups')).toHaveLength(MAX_ATTEMPTS);
    });

    it('stops at once on 401, 403 and 404, with non-retryable codes', async () => {
      const { graph, entra } = await tenantGraph();
      await sim.control.schedule(entra, { status: 401, count: 1, match: '/groups' });
      const refused = await rejection(graph.list('groups'));
      expect(refused).toBeInstanceOf(GraphUnauthorizedError);
      expect(refused).toMatchObject({ code: 'graph.unauthorized', retryable: false, status: 401 });
      await sim.control.schedule(entra, { status: 403, count: 1, match: '/groups' });
      const forbidden = await rejection(graph.list('groups'));
      expect(forbidden).toBeInstanceOf(GraphForbiddenError);
      expect(forbidden).toMatchObject({
        code: 'graph.forbidden',
        retryable: false,
        graphCode: 'Authorization_RequestDenied',
      });
      const missing = await rejection(graph.get('deviceConfigurations', randomUUID()));
      expect(missing).toBeInstanceOf(GraphNotFoundError);
      expect(missing).toMatchObject({ code: 'graph.not_found', retryable: false, status: 404 });
      expect(await graphRequests(entra, '/v1.0/groups')).toHaveLength(2);
    });

    it('refuses a wrong client secret with graph.unauthorized, and the secret appears nowhere', async () => {
      const secret = `wrong-${randomUUID()}`;
      const { graph, entra } = await tenantGraph(secret);
      const error = await rejection(graph.listAll('groups'));
      expect(error).toBeInstanceOf(GraphUnauthorizedError);
      expect(error).toMatchObject({
        code: 'graph.unauthorized',
        retryable: false,
        graphCode: 'invalid_client',
      });
      expect(error.message).toContain('AADSTS7000215');
      for (const text of [error.message, String(error.stack), JSON.stringify(error), ...t.logs]) {
        expect(text).not.toContain(secret);
      }
      const tokenRequests = await graphRequests(entra, '/oauth2/v2.0/token');
      expect(tokenRequests.map((r) => r.status)).toEqual([401]);
      expect(await graphRequests(entra, '/v1.0/')).toEqual([]);
    });
  });

  describe('tokens and limits', () => {
    it('signs in with a rotated secret from the next TenantGraph on', async () => {
      const tenant = await workspace.tenant({ clientSecret: `old-${randomUUID()}` });
      const client = t.app.get(GraphClient);
      await expect(client.forTenant(tenant.id).list('groups')).rejects.toBeInstanceOf(
        GraphUnauthorizedError,
      );
      await t.app
        .get(TenantsService)
        .update(tenant.id, { clientSecret: SIM_CLIENT_SECRET }, CLI_ACTOR);
      expect((await client.forTenant(tenant.id).list('groups')).items).toHaveLength(100);
    });

    it('asks for a token once, even for parallel first calls, and reuses it from the cache', async () => {
      const { graph, entra } = await tenantGraph();
      await Promise.all([graph.list('groups'), graph.list('intuneRoleDefinitions')]);
      await graph.listAll('deviceConfigurations');
      // MSAL asked the sim, and only the sim, for the tenant's metadata and one token.
      const identity = (await sim.control.requests(entra)).requests.filter(
        (r) => !r.path.startsWith('/v1.0/'),
      );
      expect(identity.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
        `GET /${entra}/v2.0/.well-known/openid-configuration`,
        `POST /${entra}/oauth2/v2.0/token`,
      ]);
    });

    it('gives up on a request Graph does not answer within GRAPH_TIMEOUT_SECONDS', async () => {
      const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
      const entra = tenant.entraTenantId;
      const credentials = await t.app.get(TenantsService).providerCredentials(tenant.id);
      const http = new GraphHttp({
        ...t.config,
        graph: { ...t.config.graph, timeoutSeconds: 1, maxAttempts: 2 },
      });
      try {
        // undici times out 1 s requests on a coarse (about 1 s) timer: leave it a clear margin.
        await sim.control.faults(entra, { latencyMs: 3000 });
        const error = await rejection(
          http.send({
            tenantId: entra,
            method: 'GET',
            url: `${sim.url}/v1.0/groups`,
            idempotent: true,
            token: () => t.app.get(GraphTokenProvider).token(tenant.id, credentials),
          }),
        );
        expect(error).toBeInstanceOf(GraphUnavailableError);
        expect(error.message).toMatch(/timeout/i);
        expect(
          await eventually(async () => (await graphRequests(entra, '/v1.0/groups')).length === 2),
        ).toBe(true);
      } finally {
        await http.onApplicationShutdown();
      }
    });

    it('keeps at most GRAPH_CONCURRENCY_PER_TENANT requests in flight per tenant', async () => {
      const { graph, entra } = await tenantGraph();
      await graph.list('intuneRoleDefinitions'); // token first
      await sim.control.faults(entra, { latencyMs: 150 });
      const groups = sim.tenant(entra).items('groups').slice(0, 12);
      await Promise.all(groups.map((group) => graph.get('groups', group.id)));
      const { maxInFlight } = await sim.control.requests(entra);
      expect(maxInFlight).toBeGreaterThan(1);
      expect(maxInFlight).toBeLessThanOrEqual(4);
    });
  });

  describe('the contract registry', () => {
    it('refuses anything it does not list, at compile time and at run time, without calling Graph', async () => {
      const { graph, entra } = await tenantGraph();
      const calls: (() => Promise<unknown>)[] = [
        // @ts-expect-error 'users' is not a registered resource
        () => graph.list('users'),
        // @ts-expect-error groups declare no related collections
        () => graph.listRelated('groups', randomUUID(), 'members'),
        // @ts-expect-error settings belong to settings-catalog policies only
        () => graph.listAllRelated('deviceConfigurations', randomUUID(), 'settings'),
        // @ts-expect-error role definitions are read-only
        () => graph.create('entraRoleDefinitions', {}),
        // @ts-expect-error groups cannot be assigned
        () => graph.assign('groups', randomUUID(), []),
        // @ts-expect-error only groups have a delta query
        () => graph.delta('deviceConfigurations'),
        () => graph.get('__proto__' as GraphResource, 'x'),
      ];
      for (const call of calls) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(GraphContractError);
        expect(error).toMatchObject({ code: 'graph.contract_violation', retryable: false });
      }
      expect((await sim.control.requests(entra)).total).toBe(0);
    });
  });

  describe('delta for groups', () => {
    async function initialRound(graph: TenantGraph) {
      const round = await graph.delta('groups');
      if (round.kind !== 'changes') throw new Error('expected changes');
      return round;
    }

    it('lists every group first (merging groups split over pages), then exactly an add, a rename and a removal', async () => {
      const { graph, entra } = await tenantGraph();
      await sim.control.sizes(entra, { groups: 180 });
      const first = await initialRound(graph);
      expect(first.items).toHaveLength(180);
      expect(first.removedIds).toEqual([]);
      // Each group came as two entries, its description on a later page: merged back into one.
      expect(
        first.items.every((group) => typeof group.description === 'string' && group.displayName),
      ).toBe(true);
      const deltaPages = await graphRequests(entra, '/groups/delta');
      expect(deltaPages.length).toBeGreaterThan(2);
      expect(deltaPages[0].path).toContain('%24select=');

      const [renamed, removed] = first.items;
      const added = await sim.control.add(entra, 'groups', {
        displayName: 'New group',
        description: 'Added between syncs',
        mailEnabled: false,
        securityEnabled: true,
      });
      await sim.control.update(entra, 'groups', renamed.id, { displayName: 'Renamed group' });
      await sim.control.remove(entra, 'groups', removed.id);

      const second = await graph.delta('groups', first.deltaLink);
      expect(second).toMatchObject({ kind: 'changes', removedIds: [removed.id] });
      if (second.kind !== 'changes') return;
      expect(second.items.map((g) => [g.id, g.displayName]).sort()).toEqual(
        [
          [added.id, 'New group'],
          [renamed.id, 'Renamed group'],
        ].sort(),
      );
      expect(second.items.find((g) => g.id === added.id)?.description).toBe('Added between syncs');

      const third = await graph.delta('groups', second.deltaLink);
      expect(third).toMatchObject({ kind: 'changes', items: [], removedIds: [] });
    });

    it('answers resync_required when Graph has forgotten the delta state', async () => {
      const { graph, entra } = await tenantGraph();
      const first = await initialRound(graph);
      await sim.control.expireDelta(entra);
      expect(await graph.delta('groups', first.deltaLink)).toEqual({ kind: 'resync_required' });
      const again = await initialRound(graph);
      expect(again.items).toHaveLength(250);
    });
  });
});
