import { GraphClient, type DeltaResult, type GraphItem } from '#libs/graph';
import { HandlesRun, RunError, type RunContext, type RunHandler } from '#libs/operation-runs';
import { DirectoryGroupRepository, type GroupRow } from './directory-group.repository.js';

/** Groups written per statement. */
const BATCH = 1000;

const text = (value: unknown) => (typeof value === 'string' ? value : null);
const flag = (value: unknown) => (typeof value === 'boolean' ? value : null);

function groupRow(item: GraphItem): GroupRow {
  return {
    id: item.id,
    displayName: text(item.displayName) ?? item.id,
    description: text(item.description),
    mail: text(item.mail),
    mailEnabled: flag(item.mailEnabled),
    securityEnabled: flag(item.securityEnabled),
  };
}

/**
 * `entra_group_sync`: a delta round from the tenant's stored delta link — only what changed since
 * the last sync — or a full round the first time and whenever Graph has forgotten the link. A
 * full round replaces the cache (groups it did not list are removed); an incremental one applies
 * the changes and `@removed` ids. The new delta link is stored only after the changes are.
 */
@HandlesRun('entra_group_sync')
export class EntraGroupSyncProcessor implements RunHandler<'entra_group_sync'> {
  constructor(
    private readonly graph: GraphClient,
    private readonly groups: DirectoryGroupRepository,
  ) {}

  async execute(run: RunContext<'entra_group_sync'>): Promise<void> {
    const tenantId = run.run.tenantId!;
    const graph = this.graph.forTenant(tenantId);
    const onPage = (entries: number) => {
      run.increment('deltaPages');
      run.increment('deltaEntries', entries);
      run.throwIfInterrupted();
    };
    const stored = await this.groups.deltaLink(tenantId, 'groups');
    let full = stored === null;
    let round: DeltaResult = await graph.delta('groups', stored ?? undefined, { onPage });
    if (round.kind === 'resync_required') {
      run.setContext({ resynced: true });
      full = true;
      round = await graph.delta('groups', undefined, { onPage });
    }
    if (round.kind === 'resync_required') {
      throw new RunError('directory.delta_expired', 'Graph forgot a fresh delta round.', true);
    }
    run.setContext({ mode: full ? 'full' : 'delta' });
    run.increment('total', round.items.length);
    for (let start = 0; start < round.items.length; start += BATCH) {
      const batch = round.items.slice(start, start + BATCH).map(groupRow);
      const { created, updated } = await this.groups.upsert(tenantId, run.runId, batch);
      run.increment('succeeded', batch.length);
      run.increment('created', created);
      run.increment('updated', updated);
      run.increment('unchanged', batch.length - created - updated);
      run.throwIfInterrupted();
    }
    const deleted = full
      ? await this.groups.deleteNotSeenBy(tenantId, run.runId)
      : await this.groups.deleteIds(tenantId, round.removedIds);
    run.increment('deleted', deleted);
    await this.groups.saveDeltaLink(tenantId, 'groups', round.deltaLink);
  }
}
