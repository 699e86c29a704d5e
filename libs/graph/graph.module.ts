import { Module } from '@nestjs/common';
import { TenancyModule } from '#libs/tenancy';
import { GraphClient } from './graph.client.js';
import { GraphHttp } from './graph-http.js';
import { GraphTokenProvider } from './graph-token.provider.js';
import { HttpGraphClient } from './http-graph.client.js';

/** Microsoft Graph for jobs: `GraphClient.forTenant(id)` and nothing else is exported. */
@Module({
  imports: [TenancyModule],
  providers: [GraphHttp, GraphTokenProvider, { provide: GraphClient, useClass: HttpGraphClient }],
  exports: [GraphClient],
})
export class GraphModule {}
