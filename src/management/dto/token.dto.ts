import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsNotEmpty, IsOptional, IsString, MaxLength, MinDate } from 'class-validator';
import type { TokenSummary } from '#libs/tenancy';

export class CreateTokenDto {
  @ApiProperty({ example: 'CI pipeline', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the token stops working (refused with 401 from then on). None: never.',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(() => new Date(), { message: 'expiresAt must be in the future' })
  expiresAt?: Date;
}

export class TokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: Date | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Null: the token does not expire.',
  })
  expiresAt!: Date | null;
  @ApiProperty({ description: 'Past its expiry (refused, until revoked it stays listed).' })
  expired!: boolean;

  static from(token: TokenSummary): TokenDto {
    return {
      id: token.id,
      name: token.name,
      createdAt: token.createdAt,
      lastUsedAt: token.lastUsedAt,
      expiresAt: token.expiresAt,
      expired: token.expiresAt !== null && token.expiresAt.getTime() <= Date.now(),
    };
  }
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'The secret: shown this once, never again.', example: 'tops_…' })
  token!: string;
}

export class TokenListDto {
  @ApiProperty({ type: [TokenDto] }) items!: TokenDto[];
}
