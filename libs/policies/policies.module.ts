import { Module } from '@nestjs/common';
import { PolicyCaptureService } from './policy-capture.service.js';
import { PolicySecretCipher } from './policy-secrets.js';

/** The Intune policy catalogue and its capture, shared by inventory, backup and restore. */
@Module({
  providers: [PolicyCaptureService, PolicySecretCipher],
  exports: [PolicyCaptureService, PolicySecretCipher],
})
export class PoliciesModule {}
