import { randomUUID } from 'node:crypto';
import type { HttpClient, HttpResponse, RequestOptions } from '../support/http.js';

/**
 * The soak's mixed load: a table of weighted actions, each a few real HTTP requests as a user of
 * one role would make them, spread over the API processes as a load balancer would. Every answer
 * is recorded (the invariants read them at the end); what an action can check on the spot (an
 * idempotent replay naming the same run, another workspace's record answering 404) it records as
 * a violation. To load a new run type, add a row to {@link LOAD_ACTIONS}.
 */

export interface SoakTenant {
  id: string;
  entraTenantId: string;
  workspace: 'a' | 'b';
  scheduleIds: string[];
  backupSetIds: string[];
  /** Inventory item ids (for backup_set_add_policies). */
  itemIds: string[];
}

export interface SoakUsers {
  /** Workspace A: every role the load plays. */
  ownerA: string;
  operatorA: string;
  readonlyA: string;
  /** Workspace B: an owner who must see nothing of A. */
  ownerB: string;
}

export interface RecordedAnswer {
  action: string;
  method: string;
  /** The route, ids replaced by `:id` (for the report). */
  route: string;
  status: number;
  /** 4xx/5xx answered as application/problem+json. */
  problem: boolean;
  /** The run a start answer named (202/200, or a 503 naming its failed run). */
  runId?: string;
  deduplicated?: boolean;
  at: number;
}

export class LoadState {
  readonly answers: RecordedAnswer[] = [];
  readonly violations: string[] = [];
  /** Run ids of workspace A seen in answers: what workspace B's owner must not see. */
  readonly runsOfA: string[] = [];
  private next = 0;

  constructor(
    readonly apis: HttpClient[],
    readonly users: SoakUsers,
    readonly tenants: SoakTenant[],
  ) {}

  api(): HttpClient {
    return this.apis[this.next++ % this.apis.length]!;
  }

  tenant(workspace?: 'a' | 'b'): SoakTenant {
    return pick(this.tenants.filter((t) => !workspace || t.workspace === workspace));
  }

  ownerOf(tenant: SoakTenant): string {
    return tenant.workspace === 'a' ? this.users.ownerA : this.users.ownerB;
  }

  operatorOf(tenant: SoakTenant): string {
    return tenant.workspace === 'a'
      ? pick([this.users.operatorA, this.users.ownerA])
      : this.users.ownerB;
  }

