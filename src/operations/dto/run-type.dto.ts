import { ApiProperty } from '@nestjs/swagger';

export class RunTypeDto {
  @ApiProperty({ example: 'inventory_sync' }) type!: string;
  @ApiProperty({ example: 'Inventory sync' }) label!: string;
  @ApiProperty({ example: 'inventory.sync' }) capability!: string;
}

export class RunTypeListDto {
  @ApiProperty({ type: [RunTypeDto] }) items!: RunTypeDto[];
}
