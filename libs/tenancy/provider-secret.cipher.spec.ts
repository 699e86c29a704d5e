import { parseConfig } from '#libs/common/config';
import { ProviderSecretCipher } from './provider-secret.cipher.js';

const cipherWith = (key: string) =>
  new ProviderSecretCipher(
    parseConfig({ DATABASE_URL: 'postgres://localhost/x', SECRETS_KEY: key }),
  );

describe('ProviderSecretCipher', () => {
  const cipher = cipherWith('a'.repeat(32));

  it('round-trips a secret for its tenant, with a fresh IV each time', () => {
    const sealed = cipher.encrypt('client-secret', 'tenant-1');
    expect(cipher.decrypt(sealed, 'tenant-1')).toBe('client-secret');
    expect(cipher.encrypt('client-secret', 'tenant-1').equals(sealed)).toBe(false);
    expect(sealed.includes(Buffer.from('client-secret'))).toBe(false);
  });

  it('refuses another tenant, another key and any tampering', () => {
    const sealed = cipher.encrypt('client-secret', 'tenant-1');
    expect(() => cipher.decrypt(sealed, 'tenant-2')).toThrow();
    expect(() => cipherWith('b'.repeat(32)).decrypt(sealed, 'tenant-1')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.decrypt(tampered, 'tenant-1')).toThrow();
  });
});
