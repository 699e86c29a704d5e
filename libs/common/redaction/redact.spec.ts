import { redact, sanitizeMessage } from './redact.js';

describe('redact', () => {
  it.each([
    ['Authorization: Bearer abc.def.ghi', 'abc.def.ghi'],
    ['request failed with bearer 0123456789abcdef', '0123456789abcdef'],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl rejected', 'eyJhbGciOiJIUzI1NiJ9'],
    ['client_secret=Sup3r~Secret&grant_type=client_credentials', 'Sup3r~Secret'],
    ['{"clientSecret":"s3cr3t-value","clientId":"x"}', 's3cr3t-value'],
    ['postgres://app:hunter2@db.internal:5432/tenantops', 'hunter2'],
    ['Server=db;User Id=app;Password=hunter2;', 'hunter2'],
    ['used tops_ABCDEFGHIJKLabcdefghijklmnopqrstuvwxyz012345 here', 'tops_ABCDEFGHIJKL'],
    ['Cookie: session=abcdef; other=1', 'session=abcdef'],
    ["password: 'p@ss w0rd'", 'p@ss w0rd'],
  ])('removes the secret from %j', (input, secret) => {
    const output = redact(input);
    expect(output).not.toContain(secret);
    expect(output).toContain('[redacted]');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Graph answered 503 for /deviceManagement/deviceConfigurations after 3 attempts';
    expect(redact(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = redact('Authorization: Bearer abc and password=x');
    expect(redact(once)).toBe(once);
  });
});

describe('sanitizeMessage', () => {
  it('caps messages at 500 characters after redaction', () => {
    const message = sanitizeMessage(`password=${'x'.repeat(20)} ${'y'.repeat(1000)}`);
    expect(message).toHaveLength(500);
    expect(message).not.toContain('x'.repeat(20));
  });
});
