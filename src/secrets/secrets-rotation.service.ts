import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import {
  isCapturedSecret,
  PolicySecretCipher,
  policyHash,
  type CapturedSecret,
  type PolicyContent,
  type PolicyType,
} from '#libs/policies';
import { TenantsService, type SecretRotation } from '#libs/tenancy';
import { SecretsError, SecretsErrorCode } from './secrets.errors.js';
import {
  SecretsRotationRepository,
  type CapturedPolicyRow,
} from './secrets-rotation.repository.js';

const BATCH = 200;

export interface RotationResult {
  providerSecrets: SecretRotation;
  /** Policy versions and backup set items holding captured secrets (counted per record). */
  policyVersions: SecretRotation;
  backupSetItems: SecretRotation;
}

/**
 * `secrets:rotate`: every secret TenantOps keeps, re-encrypted under SECRETS_KEY while
 * SECRETS_KEY_PREVIOUS names the key it replaces. Processes keep running meanwhile: both keys
 * decrypt, so a secret is readable whether it was re-encrypted yet or not, and new secrets are
 * written under the new key. Captured policy secrets get a new keyed digest too, so their
 * records' content hashes are computed again (as a capture under the new key would hash them).
 * Safe to run again: what is already under the new key is only counted.
 */
@Injectable()
export class SecretsRotationService {
  private readonly logger = new Logger(SecretsRotationService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tenants: TenantsService,
    private readonly policySecrets: PolicySecretCipher,
    private readonly rows: SecretsRotationRepository,
  ) {}

  async rotate(): Promise<RotationResult> {
    if (!this.config.previousSecretsKey) {
      throw new SecretsError(
        SecretsErrorCode.NoPreviousKey,
        'SECRETS_KEY_PREVIOUS must name the key being replaced (SECRETS_KEY is the new one).',
      );
    }
    const result: RotationResult = {
      providerSecrets: await this.tenants.rotateProviderSecrets(),
      policyVersions: await this.rotatePolicies('version', (after) =>
        this.rows.versionsAfter(after, BATCH),
      ),
      backupSetItems: await this.rotatePolicies('backup_item', (after) =>
        this.rows.backupItemsAfter(after, BATCH),
      ),
    };
    this.logger.log({ ...result }, 'Secrets rotated');
    return result;
  }

  private async rotatePolicies(
    kind: 'version' | 'backup_item',
    page: (after: string | null) => Promise<CapturedPolicyRow[]>,
  ): Promise<SecretRotation> {
    const result: SecretRotation = { rotated: 0, current: 0, unreadable: [] };
    for (let after: string | null = null; ;) {
      const rows = await page(after);
      for (const row of rows) {
        let content: unknown;
        try {
          content = this.resealed(row.content, row.tenantId);
        } catch {
          result.unreadable.push(row.key);
          continue;
        }
        if (content === row.content) {
          result.current++;
          continue;
        }
        const hash = policyHash(
          row.policyType as PolicyType,
          content as PolicyContent,
          row.assignments,
        );
        if (await this.rows.replaceContent(kind, row, content, hash)) result.rotated++;
        else result.current++;
      }
      if (rows.length < BATCH) break;
      after = rows.at(-1)!.key;
    }
    return result;
  }

  /** `value` with every captured secret under the current key; the same object when all were. */
  private resealed(value: unknown, tenantId: string): unknown {
    if (isCapturedSecret(value)) {
      return this.policySecrets.reseal(value as CapturedSecret, tenantId) ?? value;
    }
    if (Array.isArray(value)) {
      const items = value.map((item) => this.resealed(item, tenantId));
      return items.some((item, i) => item !== value[i]) ? items : value;
    }
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value).map(
      ([key, inner]) => [key, this.resealed(inner, tenantId)] as const,
    );
    return entries.some(([key, inner]) => inner !== (value as Record<string, unknown>)[key])
      ? Object.fromEntries(entries)
      : value;
  }
}
