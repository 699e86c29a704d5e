import { scanLogs } from './invariants.js';

describe('the soak’s log scan', () => {
  const clean = [
    '{"level":30,"msg":"request completed","req":{"url":"/operations?limit=1"}}',
    '{"level":40,"err":{"message":"Authorization: Bearer [redacted]"}}',
    '{"level":50,"msg":"connect","url":"postgres://app:[redacted]@db:5432/tenantops"}',
  ].join('\n');

  it('passes redacted lines', () => {
    expect(scanLogs([{ name: 'api-1.log', text: clean }], ['s3cret-value'])).toEqual({
      lines: 3,
      leaks: [],
    });
  });

  it.each([
    ['a known secret', '{"msg":"client secret s3cret-value refused"}'],
    ['a JWT', '{"token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"}'],
    ['a bearer value', '{"headers":{"authorization":"Bearer abcdefgh12345678"}}'],
    ['an API token', '{"msg":"token tops_AbCdEfGh12345678"}'],
    ['a URL with a password', '{"url":"redis://:hunter22@cache:6379"}'],
  ])('finds %s, naming the log and line only', (_what, line) => {
    const scan = scanLogs([{ name: 'worker-1.log', text: `${clean}\n${line}` }], ['s3cret-value']);
    expect(scan.leaks).toHaveLength(1);
    expect(scan.leaks[0]).toMatch(/^worker-1\.log:4: /);
    expect(scan.leaks[0]).not.toContain('s3cret-value');
  });
});
