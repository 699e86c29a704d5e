import { withoutSecrets } from '#libs/policies';
import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsNotEmpty,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import type { BackupSet, BackupSetItem } from '../backup-sets.repository.js';

export class CreateBackupSetDto {
  @ApiProperty({ example: 'Before the March change', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class AddPoliciesDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: 500,
    description: 'Inventory item ids of the tenant (live items), as policy_sync takes them.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsUUID('loose', { each: true })
  policyIds!: string[];
}

export class BackupSetDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) workspaceId!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) scheduleId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The run that made it (null once pruned).',
  })
  operationRunId!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty() itemCount!: number;
  @ApiProperty() createdAt!: Date;

  static from(set: BackupSet): BackupSetDto {
    return Object.assign(new BackupSetDto(), set);
  }
}

export class BackupSetItemDto {
  @ApiProperty() policyType!: string;
  @ApiProperty() policyId!: string;
  @ApiProperty({ type: String, nullable: true }) displayName!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) content!: unknown;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) assignments!: unknown;
  @ApiProperty({ description: 'SHA-256 of the normalised content and assignments.' })
  contentHash!: string;
  @ApiProperty() capturedAt!: Date;
}

export class BackupSetWithItemsDto extends BackupSetDto {
  @ApiProperty({ type: [BackupSetItemDto] }) items!: BackupSetItemDto[];

  static withItems(set: BackupSet, items: BackupSetItem[]): BackupSetWithItemsDto {
    // A captured secret is never shown, not even sealed.
    const shown = items.map((item) => ({ ...item, content: withoutSecrets(item.content) }));
    return Object.assign(new BackupSetWithItemsDto(), set, { items: shown });
  }
}

export class BackupSetListDto {
  @ApiProperty({ type: [BackupSetDto] }) items!: BackupSetDto[];
}
