import { Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller.js';
import { OperationsController } from './operations.controller.js';

/** The runs API (`/operations`) and the caller's notifications (`/me/notifications`). */
@Module({ controllers: [OperationsController, NotificationsController] })
export class OperationsModule {}
