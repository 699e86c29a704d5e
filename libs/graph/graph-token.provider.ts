import { AuthError, ConfidentialClientApplication, LogLevel, ServerError } from '@azure/msal-node';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import type { ProviderCredentials } from '#libs/tenancy';
import {
  type GraphError,
  GraphThrottledError,
  GraphUnauthorizedError,
  GraphUnavailableError,
} from './graph.errors.js';
import { GraphHttp } from './graph-http.js';
import { MsalNetworkClient } from './msal-network-client.js';

interface TenantApp {
  /** Hash of the credentials the app was built with: a rotated secret builds a new app. */
  fingerprint: string;
  app: ConfidentialClientApplication;
}

/** MSAL's own margin: a token is renewed this long before it expires. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * App-only tokens for Graph through MSAL (client credentials), one MSAL application and token
 * cache per tenant: MSAL answers from its cache until shortly before a token expires. The
 * authority is `GRAPH_LOGIN_URL/<entra tenant id>`, declared known so MSAL asks no other host.
 *
 * A token is also kept for the credentials it was issued to (one `TenantGraph`'s), until MSAL
 * would renew it: every Graph request asks for one, and MSAL's cache lookup costs about a
 * millisecond of CPU — the bulk of a restore's client-side work per request.
 */
@Injectable()
export class GraphTokenProvider {
  private readonly apps = new Map<string, TenantApp>();
  /** Requests in flight, so parallel first calls of a tenant share one token request. */
  private readonly pending = new Map<string, Promise<string>>();
  /** The token issued for these credentials, and when MSAL would renew it. */
  private readonly issued = new WeakMap<ProviderCredentials, { token: string; renewAt: number }>();
  private readonly network: MsalNetworkClient;
  private readonly scope: string;
  /** `GRAPH_LOGIN_URL` without a trailing slash; a tenant's authority is below it. */
  private readonly loginUrl: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig, http: GraphHttp) {
    this.network = new MsalNetworkClient(http.dispatcher);
    this.scope = `${new URL(config.graph.baseUrl).origin}/.default`;
    this.loginUrl = config.graph.loginUrl.replace(/\/+$/, '');
  }

  /** `fresh`: from the token endpoint, past MSAL's cache (a consent just given shows in it). */
  token(
    tenantId: string,
    credentials: ProviderCredentials,
    options: { fresh?: boolean } = {},
  ): Promise<string> {
    if (options.fresh) return this.acquire(tenantId, credentials, true);
    const issued = this.issued.get(credentials);
    if (issued && Date.now() < issued.renewAt) return Promise.resolve(issued.token);
    let pending = this.pending.get(tenantId);
    if (!pending) {
      pending = this.acquire(tenantId, credentials).finally(() => this.pending.delete(tenantId));
      this.pending.set(tenantId, pending);
    }
    return pending;
  }

  private async acquire(
    tenantId: string,
    credentials: ProviderCredentials,
    skipCache = false,
  ): Promise<string> {
    try {
      const result = await this.appFor(tenantId, credentials).acquireTokenByClientCredential({
        scopes: [this.scope],
        skipCache,
      });
      if (!result?.accessToken) {
        throw new GraphUnauthorizedError('The token endpoint gave no token.');
      }
      if (result.expiresOn) {
        const renewAt = result.expiresOn.getTime() - RENEW_BEFORE_MS;
        this.issued.set(credentials, { token: result.accessToken, renewAt });
      }
      return result.accessToken;
    } catch (error) {
      throw tokenError(error);
    }
  }

  private appFor(
    tenantId: string,
    credentials: ProviderCredentials,
  ): ConfidentialClientApplication {
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([credentials.entraTenantId, credentials.clientId, credentials.clientSecret]),
      )
      .digest('hex');
    const known = this.apps.get(tenantId);
    if (known?.fingerprint === fingerprint) return known.app;
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        authority: `${this.loginUrl}/${encodeURIComponent(credentials.entraTenantId)}`,
        knownAuthorities: [new URL(this.loginUrl).host],
      },
      system: {
        networkClient: this.network,
        // MSAL's log lines would bypass our redactor; failures reach us as errors instead.
        loggerOptions: {
          logLevel: LogLevel.Error,
          piiLoggingEnabled: false,
          loggerCallback: () => {},
        },
      },
    });
    this.apps.set(tenantId, { fingerprint, app });
    return app;
  }
}

/** MSAL's failure as one of ours: refused credentials, throttling, or an unreachable endpoint. */
function tokenError(error: unknown): GraphError {
  if (error instanceof GraphUnauthorizedError) return error;
  if (error instanceof ServerError) {
    const message = `The token endpoint refused the tenant's credentials: ${error.errorCode}: ${error.errorMessage}`;
    const number = error.errorNo ?? /AADSTS(\d+)/.exec(error.errorMessage)?.[1];
    const details = {
      status: error.status,
      graphCode: error.errorCode,
      aadsts: number === undefined ? undefined : `AADSTS${number}`,
    };
    if (error.status === 429) return new GraphThrottledError(message, details);
    if (error.status !== undefined && error.status >= 500) {
      return new GraphUnavailableError(message, details);
    }
    return new GraphUnauthorizedError(message, details);
  }
  const detail =
    error instanceof AuthError
      ? `${error.errorCode}: ${error.errorMessage}`
      : String((error as Error)?.message ?? error);
  return new GraphUnavailableError(`The token endpoint could not be reached: ${detail}`);
}
