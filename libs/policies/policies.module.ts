import { Module } from '@nestjs/common';
import { PolicyCaptureService } from './policy-capture.service.js';

/** The Intune policy catalogue and its capture, shared by inventory, backup and restore. */
@Module({ providers: [PolicyCaptureService], exports: [PolicyCaptureService] })
export class PoliciesModule {}
