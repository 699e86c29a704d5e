import { overlappingRuns, scanLogs } from './invariants.js';

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

describe('the soak’s history of one identity’s runs', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 11, 3, 6, 37, 28) + ms);
  const life = (id: string, created: number, completed: number | null, hash = 'h1') => ({
    id,
    hash,
    createdAt: at(created),
    completedAt: completed === null ? null : at(completed),
  });

  it('passes runs that follow each other, whatever the order of their ids', () => {
    // As the soak of 2026-12-03 saw it: the first id's insert landed after the second's run had
    // completed (its start raced that run to completion), and then it ran itself.
    const runs = [life('01a23a9f-4de3', 95, 148), life('01a23a9f-4def', 25, 93)];
    expect(overlappingRuns(runs)).toEqual([]);
  });

  it('passes an insert that waited on the completion of the identity’s holder', () => {
    expect(overlappingRuns([life('a', 0, 500), life('b', 450, 900)])).toEqual([]);
  });

  it('finds a run created while another of its identity was active', () => {
    expect(overlappingRuns([life('a', 0, 500), life('b', 300, 900)])).toEqual([
      { hash: 'h1', first: 'a', second: 'b' },
    ]);
  });

  it('finds a run created while a long-running earlier one was active, not only the latest', () => {
    const runs = [life('a', 0, 5000), life('b', 200, 400), life('c', 1000, null)];
    expect(overlappingRuns(runs)).toEqual([
      { hash: 'h1', first: 'a', second: 'b' },
      { hash: 'h1', first: 'a', second: 'c' },
    ]);
  });

  it('finds a run created while one never completed, and keeps identities apart', () => {
    const runs = [life('a', 0, null), life('b', 200, 300, 'h2'), life('c', 9000, null)];
    expect(overlappingRuns(runs)).toEqual([{ hash: 'h1', first: 'a', second: 'c' }]);
  });
});
