import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { GraphResource } from '#libs/graph';
import {
  startGraphSim,
  type GraphSim,
  type GraphSimOptions,
  type ScheduledFault,
  type SimFaultRates,
  type SimItem,
  type SimRequestRecord,
  type SimSizes,
} from '#libs/graph-sim';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

/** The client secret the test sims accept; tenants made with it can sign in. */
export const SIM_CLIENT_SECRET = 'sim-secret-4f1c9a7e-provider-value';

/** The simulated Graph, started in this process, with a client for its `/_sim` control routes. */
export interface TestSim extends GraphSim {
  /** Trusts the sim's certificate (as the product does through GRAPH_CA_CERT). */
  dispatcher: Agent;
  control: SimControlClient;
}

export async function startSim(options: Partial<GraphSimOptions> = {}): Promise<TestSim> {
  const sim = await startGraphSim({ clientSecret: SIM_CLIENT_SECRET, ...options });
  const dispatcher = new Agent({ connect: { ca: readFileSync(sim.caCert, 'utf8') } });
  return {
    ...sim,
    dispatcher,
    control: new SimControlClient(sim.url, dispatcher),
    close: async () => {
      await dispatcher.close();
      await sim.close();
    },
  };
}

/** What points the product at the sim; small back-off bases keep retry tests fast. */
export function graphEnvironment(sim: GraphSim, extra: Record<string, string> = {}) {
  return {
    GRAPH_BASE_URL: sim.url,
    GRAPH_LOGIN_URL: sim.url,
    GRAPH_CA_CERT: sim.caCert,
    GRAPH_RETRY_BASE_MS: '10',
    GRAPH_MAX_RETRY_WAIT_SECONDS: '20',
    ...extra,
  };
}

/** The real app pointed at a fresh sim (extra environment on top of {@link graphEnvironment}). */
export async function startAppWithSim(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<{ sim: TestSim; t: TestApp; close(): Promise<void> }> {
  const sim = await startSim();
  const t = await startTestApp(graphEnvironment(sim, env), options).catch(async (error) => {
    await sim.close();
    throw error;
  });
  return {
    sim,
    t,
    close: async () => {
      await t.close();
      await sim.close();
    },
  };
}

/** The `/_sim` control routes, over real HTTPS. */
export class SimControlClient {
  constructor(
    private readonly url: string,
    private readonly dispatcher: Agent,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await request(`${this.url}/_sim/tenants/${path}`, {
      dispatcher: this.dispatcher,
      method: method as 'GET',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 400)
      throw new Error(`sim ${method} ${path}: ${response.statusCode} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  sizes(tenant: string, sizes: SimSizes) {
    return this.call('PUT', `${tenant}/sizes`, sizes);
  }
  faults(tenant: string, rates: SimFaultRates) {
    return this.call('PUT', `${tenant}/faults`, rates);
  }
  schedule(tenant: string, fault: ScheduledFault) {
    return this.call('POST', `${tenant}/faults/schedule`, fault);
  }
  clearFaults(tenant: string) {
    return this.call('DELETE', `${tenant}/faults`);
  }
  expireDelta(tenant: string) {
    return this.call('POST', `${tenant}/delta/expire`);
  }
  add(tenant: string, resource: GraphResource, properties: Record<string, unknown>) {
    return this.call<SimItem>('POST', `${tenant}/items/${resource}`, properties);
  }
  update(tenant: string, resource: GraphResource, id: string, patch: Record<string, unknown>) {
    return this.call<SimItem>('PATCH', `${tenant}/items/${resource}/${id}`, patch);
  }
  remove(tenant: string, resource: GraphResource, id: string) {
    return this.call('DELETE', `${tenant}/items/${resource}/${id}`);
  }
  requests(tenant: string) {
    return this.call<{ total: number; maxInFlight: number; requests: SimRequestRecord[] }>(
      'GET',
      `${tenant}/requests`,
    );
  }
  clearRequests(tenant: string) {
    return this.call('DELETE', `${tenant}/requests`);
  }
}
