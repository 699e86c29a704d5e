import { ApiProperty, PartialType } from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import type { Tenant } from '#libs/tenancy';

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

export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) workspaceId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ format: 'uuid' }) entraTenantId!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty({ description: 'Always true: a tenant is created with its provider connection.' })
  hasProviderConnection!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(tenant: Tenant): TenantDto {
    return Object.assign(new TenantDto(), { ...tenant, hasProviderConnection: true });
  }
}

export class TenantListDto {
  @ApiProperty({ type: [TenantDto] }) items!: TenantDto[];
}
