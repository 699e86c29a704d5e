import { jest } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { runNode } from './support/processes.js';
import { testEnvironment } from './support/test-app.js';

// Each test boots a Nest process: tens of seconds on a loaded machine.
jest.setTimeout(120_000);

/** Boot refuses a run type registry that cannot work: every type has exactly one handler. */
describe('run type registry at boot', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  const boot = (variant: string) =>
    runNode(
      'dist/test/support/probe-process.js',
      ['boot', variant],
      testEnvironment(db.url, { LOG_LEVEL: 'warn' }),
    );

  it('boots with every type handled once', async () => {
    const result = await boot('sound');
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: 'booted\n' });
  });

  it.each([
    ['a type has no handler', 'no-handler', /without a handler: probe_active/],
    ['a type has two handlers', 'two-handlers', /"probe_active" has two handlers/],
    ['a type is registered twice', 'duplicate-type', /"probe_active" is registered twice/],
  ])('fails when %s', async (_, variant, message) => {
    const result = await boot(variant);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});
