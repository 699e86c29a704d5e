/**
 * The contract registry: every Microsoft Graph resource TenantOps reads or writes, and how. The
 * client builds each URL from an entry here and nowhere else, so an endpoint that is not listed
 * cannot be called — a compile-time error through the typed keys, a {@link GraphContractError}
 * at run time for a key that was forced past the compiler.
 */
export type GraphApiVersion = 'v1.0' | 'beta';

/** A collection below one item of a resource, e.g. a policy's assignments. */
export interface RelatedContract {
  path: string;
  /** `$top` sent with the first page; absent: the server's own page size. */
  pageSize?: number;
  expand?: string;
}

export interface WriteActions {
  /** POST to the collection. Not idempotent: retried only when Graph surely did not act. */
  create?: true;
  /**
   * Changes one item in place: `PATCH /{id}` with the changed properties, or `PUT /{id}` with the
   * whole item (the settings catalog, whose settings are replaced with the item). Idempotent.
   */
  update?: 'PATCH' | 'PUT';
  /** POST `/{id}/assign` with the body property that carries the assignments (idempotent). */
  assign?: { bodyProperty: string };
  /**
   * Related collections an item's content is written to after the item, one POST each
   * (an administrative template's definition values). Not idempotent.
   */
  createRelated?: readonly string[];
  /**
   * `GET /{id}/getOmaSettingPlainTextValue(secretReferenceValueId='…')`: the plain value of an
   * encrypted custom (OMA-URI) setting, which the item itself only names.
   */
  omaSettingPlainTextValue?: true;
}

export interface GraphContract {
  /** Collection path below the API version, starting with '/'. */
  path: string;
  version: GraphApiVersion;
  /** Properties asked for when listing (`$select`); `get` returns the whole item. */
  select: readonly string[];
  /** `$top` sent with the first page; absent: Graph's own page size (some collections refuse `$top`). */
  pageSize?: number;
  /** `$expand` of a single item (`get`), for content that Graph keeps in navigation properties. */
  expand?: string;
  related?: Readonly<Record<string, RelatedContract>>;
  actions?: WriteActions;
  /** Delta query (`/{path}/delta`) with the properties it tracks. */
  delta?: { select: readonly string[] };
  /**
   * The application permissions (the token's `roles`) each kind of call needs: `read` for lists,
   * gets, related collections and delta; `write` for the write actions. Any one permission of a
   * list will do (Graph accepts the more privileged ones too); the first is the least privileged
   * one, which is what TenantOps asks an admin to consent.
   */
  permissions: { read: readonly string[]; write?: readonly string[] };
}

/** A permission Graph names for an action: `<Area>.Read.All`, then the `ReadWrite` that covers it. */
const readAndWrite = (area: string) =>
  ({
    read: [`${area}.Read.All`, `${area}.ReadWrite.All`],
    write: [`${area}.ReadWrite.All`],
  }) as const;
const configuration = readAndWrite('DeviceManagementConfiguration');

const assignments: RelatedContract = { path: 'assignments' };
const writable = {
  create: true,
  update: 'PATCH',
  assign: { bodyProperty: 'assignments' },
} as const;

