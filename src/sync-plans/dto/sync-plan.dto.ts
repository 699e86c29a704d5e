import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import type { SyncPlanView } from '../sync-plans.service.js';

export class SyncPlanEntryChangeDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    example: '15 */6 * * *',
    description: 'Five fields: minute hour day-of-month month day-of-week, in `timezone`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  cron?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: 'An IANA time zone.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;
}

/** The plan's changes: the kinds and fields named change, the others stay as they are. */
export class UpdateSyncPlanDto {
  @ApiPropertyOptional({
    type: SyncPlanEntryChangeDto,
    description: 'inventory_sync of every type.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => SyncPlanEntryChangeDto)
  inventory?: SyncPlanEntryChangeDto;

  @ApiPropertyOptional({ type: SyncPlanEntryChangeDto, description: 'entra_group_sync.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SyncPlanEntryChangeDto)
  directoryGroups?: SyncPlanEntryChangeDto;

  @ApiPropertyOptional({
    type: SyncPlanEntryChangeDto,
    description: 'directory_role_definitions_sync.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => SyncPlanEntryChangeDto)
  roleDefinitions?: SyncPlanEntryChangeDto;
}

export class SyncPlanEntryDto {
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ example: '15 3 * * *' }) cron!: string;
  @ApiProperty({ example: 'UTC' }) timezone!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The next fire (null: disabled).',
  })
  nextFireAt!: Date | null;
}

export class SyncPlanDto {
  @ApiProperty({ type: SyncPlanEntryDto }) inventory!: SyncPlanEntryDto;
  @ApiProperty({ type: SyncPlanEntryDto }) directoryGroups!: SyncPlanEntryDto;
  @ApiProperty({ type: SyncPlanEntryDto }) roleDefinitions!: SyncPlanEntryDto;

  static from(plan: SyncPlanView): SyncPlanDto {
    return plan;
  }
}
