import { ConfidentialClientApplication, ServerError } from '@azure/msal-node';
import {
  Client,
  PageIterator,
  type Context,
  type Middleware,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, fetch, request } from 'undici';
import { MsalNetworkClient } from '../../libs/graph/msal-network-client.js';
import { startGraphSim } from '#libs/graph-sim';
import { freePort } from '../support/processes.js';
import { SIM_CLIENT_SECRET, startSim, type TestSim } from '../support/graph-sim.js';

describe('graph-sim', () => {
  let sim: TestSim;

  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim?.close());

  /** MSAL as any app would configure it, against the sim as authority (known, so no discovery). */
  function msalApp(
    tenantId: string,
    clientSecret: string,
    url = sim.url,
    dispatcher = sim.dispatcher,
  ) {
    return new ConfidentialClientApplication({
      auth: {
        clientId: randomUUID(),
        clientSecret,
        authority: `${url}/${tenantId}`,
        knownAuthorities: [new URL(url).host],
      },
      system: { networkClient: new MsalNetworkClient(dispatcher) },
    });
  }

  const token = async (tenantId: string) =>
    (await msalApp(tenantId, SIM_CLIENT_SECRET).acquireTokenByClientCredential({
      scopes: [`${sim.url}/.default`],
    }))!.accessToken;

  async function graphGet(path: string, bearer?: string) {
    const response = await request(`${sim.url}${path}`, {
      dispatcher: sim.dispatcher,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: (await response.body.json()) as any,
    };
  }

  describe('the official clients against the simulated Graph', () => {
    it('MSAL acquires an app-only token with client credentials, and is refused a wrong secret', async () => {
      const tenantId = randomUUID();
      const result = await msalApp(tenantId, SIM_CLIENT_SECRET).acquireTokenByClientCredential({
        scopes: [`${sim.url}/.default`],
      });
      expect(result).toMatchObject({
        tokenType: 'Bearer',
        accessToken: expect.stringMatching(/^eyJ/),
      });
      const claims = JSON.parse(
        Buffer.from(result!.accessToken.split('.')[1], 'base64url').toString(),
      );
      expect(claims.tid).toBe(tenantId);

      const refused = await msalApp(tenantId, 'not-the-secret')
        .acquireTokenByClientCredential({ scopes: [`${sim.url}/.default`] })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ServerError);
      expect(refused).toMatchObject({ errorCode: 'invalid_client', status: 401 });
      expect((refused as ServerError).errorMessage).toMatch(/AADSTS7000215: Invalid client secret/);
    });

    it('the Graph JavaScript SDK pages through a settings-catalog collection with PageIterator', async () => {
      const tenantId = randomUUID();
      await sim.control.sizes(tenantId, { configurationPolicies: 80 });
      const bearer = await token(tenantId);
      // The SDK's last middleware, fetching through undici with the sim's certificate trusted.
      const trustingFetch: Middleware = {
        execute: async (context: Context) => {
          const given = context.options?.headers as ConstructorParameters<typeof Headers>[0];
          const headers = Object.fromEntries(new Headers(given));
          headers.authorization = `Bearer ${bearer}`;
          context.response = (await fetch(context.request as string, {
            method: context.options?.method,
            headers,
            dispatcher: sim.dispatcher,
          })) as unknown as Response;
        },
      };
      const client = Client.initWithMiddleware({
        middleware: trustingFetch,
        baseUrl: `${sim.url}/`,
        customHosts: new Set([new URL(sim.url).hostname]),
      });
      const first: PageCollection = await client
        .api('/deviceManagement/configurationPolicies')
        .version('beta')
        .select(['id', 'name'])
        .get();
      expect(first.value).toHaveLength(25);
      const seen: string[] = [];
      const iterator = new PageIterator(client, first, (policy: { id: string; name: string }) => {
        seen.push(policy.id);
        return true;
      });
      await iterator.iterate();
      expect(iterator.isComplete()).toBe(true);
      expect(seen).toEqual(
        sim
          .tenant(tenantId)
          .items('configurationPolicies')
          .map((p) => p.id),
      );
    });
  });

  describe('the simulated Graph', () => {
    it('answers like Graph: $select, request ids, Graph-shaped errors, a bearer token on every route', async () => {
      const tenantId = randomUUID();
      const bearer = await token(tenantId);
      const groups = await graphGet('/v1.0/groups?$select=id,displayName&$top=7', bearer);
      expect(groups.status).toBe(200);
      expect(groups.body.value).toHaveLength(7);
      expect(Object.keys(groups.body.value[0]).sort()).toEqual(['displayName', 'id']);
      expect(groups.body['@odata.nextLink']).toMatch(
        /^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/groups\?/,
      );
      expect(groups.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);

      const anonymous = await graphGet('/v1.0/groups');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({
        error: {
          code: 'InvalidAuthenticationToken',
          message: expect.any(String),
          innerError: {
            date: expect.any(String),
            'request-id': anonymous.headers['request-id'],
            'client-request-id': expect.any(String),
          },
        },
      });
      const forged = await graphGet('/v1.0/groups', `${bearer.slice(0, -4)}AAAA`);
      expect(forged.status).toBe(401);
      // Settings catalog: 25 per page whatever $top asks.
      const policies = await graphGet(
        '/beta/deviceManagement/configurationPolicies?$top=100',
        bearer,
      );
      expect(policies.body.value).toHaveLength(25);
      expect(policies.body['@odata.nextLink']).toContain('skiptoken');
      // Beta-only resources are not on v1.0; unknown segments are a bad request, as on Graph.
      expect((await graphGet('/v1.0/deviceManagement/configurationPolicies', bearer)).status).toBe(
        400,
      );
      expect((await graphGet('/v1.0/users', bearer)).status).toBe(400);
    });

    it('injects faults at random with the configured rates, and by schedule', async () => {
      const tenantId = randomUUID();
      const bearer = await token(tenantId);
      await sim.control.faults(tenantId, { throttleProbability: 0.5, retryAfter: '0.5' });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++)
        statuses.push((await graphGet('/v1.0/groups?$top=1', bearer)).status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(5);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
      const throttled = (await sim.control.requests(tenantId)).requests.filter(
        (r) => r.status === 429,
      );
      expect(throttled.every((r) => r.retryAfter === '0.5')).toBe(true);

      await sim.control.clearFaults(tenantId);
      await sim.control.schedule(tenantId, { status: 503, count: 2 });
      const next = [];
      for (let i = 0; i < 3; i++) next.push((await graphGet('/v1.0/groups?$top=1', bearer)).status);
      expect(next).toEqual([503, 503, 200]);
    });

    it('generates the same tenant for the same id, with settable sizes', async () => {
      const tenantId = randomUUID();
      const other = await startGraphSim({
        clientSecret: 'x',
        sizes: { groups: 5000, policies: 1000 },
      });
      try {
        expect(other.tenant(tenantId).items('groups')).toHaveLength(5000);
        expect(other.tenant(tenantId).items('deviceConfigurations')).toHaveLength(1000);
        await sim.control.sizes(tenantId, { groups: 5000 });
        expect(sim.tenant(tenantId).items('groups')).toEqual(
          other.tenant(tenantId).items('groups'),
        );
        expect(sim.tenant(randomUUID()).items('groups')[0].id).not.toBe(
          sim.tenant(tenantId).items('groups')[0].id,
        );
      } finally {
        await other.close();
      }
    });

    it('runs on its own with `npm run graph:sim`: one JSON ready line, then tokens for the configured secret', async () => {
      const port = await freePort();
      const child = spawn(
        'npm',
        ['run', '--silent', 'graph:sim', '--', '--port', String(port), '--client-secret', 's3cret'],
        { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      );
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes('\n')) resolve(out.split('\n')[0]);
          });
          child.on('exit', (code) => reject(new Error(`graph:sim exited (${code}): ${out}`)));
        });
        const ready = JSON.parse(line);
        expect(ready).toEqual({
          url: `https://127.0.0.1:${port}`,
          caCert: expect.stringMatching(/\.pem$/),
        });
        const dispatcher = new Agent({ connect: { ca: readFileSync(ready.caCert, 'utf8') } });
        try {
          const result = await msalApp(
            randomUUID(),
            's3cret',
            ready.url,
            dispatcher,
          ).acquireTokenByClientCredential({
            scopes: [`${ready.url}/.default`],
          });
          expect(result?.accessToken).toMatch(/^eyJ/);
        } finally {
          await dispatcher.close();
        }
      } finally {
        const exited = new Promise((resolve) => child.on('close', resolve));
        process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
    }, 120_000); // npm and the sim boot (making a certificate): slow on a loaded machine
  });
});
