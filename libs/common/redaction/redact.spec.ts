import fc from 'fast-check';
import pino from 'pino';
import { parseConfig } from '#libs/common/config';
import { loggerOptions } from '#libs/common/logging';
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

describe('redaction, for any secret in any position', () => {
  // Secrets carry upper case and digits; the text around them has neither, so a surviving
  // secret cannot be an accident of the surrounding text.
  const secret = fc.stringMatching(/^[A-Z][A-Za-z0-9]{7,40}[0-9]$/);
  const filler = fc.stringMatching(/^[a-z .,:()\n-]{0,60}$/);
  const placements: ((s: string) => string)[] = [
    (s) => `Authorization: Bearer ${s}`,
    (s) => `authorization=${s}`,
    (s) => `bearer ${s}`,
    (s) => `client_secret=${s}&scope=x`,
    (s) => `{"clientSecret":"${s}"}`,
    (s) => `password: ${s}`,
    (s) => `postgres://app:${s}@db:5432/x`,
    (s) => `redis://:${s}@cache:6379`,
    (s) => `Server=db;Password=${s};`,
    (s) => `eyJhbGciOiJIUzI1NiJ9.eyJ${s}.${s}`,
    (s) => `tops_${s}`,
    (s) => `Cookie: session=${s}`,
    (s) => `access_token=${s}`,
  ];

  it('never survives into a stored failure', () => {
    fc.assert(
      fc.property(
        secret,
        filler,
        filler,
        fc.constantFrom(...placements),
        (value, before, after, place) => {
          const message = sanitizeMessage(`${before} ${place(value)} ${after}`);
          expect(message).not.toContain(value);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never survives into a log line, as message, field or error', () => {
    const lines: string[] = [];
    const config = parseConfig({
      DATABASE_URL: 'postgres://localhost/x',
      SECRETS_KEY: 'k'.repeat(32),
      LOG_LEVEL: 'trace',
    });
    const logger = pino(loggerOptions(config), { write: (line: string) => lines.push(line) });
    fc.assert(
      fc.property(secret, filler, fc.constantFrom(...placements), (value, text, place) => {
        lines.length = 0;
        const leaked = `${text} ${place(value)}`;
        logger.info(leaked);
        logger.warn({ detail: leaked }, 'with a field');
        logger.error({ err: new Error(leaked) }, 'with an error');
        logger.info({ clientSecret: value, password: value, token: value }, 'with secret fields');
        for (const line of lines) expect(line).not.toContain(value);
      }),
      { numRuns: 300 },
    );
  });
});
