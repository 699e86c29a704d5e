import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { TenantsService } from '#libs/tenancy';
import { GraphClient, type TenantGraph } from './graph.client.js';
import { GraphHttp } from './graph-http.js';
import { GraphTokenProvider } from './graph-token.provider.js';
import { HttpTenantGraph } from './tenant-graph.js';

/** The production {@link GraphClient}: MSAL tokens, undici, the contract registry. */
@Injectable()
export class HttpGraphClient extends GraphClient {
  private readonly baseUrl: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly http: GraphHttp,
    private readonly tokens: GraphTokenProvider,
    private readonly tenants: TenantsService,
  ) {
    super();
    this.baseUrl = config.graph.baseUrl.replace(/\/+$/, '');
  }

  forTenant(tenantId: string): TenantGraph {
    return new HttpTenantGraph(tenantId, {
      http: this.http,
      baseUrl: this.baseUrl,
      // Decrypted on first use and held by this TenantGraph only, never stored elsewhere.
      credentials: () => this.tenants.providerCredentials(tenantId),
      token: (credentials, options) => this.tokens.token(tenantId, credentials, options),
    });
  }
}
