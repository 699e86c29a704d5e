import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { GRAPH_CONTRACTS } from '#libs/graph';
import { json, type SimRequest, type SimResponse, type SimRouter } from './sim-http.js';
import type { SimTenant } from './sim-tenant.js';

/** Every permission the contract registry names: what a tenant grants unless told otherwise. */
export const ALL_PERMISSIONS: readonly string[] = [
  ...new Set(
    Object.values(GRAPH_CONTRACTS).flatMap((contract) => {
      const permissions: { read: readonly string[]; write?: readonly string[] } =
        contract.permissions;
      return [...permissions.read, ...(permissions.write ?? [])];
    }),
  ),
].sort();

/** What a valid bearer token says: the tenant it was issued for and the permissions it carries. */
export interface SimTokenClaims {
  tid: string;
  roles: string[];
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export interface SimAuthOptions {
  /** The only client secret that gets a token (any client id, any tenant). */
  clientSecret: string;
  tokenLifetimeSeconds: number;
}

/**
 * The Microsoft identity platform, as far as client credentials need it: OpenID metadata for
 * MSAL, the v2.0 token endpoint with AADSTS-shaped errors, and JWT access tokens (HS256, signed
 * with a key of this process) whose `tid` says which generated tenant a Graph call reads.
 */
export class SimAuth {
  private readonly key = randomBytes(32);

  constructor(
    private readonly baseUrl: () => string,
    private readonly options: SimAuthOptions,
    private readonly tenant: (id: string) => SimTenant,
  ) {}

  routes(router: SimRouter): void {
    router
      .add('GET', '/:tenant/v2.0/.well-known/openid-configuration', (r) =>
        this.openIdConfiguration(r),
      )
      .add('GET', '/:tenant/.well-known/openid-configuration', (r) => this.openIdConfiguration(r))
      .add('GET', '/common/discovery/instance', () => this.instanceDiscovery())
      .add('GET', '/:tenant/discovery/v2.0/keys', () => json(200, { keys: [] }))
      .add('POST', '/:tenant/oauth2/v2.0/token', (r) => this.token(r));
  }

  /** What a bearer token says, or null when it is missing, forged or expired. */
  verify(authorization: string | undefined): SimTokenClaims | null {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    const [header, payload, signature] = token?.split('.') ?? [];
    if (!header || !payload || !signature) return null;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      tid: string;
      exp: number;
      roles?: string[];
    };
    return claims.exp * 1000 > Date.now() ? { tid: claims.tid, roles: claims.roles ?? [] } : null;
  }

  private openIdConfiguration(request: SimRequest): SimResponse {
    const tenant = request.params.tenant;
    const root = `${this.baseUrl()}/${tenant}`;
    return json(200, {
      issuer: `${root}/v2.0`,
      authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
      token_endpoint: `${root}/oauth2/v2.0/token`,
      jwks_uri: `${root}/discovery/v2.0/keys`,
      end_session_endpoint: `${root}/oauth2/v2.0/logout`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      tenant_region_scope: null,
    });
  }

  private instanceDiscovery(): SimResponse {
    const host = new URL(this.baseUrl()).host;
    return json(200, {
      tenant_discovery_endpoint: `${this.baseUrl()}/{tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }

  private token(request: SimRequest): SimResponse {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (form.grant_type !== 'client_credentials') {
      return aadError(
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type.',
      );
    }
    if (!form.client_id) {
      return aadError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'client_id'.",
      );
    }
    const app = this.tenant(request.params.tenant).app;
    if (app.knownClientIds && !app.knownClientIds.includes(form.client_id)) {
      return aadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${form.client_id}' was not found in the directory '${request.params.tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    if (!form.client_secret) {
      return aadError(
        401,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      );
    }
    if (!this.secretMatches(form.client_secret)) {
      return aadError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${form.client_id}'.`,
      );
    }
    if (app.secretExpired) {
      return aadError(
        401,
        'invalid_client',
        7000222,
        `The provided client secret keys for app '${form.client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const granted = this.tenant(request.params.tenant).permissions;
    const claims = {
      aud: form.scope?.replace(/\/\.default$/, '') ?? 'https://graph.microsoft.com',
      iss: `${this.baseUrl()}/${request.params.tenant}/v2.0`,
      tid: request.params.tenant,
      appid: form.client_id,
      roles: granted ? [...granted].sort() : [...ALL_PERMISSIONS],
      iat: now,
      exp: now + this.options.tokenLifetimeSeconds,
      jti: randomUUID(),
    };
    const unsigned = `${base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))}.${base64url(JSON.stringify(claims))}`;
    return json(200, {
      token_type: 'Bearer',
      expires_in: this.options.tokenLifetimeSeconds,
      ext_expires_in: this.options.tokenLifetimeSeconds,
      access_token: `${unsigned}.${this.sign(unsigned)}`,
    });
  }

  private secretMatches(given: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(this.options.clientSecret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

/** An error as the identity platform writes it: `error`, an AADSTS description, its codes. */
function aadError(status: number, error: string, code: number, description: string): SimResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}
