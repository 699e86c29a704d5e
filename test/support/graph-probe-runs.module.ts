import { Module } from '@nestjs/common';
import { Capability } from '#libs/authz';
import { GraphClient, GraphModule, type GraphResource } from '#libs/graph';
import {
  defineRunType,
  HandlesRun,
  OperationRunsModule,
  type RunContext,
  type RunHandler,
} from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    probe_graph: { key: string; resource: GraphResource };
  }
}

/** A test-only run type whose handler lists one Graph collection, as a family's sync would. */
export const PROBE_GRAPH = defineRunType({
  type: 'probe_graph',
  label: 'Graph probe',
  capability: Capability.InventorySync,
  scope: 'active',
  queue: 'probe_graph',
  tenantScoped: true,
  identity: (inputs) => ({ key: inputs.key }),
  job: { attempts: 2, backoffMs: 50 },
});

@HandlesRun('probe_graph')
class GraphProbeHandler implements RunHandler<'probe_graph'> {
  constructor(private readonly graph: GraphClient) {}

  async execute(run: RunContext<'probe_graph'>): Promise<void> {
    const items = await this.graph.forTenant(run.run.tenantId!).listAll(run.inputs.resource);
    run.increment('total', items.length);
    run.increment('succeeded', items.length);
  }
}

@Module({
  imports: [OperationRunsModule.forFeature([PROBE_GRAPH]), GraphModule],
  providers: [GraphProbeHandler],
})
export class GraphProbeRunsModule {}
