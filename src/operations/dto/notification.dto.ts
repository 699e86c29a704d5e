import { ApiProperty } from '@nestjs/swagger';
import type { Notification } from '#libs/operation-runs';

export class NotificationDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['run.queued', 'run.completed'] }) event!: string;
  @ApiProperty({ example: 'Inventory sync succeeded' }) title!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Null once the run has been pruned.' })
  runId!: string | null;
  @ApiProperty() runType!: string;
  @ApiProperty({ type: String, nullable: true }) outcome!: string | null;
  @ApiProperty({ example: '/operations/0190f7a2-…' }) link!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt!: Date | null;

  static from(notification: Notification): NotificationDto {
    return Object.assign(new NotificationDto(), notification);
  }
}

export class NotificationListDto {
  @ApiProperty({ type: [NotificationDto] }) items!: NotificationDto[];
}
