import { AbilityBuilder, createMongoAbility, type MongoAbility } from '@casl/ability';
import type { Role } from '#libs/roles';
import type { Actor, TokenHolder } from '#libs/tenancy';
import { ROLE_CAPABILITIES, type Capability } from './capabilities.js';

/** The subject every capability applies to: a workspace, identified by its id. */
export interface WorkspaceSubject {
  __typename: 'Workspace';
  id: string;
}
export type AppAbility = MongoAbility<[Capability, WorkspaceSubject | 'Workspace']>;

/** Capabilities granted per workspace: one CASL rule per capability, over all granting workspaces. */
export function buildAbility(
  memberships: readonly { workspaceId: string; role: Role }[],
): AppAbility {
  const grants = new Map<Capability, string[]>();
  for (const { workspaceId, role } of memberships) {
    for (const capability of ROLE_CAPABILITIES[role]) {
      grants.set(capability, [...(grants.get(capability) ?? []), workspaceId]);
    }
  }
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  for (const [capability, workspaceIds] of grants)
    can(capability, 'Workspace', { id: { $in: workspaceIds } });
  return build({ detectSubjectType: (subject) => subject.__typename });
}

/** The authenticated caller of one request: who they are, where they belong, what they may do. */
export class Principal {
  readonly ability: AppAbility;
  private readonly roles: ReadonlyMap<string, Role>;
  /** The HTTP request this caller made (X-Request-Id), when there is one: a run keeps it. */
  readonly requestId?: string;

  constructor(
    readonly user: { id: string; email: string; name: string },
    memberships: readonly { workspaceId: string; role: Role }[],
  ) {
    this.roles = new Map(memberships.map((m) => [m.workspaceId, m.role]));
    this.ability = buildAbility(memberships);
  }

  static fromTokenHolder(holder: TokenHolder): Principal {
    return new Principal(holder.user, holder.memberships);
  }

  /**
   * The same caller, for one request: shares everything (the ability is built once per token
   * holder) and carries the request's id, so that what the request starts can name it.
   */
  forRequest(requestId: string): Principal {
    // A plain assignment: property descriptors would make each of these a slow dictionary object.
    const principal = Object.create(this) as { -readonly [K in keyof Principal]: Principal[K] };
    principal.requestId = requestId;
    return principal as Principal;
  }

  /** The caller as the audit log and run initiators record it. */
  get actor(): Actor {
    return { userId: this.user.id, name: this.user.name };
  }

  workspaceIds(): string[] {
    return [...this.roles.keys()];
  }

  isMemberOf(workspaceId: string): boolean {
    return this.roles.has(workspaceId);
  }

  can(capability: Capability, workspaceId: string): boolean {
    return this.ability.can(capability, { __typename: 'Workspace', id: workspaceId });
  }

  /** Workspaces where the caller holds the capability, for filtering lists in SQL. */
  workspacesWith(capability: Capability): string[] {
    return [...this.roles.keys()].filter((workspaceId) => this.can(capability, workspaceId));
  }
}
