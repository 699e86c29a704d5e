import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '#libs/common/pagination';
import type { AuditEntry } from '#libs/tenancy';

export class AuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Entries by this user.' })
  @IsOptional()
  @IsUUID('loose')
  actorId?: string;

  @ApiPropertyOptional({ example: 'membership.create' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]+(\.[a-z_]+)*$/, { message: 'action must look like membership.create' })
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ example: 'tenant', description: 'The kind of record changed.' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]+$/, { message: 'recordType must be lowercase letters and _' })
  @MaxLength(100)
  recordType?: string;

  @ApiPropertyOptional({ description: 'The id of the record changed.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  recordId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this instant.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this instant.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;
}

class AuditActorDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Null for the operator CLI.',
  })
  userId!: string | null;
  @ApiProperty() name!: string;
}

class AuditRecordDto {
  @ApiProperty({ example: 'tenant' }) type!: string;
  @ApiProperty() id!: string;
}

export class AuditEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ example: 'tenant.update' }) action!: string;
  @ApiProperty({ type: AuditRecordDto }) record!: AuditRecordDto;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) tenantId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;

  static from(entry: AuditEntry): AuditEntryDto {
    return {
      id: entry.id,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      record: entry.target,
      tenantId: entry.tenantId,
      details: entry.details,
    };
  }
}

export class AuditLogPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
