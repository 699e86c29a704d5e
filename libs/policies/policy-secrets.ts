import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { SecretCipher } from '#libs/common/secrets';

/**
 * Where a captured policy held a secret (an encrypted custom OMA-URI value), its content holds
 * `{ "@tenantops.secret": { sealed, digest } }` instead: the plain value read through Graph's
 * `getOmaSettingPlainTextValue`, encrypted at rest and bound to the tenant it was read from, and
 * its keyed digest, which is what content hashes compare. `null` when Graph would not give it.
 */
export const SECRET_MARK = '@tenantops.secret';

export interface SealedSecret {
  /** Base64 of the AES-256-GCM ciphertext. */
  sealed: string;
  digest: string;
}

export type CapturedSecret = { [SECRET_MARK]: SealedSecret | null };

export function isCapturedSecret(value: unknown): value is CapturedSecret {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, SECRET_MARK);
}

/** Seals the secrets of captured policies, and opens them again to write a policy back. */
@Injectable()
export class PolicySecretCipher {
  private readonly cipher: SecretCipher;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.cipher = new SecretCipher(config.secretsKey, 'policy-secret', config.previousSecretsKey);
  }

  seal(plain: string, tenantId: string): CapturedSecret {
    return {
      [SECRET_MARK]: {
        sealed: this.cipher.encrypt(plain, tenantId).toString('base64'),
        digest: this.cipher.digest(plain),
      },
    };
  }

  /**
   * The secret sealed and digested under the current key, or null when it already is (or was not
   * captured). Throws when neither key opens it.
   */
  reseal(secret: CapturedSecret, tenantId: string): CapturedSecret | null {
    const sealed = secret[SECRET_MARK];
    if (!sealed) return null;
    const resealed = this.cipher.reencrypt(Buffer.from(sealed.sealed, 'base64'), tenantId);
    if (!resealed) return null;
    return {
      [SECRET_MARK]: {
        sealed: resealed.toString('base64'),
        digest: this.cipher.digest(this.cipher.decrypt(resealed, tenantId)),
      },
    };
  }

  /** The plain value, or null when it was not captured. */
  open(secret: CapturedSecret, tenantId: string): string | null {
    const sealed = secret[SECRET_MARK];
    return sealed ? this.cipher.decrypt(Buffer.from(sealed.sealed, 'base64'), tenantId) : null;
  }
}

/**
 * Content as reads show it: every captured secret replaced by whether it was captured, so that
 * no API answer carries even its ciphertext.
 */
export function withoutSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutSecrets) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (isCapturedSecret(value)) {
    return { [SECRET_MARK]: value[SECRET_MARK] ? 'captured' : 'not_captured' } as T;
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, withoutSecrets(inner)]),
  ) as T;
}
