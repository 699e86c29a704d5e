import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { PageQueryDto } from '#libs/common/pagination';
import type { InventoryItem } from '../inventory.repository.js';
import type { PolicyVersion, PolicyVersionSummary } from '../policy-version.repository.js';
import { POLICY_TYPE_NAMES, withoutSecrets, type PolicyType } from '#libs/policies';

export class StartInventorySyncDto {
  @ApiPropertyOptional({
    enum: POLICY_TYPE_NAMES,
    isArray: true,
    description: 'The policy types to sync; absent or empty: every type.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(POLICY_TYPE_NAMES.length)
  @IsIn(POLICY_TYPE_NAMES, { each: true })
  policyTypes?: PolicyType[];
}

export class StartPolicySyncDto {
  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'Inventory item ids to capture; absent or empty: every live item.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5000)
  @IsUUID('loose', { each: true })
  policyIds?: string[];
}

export class ListItemsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: POLICY_TYPE_NAMES })
  @IsOptional()
  @IsIn(POLICY_TYPE_NAMES)
  policyType?: PolicyType;

  @ApiPropertyOptional({ example: 'windows' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  platform?: string;

  @ApiPropertyOptional({ description: 'Display-name prefix, case-insensitive.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;

  @ApiPropertyOptional({
    enum: ['false', 'true', 'any'],
    default: 'false',
    description: 'Items marked deleted by a complete sync: hidden (false), only (true) or both.',
  })
  @IsOptional()
  @IsIn(['false', 'true', 'any'])
  deleted?: 'false' | 'true' | 'any';
}

export class ListVersionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Versions of one inventory item.' })
  @IsOptional()
  @IsUUID('loose')
  itemId?: string;

  @ApiPropertyOptional({ enum: POLICY_TYPE_NAMES })
  @IsOptional()
  @IsIn(POLICY_TYPE_NAMES)
  policyType?: PolicyType;
}

export class InventoryItemDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: POLICY_TYPE_NAMES }) policyType!: string;
  @ApiProperty() graphId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ type: String, nullable: true }) platform!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastModifiedAt!: Date | null;
  @ApiProperty() contentHash!: string;
  @ApiProperty() firstSeenAt!: Date;
  @ApiProperty() lastSeenAt!: Date;
  @ApiProperty({ type: String, nullable: true, description: 'Null once that run has been pruned.' })
  lastSeenOperationRunId!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;

  static from({ tenantId: _tenant, ...item }: InventoryItem): InventoryItemDto {
    return Object.assign(new InventoryItemDto(), item);
  }
}

export class InventoryItemPageDto {
  @ApiProperty({ type: [InventoryItemDto] }) items!: InventoryItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PolicyVersionSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) inventoryItemId!: string | null;
  @ApiProperty({ enum: POLICY_TYPE_NAMES }) policyType!: string;
  @ApiProperty() graphId!: string;
  @ApiProperty() versionNumber!: number;
  @ApiProperty() displayName!: string;
  @ApiProperty() contentHash!: string;
  @ApiProperty() capturedAt!: Date;
  @ApiProperty({ type: String, nullable: true, description: 'Null once that run has been pruned.' })
  operationRunId!: string | null;

  static from(version: PolicyVersionSummary): PolicyVersionSummaryDto {
    return Object.assign(new PolicyVersionSummaryDto(), version);
  }
}

export class PolicyVersionDto extends PolicyVersionSummaryDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: '`properties`, and `settings` or `definitionValues` where the type has them.',
  })
  content!: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) assignments!: unknown[];

  static override from(version: PolicyVersion): PolicyVersionDto {
    // A captured secret is never shown, not even sealed.
    return Object.assign(new PolicyVersionDto(), version, {
      content: withoutSecrets(version.content),
    });
  }
}

export class PolicyVersionPageDto {
  @ApiProperty({ type: [PolicyVersionSummaryDto] }) items!: PolicyVersionSummaryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class InventoryItemDetailDto extends InventoryItemDto {
  @ApiProperty({ type: [PolicyVersionSummaryDto], description: 'Newest first.' })
  versions!: PolicyVersionSummaryDto[];
}
