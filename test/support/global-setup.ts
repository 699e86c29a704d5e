import { execFileSync } from 'node:child_process';
import pg from 'pg';
// Global setup is loaded through require(), outside jest's module mapping: import the .ts file itself.
import {
  databaseUrl,
  templateDatabase,
  TEST_POSTGRES_URL,
  TEST_SECRETS_KEY,
} from './environment.ts';

/**
 * Migrates one template database per run with the built CLI (`npm test` builds first); each test
 * file then clones the template (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.TENANTOPS_TEST_RUN = runId;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${templateDatabase(runId)}`);
  } finally {
    await admin.end();
  }
  execFileSync(process.execPath, ['dist/src/cli.js', 'db:migrate'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl(templateDatabase(runId)),
      SECRETS_KEY: TEST_SECRETS_KEY,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
