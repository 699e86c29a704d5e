import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
  PartialType,
} from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { OperationRunDto, RUN_OUTCOMES, RUN_STATUSES, type StartedRun } from '#libs/operation-runs';
import type { Tenant } from '#libs/tenancy';
import { LAST_RUN_TYPES, type LastRun, type LastRuns } from '../../onboarding/index.js';

export class CreateTenantDto {
  @ApiProperty({ example: 'Contoso Ltd', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  displayName!: string;

  @ApiProperty({ format: 'uuid', description: 'The Entra ID (directory) tenant id.' })
  @IsUUID('loose')
  entraTenantId!: string;

  @ApiProperty({
    format: 'uuid',
    description: 'Application (client) id of the provider connection.',
  })
  @IsUUID('loose')
  clientId!: string;

  @ApiProperty({
    writeOnly: true,
    maxLength: 1024,
    description: 'Client secret of the provider connection. Stored encrypted; never returned.',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  clientSecret!: string;
}

export class UpdateTenantDto extends PartialType(CreateTenantDto) {}

const CONNECTION_STATUSES = ['unverified', 'verifying', 'verified', 'failed'] as const;

export class TenantConnectionDto {
  @ApiProperty({
    enum: CONNECTION_STATUSES,
    description:
      '`verifying` while a provider_connection_verify run is queued or running; otherwise what the newest one found (`unverified`: none since the credentials were set).',
  })
  status!: (typeof CONNECTION_STATUSES)[number];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) checkedAt!: Date | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The verification that found this.',
  })
  runId!: string | null;
  @ApiProperty({
    type: [String],
    example: ['DeviceManagementConfiguration.Read.All'],
    description: 'Application permissions the tenant has not granted (least privileged names).',
  })
  missingPermissions!: string[];
}

export class LastRunDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: string;
  @ApiProperty({ enum: RUN_OUTCOMES }) outcome!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: Date | null;
}

export class StartedRunOfTenantDto {
  @ApiProperty({ type: OperationRunDto }) run!: OperationRunDto;
  @ApiProperty() deduplicated!: boolean;
}

@ApiExtraModels(LastRunDto)
export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) workspaceId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ format: 'uuid' }) entraTenantId!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty({ description: 'Always true: a tenant is created with its provider connection.' })
  hasProviderConnection!: boolean;
  @ApiProperty({ type: TenantConnectionDto }) connection!: TenantConnectionDto;
  @ApiProperty({
    type: 'object',
    properties: Object.fromEntries(
      LAST_RUN_TYPES.map((type) => [type, { $ref: getSchemaPath(LastRunDto), nullable: true }]),
    ),
    description: 'The newest run of each type for the tenant (null: none).',
  })
  lastRuns!: Record<string, LastRunDto | null>;
  @ApiPropertyOptional({
    type: StartedRunOfTenantDto,
    description:
      'On create, and on a change of the credentials: the provider_connection_verify run started for them.',
  })
  verifyRun?: StartedRunOfTenantDto;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(tenant: Tenant, lastRuns: LastRuns, verify?: StartedRun): TenantDto {
    const verifying = lastRuns.provider_connection_verify;
    const active = verifying !== null && verifying.status !== 'completed';
    return {
      id: tenant.id,
      workspaceId: tenant.workspaceId,
      displayName: tenant.displayName,
      entraTenantId: tenant.entraTenantId,
      clientId: tenant.clientId,
      hasProviderConnection: true,
      connection: { ...tenant.connection, status: active ? 'verifying' : tenant.connection.status },
      lastRuns: lastRuns as Record<string, LastRun | null>,
      ...(verify
        ? {
            verifyRun: { run: OperationRunDto.from(verify.run), deduplicated: verify.deduplicated },
          }
        : {}),
      createdAt: tenant.createdAt,
      updatedAt: tenant.updatedAt,
    };
  }
}

export class TenantListDto {
  @ApiProperty({ type: [TenantDto] }) items!: TenantDto[];
}
