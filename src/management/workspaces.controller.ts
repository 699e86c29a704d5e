import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Capability, CurrentPrincipal, Principal, RequireCapability } from '#libs/authz';
import { RecordNotFoundError } from '#libs/common/errors';
import { isUuid } from '#libs/common/ids';
import { mapPage } from '#libs/common/pagination';
import { AuditService, TenantsService, WorkspacesService } from '#libs/tenancy';
import { OnboardingService } from '../onboarding/index.js';
import { AuditEntryDto, AuditLogPageDto, AuditLogQueryDto } from './dto/audit-log.dto.js';
import { AddMemberDto, MemberListDto, MembershipDto } from './dto/member.dto.js';
import { CreateTenantDto, TenantDto, TenantListDto } from './dto/tenant.dto.js';

const WORKSPACE = { record: 'workspace', param: 'workspaceId' };

@ApiTags('workspaces')
@Controller('workspaces/:workspaceId')
export class WorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly tenants: TenantsService,
    private readonly onboarding: OnboardingService,
    private readonly audit: AuditService,
  ) {}

  @Get('members')
  @RequireCapability(Capability.WorkspaceManage, WORKSPACE)
  @ApiOperation({ summary: 'The members of the workspace with their roles, by name.' })
  @ApiOkResponse({ type: MemberListDto })
  async listMembers(@Param('workspaceId') workspaceId: string): Promise<MemberListDto> {
    return { items: await this.workspaces.members(workspaceId) };
  }

  @Delete('members/:userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @RequireCapability(Capability.WorkspaceManage, WORKSPACE)
  @ApiOperation({ summary: 'Remove a member (never the last owner: 409).' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'The member is the workspace’s last owner.' })
  async removeMember(
    @Param('workspaceId') workspaceId: string,
    @Param('userId') userId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    if (!isUuid(userId)) throw new RecordNotFoundError('Member');
    await this.workspaces.removeMember(workspaceId, userId, principal.actor);
  }

  @Get('audit-log')
  @RequireCapability(Capability.WorkspaceManage, WORKSPACE)
  @ApiOperation({ summary: 'The workspace’s audit log, newest first (keyset pagination).' })
  @ApiOkResponse({ type: AuditLogPageDto })
  async auditLog(
    @Param('workspaceId') workspaceId: string,
    @Query() query: AuditLogQueryDto,
  ): Promise<AuditLogPageDto> {
    const page = await this.audit.page(workspaceId, {
      actorId: query.actorId,
      action: query.action,
      targetType: query.recordType,
      targetId: query.recordId,
      from: query.from,
      to: query.to,
      cursor: query.cursor,
      limit: query.limit,
    });
    return mapPage(page, AuditEntryDto.from);
  }

  @Post('members')
  @RequireCapability(Capability.WorkspaceManage, WORKSPACE)
  @ApiOperation({ summary: 'Add a user to the workspace, or change the role of a member.' })
  @ApiCreatedResponse({ type: MembershipDto, description: 'The user became a member.' })
  @ApiOkResponse({ type: MembershipDto, description: 'The member now has the role.' })
  async addMember(
    @Param('workspaceId') workspaceId: string,
    @Body() body: AddMemberDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MembershipDto> {
    const { membership, created } = await this.workspaces.addMember(
      workspaceId,
      body.userId,
      body.role,
      principal.actor,
    );
    void reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return MembershipDto.from(membership);
  }

  @Post('tenants')
  @HttpCode(HttpStatus.CREATED)
  @RequireCapability(Capability.TenantManage, WORKSPACE)
  @ApiOperation({
    summary:
      'Add a managed tenant with its provider connection, and start verifying it (`verifyRun`).',
  })
  @ApiCreatedResponse({ type: TenantDto })
  async createTenant(
    @Param('workspaceId') workspaceId: string,
    @Body() body: CreateTenantDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantDto> {
    const tenant = await this.tenants.create(workspaceId, body, principal.actor);
    const verify = await this.onboarding.verifyAfterChange(tenant, principal);
    const lastRuns = await this.onboarding.lastRunsOf([tenant.id]);
    void reply.header('location', `/tenants/${tenant.id}`);
    return TenantDto.from(tenant, lastRuns.get(tenant.id)!, verify);
  }

  @Get('tenants')
  @RequireCapability(Capability.TenantView, WORKSPACE)
  @ApiOperation({ summary: 'The managed tenants of the workspace, by display name.' })
  @ApiOkResponse({ type: TenantListDto })
  async listTenants(@Param('workspaceId') workspaceId: string): Promise<TenantListDto> {
    const tenants = await this.tenants.list(workspaceId);
    // The newest runs of every tenant listed, in one statement.
    const lastRuns = await this.onboarding.lastRunsOf(tenants.map((tenant) => tenant.id));
    return { items: tenants.map((tenant) => TenantDto.from(tenant, lastRuns.get(tenant.id)!)) };
  }
}
