import { Logger } from '@nestjs/common';
import { GraphClient, isItemFailure, type GraphItem } from '#libs/graph';
import { HandlesRun, type RunContext, type RunHandler } from '#libs/operation-runs';
import {
  RoleDefinitionRepository,
  type RoleDefinitionRow,
  type RoleSource,
} from './role-definition.repository.js';

const RESOURCES = {
  entra: 'entraRoleDefinitions',
  intune: 'intuneRoleDefinitions',
} as const satisfies Record<RoleSource, string>;

const text = (value: unknown) => (typeof value === 'string' ? value : null);
const flag = (value: unknown) => (typeof value === 'boolean' ? value : null);

function roleRow(source: RoleSource, item: GraphItem): RoleDefinitionRow {
  return {
    id: item.id,
    source,
    displayName: text(item.displayName) ?? item.id,
    description: text(item.description),
    isBuiltIn: flag(item.isBuiltIn),
    // Intune roles have no enabled flag: they are in force when they exist.
    isEnabled: source === 'intune' ? true : flag(item.isEnabled),
    templateId: text(item.templateId),
  };
}

/**
 * `directory_role_definitions_sync`: lists Entra directory role definitions and Intune RBAC role
 * definitions (a few hundred at most) and replaces the cache. A source that fails is a failure
 * naming it; the other still lands, and nothing is removed unless both listings completed.
 */
@HandlesRun('directory_role_definitions_sync')
export class RoleDefinitionsSyncProcessor implements RunHandler<'directory_role_definitions_sync'> {
  private readonly logger = new Logger(RoleDefinitionsSyncProcessor.name);

  constructor(
    private readonly graph: GraphClient,
    private readonly roles: RoleDefinitionRepository,
  ) {}

  async execute(run: RunContext<'directory_role_definitions_sync'>): Promise<void> {
    const tenantId = run.run.tenantId!;
    const graph = this.graph.forTenant(tenantId);
    for (const source of Object.keys(RESOURCES) as RoleSource[]) {
      run.throwIfInterrupted();
      let items: GraphItem[];
      try {
        items = await graph.listAll(RESOURCES[source]);
      } catch (error) {
        if (!isItemFailure(error)) throw error;
        run.fail(source, error.code, `listing ${source} role definitions failed: ${error.message}`);
        this.logger.warn({ ...run.logFields, source, err: error }, 'Role source failed');
        continue;
      }
      const { created, updated } = await this.roles.upsert(
        tenantId,
        run.runId,
        items.map((item) => roleRow(source, item)),
      );
      run.increment('total', items.length);
      run.increment('succeeded', items.length);
      run.increment(source, items.length);
      run.increment('created', created);
      run.increment('updated', updated);
      run.increment('unchanged', items.length - created - updated);
    }
    if (run.failures.length === 0) {
      run.increment('deleted', await this.roles.deleteNotSeenBy(tenantId, run.runId));
    }
  }
}
