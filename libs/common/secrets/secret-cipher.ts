import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for the secrets TenantOps keeps (provider client secrets, captured policy secrets).
 * Each purpose has its own key, derived from SECRETS_KEY with HKDF, and each ciphertext is bound
 * to a record (additional authenticated data): copied to another record, it does not decrypt.
 * Layout: version (1) | iv (12) | tag (16) | ciphertext.
 *
 * While a key is rotated (`secrets:rotate`), the previous key is given too: it still decrypts,
 * so every process reads every secret before, during and after the rotation; only the current
 * key encrypts and digests.
 */
export class SecretCipher {
  private readonly key: Buffer;
  private readonly digestKey: Buffer;
  private readonly previous: SecretCipher | undefined;

  constructor(secretsKey: string, purpose: string, previousKey?: string) {
    this.key = Buffer.from(hkdfSync('sha256', secretsKey, 'tenantops', purpose, 32));
    this.digestKey = Buffer.from(
      hkdfSync('sha256', secretsKey, 'tenantops', `${purpose}:digest`, 32),
    );
    this.previous = previousKey ? new SecretCipher(previousKey, purpose) : undefined;
  }

  encrypt(secret: string, boundTo: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
  }

  /** The secret, under the current key or else the previous one; throws when neither opens it. */
  decrypt(sealed: Buffer, boundTo: string): string {
    try {
      return this.decryptWithCurrent(sealed, boundTo);
    } catch (error) {
      if (!this.previous) throw error;
      return this.previous.decrypt(sealed, boundTo);
    }
  }

  /**
   * The secret sealed under the current key, or null when it already is (a rotation that runs
   * again, or a secret written during it). Throws when neither key opens it.
   */
  reencrypt(sealed: Buffer, boundTo: string): Buffer | null {
    try {
      this.decryptWithCurrent(sealed, boundTo);
      return null;
    } catch (error) {
      if (!this.previous) throw error;
      return this.encrypt(this.previous.decrypt(sealed, boundTo), boundTo);
    }
  }

  private decryptWithCurrent(sealed: Buffer, boundTo: string): string {
    if (sealed[0] !== VERSION) throw new Error('Unknown secret format.');
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(boundTo));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  /**
   * A keyed digest (HMAC-SHA256, hex) of a secret: equal secrets compare equal without either
   * being stored in the clear, and without the key nobody can test a guess against it.
   */
  digest(secret: string): string {
    return createHmac('sha256', this.digestKey).update(secret, 'utf8').digest('hex');
  }
}
