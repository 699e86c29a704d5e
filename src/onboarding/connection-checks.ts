import {
  GRAPH_RESOURCES,
  GraphError,
  GraphForbiddenError,
  GraphUnauthorizedError,
  isAllowed,
  permissionsFor,
  type GraphResource,
} from '#libs/graph';
import type { Json } from '#libs/operation-runs';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** One thing a verification looked at, and what an admin does when it failed. */
export interface ConnectionCheck {
  name: string;
  status: CheckStatus;
  /** Stable code of what was found (null when it passed). */
  code: string | null;
  detail: string;
  /** What an admin does about it (null when nothing is to be done). */
  nextStep: string | null;
  [key: string]: Json;
}

export enum CheckCode {
  SecretInvalid = 'provider.secret_invalid',
  SecretExpired = 'provider.secret_expired',
  ClientNotFound = 'provider.client_not_found',
  TokenRefused = 'provider.token_refused',
  NoToken = 'provider.no_token',
  PermissionMissing = 'provider.permission_missing',
  WritePermissionMissing = 'provider.write_permission_missing',
}

const RENEW_SECRET =
  'In the Entra admin center, App registrations → the app → Certificates & secrets: add a new client secret, then save its Value on the tenant (PATCH /tenants/{id} with clientSecret); the tenant is verified again.';

/** The identity platform's refusals an admin can mend, by AADSTS number. */
const TOKEN_REFUSALS: Record<string, { code: CheckCode; nextStep: string }> = {
  AADSTS7000215: {
    code: CheckCode.SecretInvalid,
    nextStep:
      "The client secret is wrong. Copy the secret's Value (not its Secret ID) from App registrations → the app → Certificates & secrets, or add a new one, and save it on the tenant (PATCH /tenants/{id} with clientSecret).",
  },
  AADSTS7000222: {
    code: CheckCode.SecretExpired,
    nextStep: `The client secret has expired. ${RENEW_SECRET}`,
  },
  AADSTS700016: {
    code: CheckCode.ClientNotFound,
    nextStep:
      "No application with this client id exists in the tenant. Check clientId (the app's Application (client) ID) and entraTenantId, and that an admin of this tenant consented to the app (multi-tenant apps need consent in each tenant); save the right values on the tenant (PATCH /tenants/{id}).",
  },
};

/** The token check when the token endpoint refused the credentials. */
export function tokenRefusedCheck(error: GraphUnauthorizedError): ConnectionCheck {
  const known = error.aadsts ? TOKEN_REFUSALS[error.aadsts] : undefined;
  return {
    name: 'token',
    status: 'failed',
    code: known?.code ?? CheckCode.TokenRefused,
    detail: error.message,
    nextStep:
      known?.nextStep ??
      'The identity platform refused the credentials. Check entraTenantId, clientId and clientSecret on the tenant against the app registration.',
    aadsts: error.aadsts ?? null,
  };
}

/** One family of resources: those read with the same permission (device configuration, …). */
export interface ResourceFamily {
  /** The least privileged permission that reads them. */
  permission: string;
  resources: GraphResource[];
}

/** The contract registry's resources grouped by the permission that reads them. */
export function resourceFamilies(): ResourceFamily[] {
  const families = new Map<string, GraphResource[]>();
  for (const resource of GRAPH_RESOURCES) {
    const permission = permissionsFor(resource, 'read')[0]!;
    families.set(permission, [...(families.get(permission) ?? []), resource]);
  }
  return [...families].map(([permission, resources]) => ({ permission, resources }));
}

const consent = (permission: string) =>
  `In the Entra admin center, App registrations → the app → API permissions: add the Microsoft Graph application permission ${permission} and grant admin consent for the tenant, then verify again (POST /tenants/{id}/connection/verify).`;

/** The permission checks: each read permission (needed), each write permission (restore only). */
export function permissionChecks(granted: ReadonlySet<string>): ConnectionCheck[] {
  const checks: ConnectionCheck[] = [];
  for (const family of resourceFamilies()) {
    const allowed = family.resources.every((resource) => isAllowed(resource, 'read', granted));
    checks.push({
      name: `permission:${family.permission}`,
      status: allowed ? 'passed' : 'failed',
      code: allowed ? null : CheckCode.PermissionMissing,
      detail: `${allowed ? 'Granted' : 'Not granted'}: reads ${family.resources.join(', ')}.`,
      nextStep: allowed ? null : consent(family.permission),
    });
  }
  const writes = new Map<string, GraphResource[]>();
  for (const resource of GRAPH_RESOURCES) {
    const permission = permissionsFor(resource, 'write')[0];
    if (permission) writes.set(permission, [...(writes.get(permission) ?? []), resource]);
  }
  for (const [permission, resources] of writes) {
    const allowed = resources.every((resource) => isAllowed(resource, 'write', granted));
    checks.push({
      name: `permission:${permission}`,
      // Not needed to sync or back up: only restores write. Reported, never a failure.
      status: allowed ? 'passed' : 'skipped',
      code: allowed ? null : CheckCode.WritePermissionMissing,
      detail: allowed
        ? `Granted: restores may write ${resources.join(', ')}.`
        : `Not granted: restores into this tenant cannot write ${resources.join(', ')}; syncs and backups do not need it.`,
      nextStep: allowed ? null : `Only to restore into this tenant: ${consent(permission)}`,
    });
  }
  return checks;
}

/** The read check of one family, after its probe answered (`error` null: it read). */
export function readCheck(family: ResourceFamily, error: GraphError | null): ConnectionCheck {
  const name = `read:${family.resources[0]}`;
  if (!error) {
    return { name, status: 'passed', code: null, detail: 'Read one item.', nextStep: null };
  }
  return {
    name,
    status: 'failed',
    code: error.code,
    detail: error.message,
    nextStep:
      error instanceof GraphForbiddenError
        ? `Graph refused the read although the token carries ${family.permission}: consent may be minutes old (verify again shortly), or the tenant lacks the licence the resource needs (Intune for device management).`
        : 'Verify again later; if it persists, check Microsoft Graph service health for the tenant.',
  };
}

/** A check that was not made because an earlier one failed. */
export function notTried(name: string, code: CheckCode, detail: string): ConnectionCheck {
  return { name, status: 'skipped', code, detail, nextStep: null };
}
