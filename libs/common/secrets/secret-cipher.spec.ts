import { SecretCipher } from './secret-cipher.js';

const cipherWith = (key: string, purpose = 'provider-client-secret') =>
  new SecretCipher(key, purpose);

describe('SecretCipher', () => {
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

  it('keeps purposes apart: a ciphertext of one purpose does not decrypt under another', () => {
    const sealed = cipher.encrypt('client-secret', 'tenant-1');
    expect(() => cipherWith('a'.repeat(32), 'policy-secret').decrypt(sealed, 'tenant-1')).toThrow();
  });

  it('digests equal secrets equally, per key and purpose, never as the plain hash', () => {
    expect(cipher.digest('s3cret')).toBe(cipher.digest('s3cret'));
    expect(cipher.digest('s3cret')).not.toBe(cipher.digest('s3cret2'));
    expect(cipherWith('b'.repeat(32)).digest('s3cret')).not.toBe(cipher.digest('s3cret'));
    expect(cipherWith('a'.repeat(32), 'policy-secret').digest('s3cret')).not.toBe(
      cipher.digest('s3cret'),
    );
  });

  it('during a rotation decrypts under either key, encrypts under the new one only', () => {
    const old = cipherWith('a'.repeat(32));
    const rotating = new SecretCipher('b'.repeat(32), 'provider-client-secret', 'a'.repeat(32));
    const sealedByOld = old.encrypt('client-secret', 'tenant-1');
    expect(rotating.decrypt(sealedByOld, 'tenant-1')).toBe('client-secret');
    const resealed = rotating.reencrypt(sealedByOld, 'tenant-1')!;
    expect(cipherWith('b'.repeat(32)).decrypt(resealed, 'tenant-1')).toBe('client-secret');
    expect(() => old.decrypt(resealed, 'tenant-1')).toThrow();
    // Already under the new key: nothing to do. Neither key: refused.
    expect(rotating.reencrypt(resealed, 'tenant-1')).toBeNull();
    expect(() =>
      rotating.reencrypt(cipherWith('c'.repeat(32)).encrypt('x', 'tenant-1'), 'tenant-1'),
    ).toThrow();
    expect(() => rotating.decrypt(sealedByOld, 'tenant-2')).toThrow();
  });
});