export const GRAPH_CONTRACTS = {
  deviceConfigurations: {
    permissions: configuration,
    path: '/deviceManagement/deviceConfigurations',
    version: 'v1.0',
    select: ['id', 'displayName', 'description', 'lastModifiedDateTime', 'version'],
    pageSize: 100,
    related: { assignments },
    actions: { ...writable, omaSettingPlainTextValue: true },
  },
  configurationPolicies: {
    permissions: configuration,
    // Settings catalog: beta only, and Graph pages it by 25 whatever `$top` asks.
    path: '/deviceManagement/configurationPolicies',
    version: 'beta',
    select: ['id', 'name', 'description', 'platforms', 'technologies', 'lastModifiedDateTime'],
    pageSize: 25,
    related: { settings: { path: 'settings', pageSize: 25 }, assignments },
    actions: { ...writable, update: 'PUT' },
  },
  deviceCompliancePolicies: {
    permissions: configuration,
    path: '/deviceManagement/deviceCompliancePolicies',
    version: 'v1.0',
    select: ['id', 'displayName', 'description', 'lastModifiedDateTime', 'version'],
    pageSize: 100,
    expand: 'scheduledActionsForRule($expand=scheduledActionConfigurations)',
    related: { assignments },
    actions: writable,
  },
  groupPolicyConfigurations: {
    permissions: configuration,
    // Administrative templates: beta only; the settings are definition values.
    path: '/deviceManagement/groupPolicyConfigurations',
    version: 'beta',
    select: ['id', 'displayName', 'description', 'lastModifiedDateTime'],
    pageSize: 100,
    related: {
      // The definition each value sets, and its presentation values with the presentation each
      // answers: a restore binds both again (`definition@odata.bind`, `presentation@odata.bind`).
      definitionValues: {
        path: 'definitionValues',
        expand: 'definition,presentationValues($expand=presentation)',
      },
      assignments,
    },
    actions: { ...writable, createRelated: ['definitionValues'] },
  },
  iosManagedAppProtections: {
    permissions: readAndWrite('DeviceManagementApps'),
    path: '/deviceAppManagement/iosManagedAppProtections',
    version: 'v1.0',
    select: ['id', 'displayName', 'description', 'lastModifiedDateTime', 'version'],
    pageSize: 100,
    related: { assignments },
    actions: writable,
  },
  androidManagedAppProtections: {
    permissions: readAndWrite('DeviceManagementApps'),
    path: '/deviceAppManagement/androidManagedAppProtections',
    version: 'v1.0',
    select: ['id', 'displayName', 'description', 'lastModifiedDateTime', 'version'],
    pageSize: 100,
    related: { assignments },
    actions: writable,
  },
  deviceEnrollmentConfigurations: {
    permissions: readAndWrite('DeviceManagementServiceConfig'),
    path: '/deviceManagement/deviceEnrollmentConfigurations',
    version: 'v1.0',
    select: ['id', 'displayName', 'description', 'lastModifiedDateTime', 'priority'],
    pageSize: 100,
    related: { assignments },
    actions: { ...writable, assign: { bodyProperty: 'enrollmentConfigurationAssignments' } },
  },
  groups: {
    permissions: { read: ['Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All'] },
    path: '/groups',
    version: 'v1.0',
    select: ['id', 'displayName', 'description', 'mail', 'mailEnabled', 'securityEnabled'],
    pageSize: 100,
    delta: { select: ['id', 'displayName', 'description', 'mailEnabled', 'securityEnabled'] },
  },
  entraRoleDefinitions: {
    permissions: {
      read: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'Directory.Read.All'],
    },
    // Graph refuses `$top` here: the server decides the page size.
    path: '/roleManagement/directory/roleDefinitions',
    version: 'v1.0',
    select: ['id', 'displayName', 'description', 'isBuiltIn', 'isEnabled', 'templateId'],
  },
  intuneRoleDefinitions: {
    permissions: { read: ['DeviceManagementRBAC.Read.All', 'DeviceManagementRBAC.ReadWrite.All'] },
    path: '/deviceManagement/roleDefinitions',
    version: 'v1.0',
    select: ['id', 'displayName', 'description', 'isBuiltIn'],
    pageSize: 100,
  },
} as const satisfies Record<string, GraphContract>;

type Contracts = typeof GRAPH_CONTRACTS;
export type GraphResource = keyof Contracts;

/** The sub-collections a resource declares (`settings`, `assignments`, `definitionValues`). */
export type RelatedOf<R extends GraphResource> = Contracts[R] extends { related: infer Rel }
  ? keyof Rel & string
  : never;
export type ResourceWithRelated = {
  [R in GraphResource]: RelatedOf<R> extends never ? never : R;
}[GraphResource];
export type CreatableResource = {
  [R in GraphResource]: Contracts[R] extends { actions: { create: true } } ? R : never;
}[GraphResource];
export type UpdatableResource = {
  [R in GraphResource]: Contracts[R] extends { actions: { update: string } } ? R : never;
}[GraphResource];
export type AssignableResource = {
  [R in GraphResource]: Contracts[R] extends { actions: { assign: object } } ? R : never;
}[GraphResource];
export type DeltaResource = {
  [R in GraphResource]: Contracts[R] extends { delta: object } ? R : never;
}[GraphResource];

export const GRAPH_RESOURCES = Object.keys(GRAPH_CONTRACTS) as GraphResource[];

export type GraphAccess = 'read' | 'write';

/** The permissions that allow `access` to a resource (any one will do; least privileged first). */
export function permissionsFor(resource: GraphResource, access: GraphAccess): readonly string[] {
  const contract: GraphContract = GRAPH_CONTRACTS[resource];
  return (access === 'read' ? contract.permissions.read : contract.permissions.write) ?? [];
}

/** Whether the granted permissions (a token's `roles`) allow `access` to the resource. */
export function isAllowed(
  resource: GraphResource,
  access: GraphAccess,
  granted: ReadonlySet<string>,
): boolean {
  const needed = permissionsFor(resource, access);
  return needed.length === 0 || needed.some((permission) => granted.has(permission));
}

/**
 * The permissions `access` to every resource needs that the granted ones do not cover, each
 * named by its least privileged form, sorted: what an admin consents to.
 */
export function missingPermissions(granted: ReadonlySet<string>, access: GraphAccess): string[] {
  const missing = new Set<string>();
  for (const resource of GRAPH_RESOURCES) {
    if (!isAllowed(resource, access, granted)) missing.add(permissionsFor(resource, access)[0]!);
  }
  return [...missing].sort();
}

/**
 * Of the permissions recorded as missing for a tenant, those that `access` to these resources
 * needs: a start that would read (or write) them is refused while any is missing.
 */
export function blockingPermissions(
  resources: readonly GraphResource[],
  access: GraphAccess,
  missing: readonly string[],
): string[] {
  const known = new Set(missing);
  const blocking = new Set<string>();
  for (const resource of resources) {
    const least = permissionsFor(resource, access)[0];
    if (least && known.has(least)) blocking.add(least);
  }
  return [...blocking].sort();
}
