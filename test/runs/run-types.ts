import { Test } from '@nestjs/testing';
import { parseConfig } from '#libs/common/config';
import { AppModule } from '../../src/app.module.js';
import { BOOT_VARIANTS } from '../support/broken-run-types.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runNode } from '../support/processes.js';
import { testEnvironment } from '../support/test-app.js';

describe('run-types', () => {
  /**
   * Boot refuses a run type registry that cannot work: every type has exactly one handler. The whole
   * product is booted in this process with each module set (in no role, as the CLI does), and a
   * refused boot is closed again, so nothing it opened outlives the test.
   */
  describe('run type registry at boot', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(() => db?.drop());

    async function boot(variant: keyof typeof BOOT_VARIANTS): Promise<void> {
      const config = parseConfig(testEnvironment(db.url));
      const product = await Test.createTestingModule({
        imports: [
          AppModule.forRoot(
            { ...config, roles: [] },
            {
              extraModules: BOOT_VARIANTS[variant],
              logging: { destination: { write: () => undefined } },
            },
          ),
        ],
      }).compile();
      try {
        await product.init();
      } finally {
        await product.close();
      }
    }

    it('boots with every type handled once', async () => {
      await expect(boot('sound')).resolves.toBeUndefined();
    });

    it.each([
      ['a type has no handler', 'no-handler', /without a handler: probe_active/],
      ['a type has two handlers', 'two-handlers', /"probe_active" has two handlers/],
    ] as const)('fails when %s', async (_, variant, message) => {
      await expect(boot(variant)).rejects.toThrow(message);
    });

    // A type registered twice is refused while the modules are still being built, with the database
    // connection on its way and nothing yet to close: that boot runs in a process of its own.
    it('fails when a type is registered twice', async () => {
      const result = await runNode(
        'dist/test/support/probe-process.js',
        ['boot', 'duplicate-type'],
        testEnvironment(db.url, { LOG_LEVEL: 'warn' }),
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/"probe_active" is registered twice/);
    });
  });
});
