import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  ApiTokensService,
  CLI_ACTOR,
  TenantsService,
  UsersService,
  WorkspacesService,
  type Tenant,
} from '#libs/tenancy';
import type { Role } from '#libs/roles';

export interface TestUser {
  id: string;
  email: string;
  name: string;
  token: string;
}

let sequence = 0;

/** Builds the world a test needs, in a line, through the product's own services. */
export class World {
  constructor(private readonly app: INestApplicationContext) {}

  async user(name = `User ${++sequence}`): Promise<TestUser> {
    const email = `${randomUUID()}@example.test`;
    const user = await this.app.get(UsersService).create(email, name, CLI_ACTOR);
    const { token } = await this.app.get(ApiTokensService).issue(user.id, 'test', CLI_ACTOR);
    return { id: user.id, email, name, token };
  }

  /** A workspace with one tenant and one member of the role: the usual stage for run tests. */
  async tenantWithMember(
    role: Role,
  ): Promise<{ workspace: WorkspaceBuilder; tenant: Tenant; member: TestUser }> {
    const workspace = await this.workspace();
    return { workspace, tenant: await workspace.tenant(), member: await workspace.member(role) };
  }

  async workspace(name = `Workspace ${++sequence}`): Promise<WorkspaceBuilder> {
    const workspace = await this.app.get(WorkspacesService).create(name, CLI_ACTOR);
    return new WorkspaceBuilder(this, this.app, workspace.id);
  }
}

export class WorkspaceBuilder {
  constructor(
    private readonly world: World,
    private readonly app: INestApplicationContext,
    readonly id: string,
  ) {}

  /** A new user who is a member with the role. */
  async member(role: Role): Promise<TestUser> {
    const user = await this.world.user(`${role} ${++sequence}`);
    await this.add(user, role);
    return user;
  }

  async add(user: TestUser, role: Role): Promise<TestUser> {
    await this.app.get(WorkspacesService).addMember(this.id, user.id, role, CLI_ACTOR);
    return user;
  }

  tenant(
    overrides: Partial<{ displayName: string; entraTenantId: string; clientSecret: string }> = {},
  ): Promise<Tenant> {
    return this.app.get(TenantsService).create(
      this.id,
      {
        displayName: overrides.displayName ?? `Tenant ${++sequence}`,
        entraTenantId: overrides.entraTenantId ?? randomUUID(),
        clientId: randomUUID(),
        clientSecret: overrides.clientSecret ?? `secret-${randomUUID()}`,
      },
      CLI_ACTOR,
    );
  }
}