  /** One request through the next API process; a refused connection is recorded as status 0. */
  async call(
    action: string,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<HttpResponse | null> {
    const at = Date.now();
    let response: HttpResponse;
    try {
      response = await this.api().request(method, path, options);
    } catch {
      this.answers.push({ action, method, route: routeOf(path), status: 0, problem: false, at });
      return null;
    }
    const body = response.body as any;
    const run = body && typeof body === 'object' ? body.run : undefined;
    const runId: string | undefined =
      run?.id ?? (response.status === 503 ? body?.runId : undefined) ?? undefined;
    this.answers.push({
      action,
      method,
      route: routeOf(path),
      status: response.status,
      problem: /application\/problem\+json/.test(response.headers.get('content-type') ?? ''),
      ...(runId ? { runId, deduplicated: Boolean(body?.deduplicated) } : {}),
      at,
    });
    if (
      run?.id &&
      run.workspaceId &&
      this.tenants.some((t) => t.workspace === 'a' && t.id === run.tenantId)
    )
      this.runsOfA.push(run.id);
    return response;
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const routeOf = (path: string) => path.split('?')[0]!.replace(UUID, ':id');

export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

function some<T>(items: readonly T[], max: number): T[] {
  return [...items].sort(() => Math.random() - 0.5).slice(0, 1 + Math.floor(Math.random() * max));
}

const POLICY_TYPES = [
  'device_configuration',
  'settings_catalog',
  'compliance_policy',
  'administrative_template',
  'ios_app_protection',
  'android_app_protection',
  'enrollment_configuration',
];

export interface LoadAction {
  name: string;
  /** Relative frequency. */
  weight: number;
  run(load: LoadState): Promise<void>;
}

/** A start route, answered 202/200 (or refused with a problem): the answer is all it checks. */
const start = (
  name: string,
  weight: number,
  path: (tenant: SoakTenant) => string,
  body: (tenant: SoakTenant) => unknown = () => ({}),
): LoadAction => ({
  name,
  weight,
  run: async (load) => {
    const tenant = load.tenant();
    await load.call(name, 'POST', path(tenant), {
      token: load.operatorOf(tenant),
      body: body(tenant),
    });
  },
});

export const LOAD_ACTIONS: LoadAction[] = [
  start(
    'inventory_sync',
    6,
    (t) => `/tenants/${t.id}/inventory/sync`,
    () => (Math.random() < 0.5 ? {} : { policyTypes: some(POLICY_TYPES, 3) }),
  ),
  start(
    'policy_sync',
    3,
    (t) => `/tenants/${t.id}/inventory/policies/sync`,
    (t) => (Math.random() < 0.5 || !t.itemIds.length ? {} : { policyIds: some(t.itemIds, 3) }),
  ),
  start('entra_group_sync', 4, (t) => `/tenants/${t.id}/directory/groups/sync`),
  start('role_definitions_sync', 3, (t) => `/tenants/${t.id}/directory/role-definitions/sync`),
  start('drift_generate', 2, (t) => `/tenants/${t.id}/drift/generate`),
  {
    // Many identical starts at once, through every API process: one run holds the identity.
    name: 'dedupe_storm',
    weight: 2,
    run: async (load) => {
      const tenant = load.tenant();
      const token = load.operatorOf(tenant);
      const body = { policyTypes: ['compliance_policy', 'enrollment_configuration'] };
      await Promise.all(
        Array.from({ length: 12 }, () =>
          load.call('dedupe_storm', 'POST', `/tenants/${tenant.id}/inventory/sync`, {
            token,
            body,
          }),
        ),
      );
    },
  },
  {
    // A manual backup with an Idempotency-Key, sent twice: the replay names the same run.
    name: 'backup_run',
    weight: 3,
    run: async (load) => {
      const tenant = load.tenant();
      const schedule = pick(tenant.scheduleIds);
      const options = {
        token: load.operatorOf(tenant),
        headers: { 'idempotency-key': randomUUID() },
      };
      const path = `/tenants/${tenant.id}/backup-schedules/${schedule}/run`;
      const first = await load.call('backup_run', 'POST', path, options);
      const again = await load.call('backup_run', 'POST', path, options);
      const a = first?.body?.run?.id;
      const b = again?.body?.run?.id;
      if (a && b && a !== b)
        load.violations.push(`Idempotency-Key replay named run ${b}, not ${a}`);
    },
  },
  {
    name: 'backup_set_add_policies',
    weight: 2,
    run: async (load) => {
      const tenant = load.tenant();
      if (!tenant.itemIds.length) return;
      const token = load.operatorOf(tenant);
      const created = await load.call(
        'backup_set_add_policies',
        'POST',
        `/tenants/${tenant.id}/backup-sets`,
        {
          token,
          body: { name: `soak ${randomUUID().slice(0, 8)}` },
        },
      );
      if (created?.status !== 201) return;
      await load.call(
        'backup_set_add_policies',
        'POST',
        `/tenants/${tenant.id}/backup-sets/${created.body.id}/policies`,
        { token, body: { policyIds: some(tenant.itemIds, 3) } },
      );
    },
  },
  {
    // Lists and reads of every family; a list never shows another workspace's records.
    name: 'lists',
    weight: 8,
    run: async (load) => {
      const tenant = load.tenant();
      const token = load.operatorOf(tenant);
      const path = pick([
        `/operations?tenantId=${tenant.id}&limit=20`,
        `/operations?status=running&limit=50`,
        `/operations?type=inventory_sync&limit=10`,
        `/tenants/${tenant.id}/inventory/items?limit=20`,
        `/tenants/${tenant.id}/directory/groups?search=a&limit=20`,
        `/tenants/${tenant.id}/backup-sets`,
        `/tenants/${tenant.id}/backup-schedules`,
        `/tenants/${tenant.id}/restore-runs`,
        `/me/notifications?limit=20`,
      ]);
      const response = await load.call('lists', 'GET', path, { token });
      const own = new Set(
        load.tenants.filter((t) => t.workspace === tenant.workspace).map((t) => t.id),
      );
      for (const item of response?.status === 200 && Array.isArray(response.body?.items)
        ? response.body.items
        : []) {
        if (typeof item?.tenantId === 'string' && !own.has(item.tenantId))
          load.violations.push(`${path} listed a record of another workspace (${item.id})`);
      }
    },
  },
  {
    // Schedule edits: timing and enabled flipped, an extra schedule made and deleted.
    name: 'schedule_edit',
    weight: 2,
    run: async (load) => {
      const tenant = load.tenant();
      const token = load.ownerOf(tenant);
      if (Math.random() < 0.3) {
        const created = await load.call(
          'schedule_edit',
          'POST',
          `/tenants/${tenant.id}/backup-schedules`,
          {
            token,
            body: {
              name: 'soak extra',
              cron: '* * * * *',
              timezone: 'Europe/Berlin',
              policyTypes: ['enrollment_configuration'],
            },
          },
        );
        if (created?.status === 201)
          await load.call(
            'schedule_edit',
            'DELETE',
            `/tenants/${tenant.id}/backup-schedules/${created.body.id}`,
            { token },
          );
        return;
      }
      // The first schedule keeps firing every minute (the scheduler fault needs its fires).
      const schedule = pick(tenant.scheduleIds);
      const edits: Record<string, unknown>[] =
        schedule === tenant.scheduleIds[0]
          ? [
              { overlapPolicy: pick(['skip', 'allow']) },
              { keepLast: 2 + Math.floor(Math.random() * 3) },
            ]
          : [{ cron: '* * * * *' }, { cron: '*/2 * * * *' }, { enabled: true }, { enabled: false }];
      await load.call(
        'schedule_edit',
        'PATCH',
        `/tenants/${tenant.id}/backup-schedules/${schedule}`,
        {
          token,
          body: pick(edits),
        },
      );
    },
  },
  {
    // A restore of a few policies as copies (each a Graph create, marked), executed twice.
    name: 'restore',
    weight: 2,
    run: async (load) => {
      const tenant = load.tenant();
      if (!tenant.backupSetIds.length) return;
      const token = load.ownerOf(tenant);
      const set = await load.call(
        'restore',
        'GET',
        `/tenants/${tenant.id}/backup-sets/${pick(tenant.backupSetIds)}`,
        { token },
      );
      if (set?.status !== 200 || !set.body.items?.length) return;
      const draft = await load.call('restore', 'POST', `/tenants/${tenant.id}/restore-runs`, {
        token,
        body: {
          sourceBackupSetId: set.body.id,
          items: some(set.body.items as any[], 2).map((item) => ({
            policyType: item.policyType,
            policyId: item.policyId,
          })),
          conflictPolicy: 'create_copy',
          skipUnmappedAssignments: true,
        },
      });
      if (draft?.status !== 201) return;
      const path = `/tenants/${tenant.id}/restore-runs/${draft.body.id}/execute`;
      const first = await load.call('restore', 'POST', path, { token });
      const again = await load.call('restore', 'POST', path, { token });
      const a = first?.body?.run?.id;
      const b = again?.body?.run?.id;
      if (a && b && a !== b)
        load.violations.push(`restore ${draft.body.id} executed as two runs: ${a}, ${b}`);
    },
  },
  {
    // A start cancelled at once: queued (cancelled outright) or running (at its next heartbeat).
    name: 'cancel',
    weight: 2,
    run: async (load) => {
      const tenant = load.tenant();
      const token = load.operatorOf(tenant);
      const started = await load.call(
        'cancel',
        'POST',
        `/tenants/${tenant.id}/inventory/policies/sync`,
        {
          token,
          body: tenant.itemIds.length ? { policyIds: some(tenant.itemIds, 4) } : {},
        },
      );
      const id = started?.body?.run?.id;
      if (id) await load.call('cancel', 'POST', `/operations/${id}/cancel`, { token });
    },
  },
  {
    // Hostile callers: another workspace's owner gets 404 for A's records, A's readonly gets 403.
    name: 'cross_workspace',
    weight: 2,
    run: async (load) => {
      const tenant = load.tenant('a');
      const runId = load.runsOfA.length ? pick(load.runsOfA) : randomUUID();
      const outsider = load.users.ownerB;
      for (const [method, path] of [
        ['GET', `/operations/${runId}`],
        ['GET', `/tenants/${tenant.id}`],
        ['POST', `/tenants/${tenant.id}/inventory/sync`],
        ['GET', `/tenants/${tenant.id}/backup-sets`],
      ] as const) {
        const response = await load.call('cross_workspace', method, path, {
          token: outsider,
          body: method === 'POST' ? {} : undefined,
        });
        if (response && response.status !== 404 && response.status < 500)
          load.violations.push(
            `${method} ${path} by another workspace's owner answered ${response.status}`,
          );
      }
      const refused = await load.call(
        'cross_workspace',
        'POST',
        `/tenants/${tenant.id}/inventory/sync`,
        {
          token: load.users.readonlyA,
          body: {},
        },
      );
      if (refused && refused.status !== 403 && refused.status < 500)
        load.violations.push(`a readonly member's start answered ${refused.status}`);
    },
  },
];

/** Runs `users` virtual users over the action table until `until`, each pausing `thinkMs`. */
export async function runLoad(
  load: LoadState,
  users: number,
  until: number,
  thinkMs: number,
  actions = LOAD_ACTIONS,
): Promise<void> {
  const total = actions.reduce((sum, action) => sum + action.weight, 0);
  const choose = () => {
    let roll = Math.random() * total;
    for (const action of actions) if ((roll -= action.weight) < 0) return action;
    return actions.at(-1)!;
  };
  await Promise.all(
    Array.from({ length: users }, async (_, user) => {
      // Every action once first (shared out among the users), then at random by weight.
      const firsts = actions.filter((_action, i) => i % users === user);
      while (Date.now() < until) {
        const action = firsts.shift() ?? choose();
        await action.run(load).catch((error: unknown) => {
          load.violations.push(`action ${action.name} threw: ${(error as Error).message}`);
        });
        await new Promise((resolve) => setTimeout(resolve, thinkMs * (0.5 + Math.random())));
      }
    }),
  );
}
