import { Module } from '@nestjs/common';
import { PoliciesModule } from '#libs/policies';
import { TenancyModule } from '#libs/tenancy';
import { SecretsRotationRepository } from './secrets-rotation.repository.js';
import { SecretsRotationService } from './secrets-rotation.service.js';

/** Key rotation of every secret TenantOps keeps (`secrets:rotate`); no HTTP surface. */
@Module({
  imports: [TenancyModule, PoliciesModule],
  providers: [SecretsRotationRepository, SecretsRotationService],
  exports: [SecretsRotationService],
})
export class SecretsModule {}
