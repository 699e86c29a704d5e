import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { NameSearchQueryDto } from '#libs/common/pagination';
import {
  ROLE_SOURCES,
  type RoleDefinition,
  type RoleSource,
} from '../role-definition.repository.js';

export class RoleSearchQueryDto extends NameSearchQueryDto {
  @ApiPropertyOptional({ enum: ROLE_SOURCES })
  @IsOptional()
  @IsIn(ROLE_SOURCES)
  source?: RoleSource;
}

export class RoleDefinitionDto {
  @ApiProperty({ description: 'The Graph id of the role definition.' }) id!: string;
  @ApiProperty({ enum: ROLE_SOURCES }) source!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: Boolean, nullable: true }) isBuiltIn!: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true }) isEnabled!: boolean | null;
  @ApiProperty({ type: String, nullable: true }) templateId!: string | null;
  @ApiProperty() syncedAt!: Date;
  @ApiProperty({ type: String, nullable: true, description: 'Null once that run has been pruned.' })
  lastSeenOperationRunId!: string | null;

  static from(role: RoleDefinition): RoleDefinitionDto {
    return Object.assign(new RoleDefinitionDto(), role);
  }
}

export class RoleDefinitionPageDto {
  @ApiProperty({ type: [RoleDefinitionDto] }) items!: RoleDefinitionDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
