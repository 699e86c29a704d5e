import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { SecretCipher } from '#libs/common/secrets';

/** Provider client secrets, each bound to its tenant id. */
@Injectable()
export class ProviderSecretCipher extends SecretCipher {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config.secretsKey, 'provider-client-secret', config.previousSecretsKey);
  }
}
