import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { parseConfig } from '#libs/common/config';
import {
  PolicySecretCipher,
  policyHash,
  SECRET_MARK,
  type CapturedSecret,
  type PolicyContent,
} from '#libs/policies';
import { TenantsService, type Tenant } from '#libs/tenancy';
import { createApp } from '../../src/app.factory.js';
import { TEST_SECRETS_KEY } from '../support/environment.js';
import { runCli } from '../support/processes.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';

/**
 * `secrets:rotate`: every provider secret and captured policy secret re-encrypted under a new
 * SECRETS_KEY while SECRETS_KEY_PREVIOUS names the old one; both keys decrypt meanwhile.
 */
describe('secrets-rotation', () => {
  const OLD_KEY = TEST_SECRETS_KEY;
  const NEW_KEY = 'the-new-secrets-key-of-at-least-32-characters';

  let t: TestApp;
  let tenant: Tenant;
  const opened: INestApplication[] = [];

  /** A product process (no role) with these keys, on the test's database. */
  async function processWith(keys: { SECRETS_KEY: string; SECRETS_KEY_PREVIOUS?: string }) {
    const app = await createApp(
      parseConfig(testEnvironment(t.db.url, { APP_ROLES: 'worker', ...keys })),
      { logging: { destination: { write: () => undefined } } },
    );
    opened.push(app);
    return app;
  }

  const rotate = (env: Record<string, string>) =>
    runCli(['secrets:rotate'], { ...testEnvironment(t.db.url, { LOG_LEVEL: 'warn' }), ...env });

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLES: 'api' });
    const workspace = await t.world.workspace();
    tenant = await workspace.tenant({ clientSecret: 'provider-secret-value' });
  });
  afterAll(async () => {
    for (const app of opened) await app.close();
    await t?.close();
  });

  it('re-encrypts every secret under the new key, readable by both keys meanwhile, and again changes nothing', async () => {
    // A captured policy secret, in a policy version and in a backup set item, under the old key.
    const sealed = t.app.get(PolicySecretCipher).seal('oma-plain-value', tenant.id);
    const content: PolicyContent = {
      properties: {
        '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
        displayName: 'With a secret',
        omaSettings: [
          {
            '@odata.type': '#microsoft.graph.omaSettingString',
            displayName: 'Wi-Fi key',
            omaUri: './Vendor/MSFT/WiFi/Profile/Office/WlanXml',
            isEncrypted: true,
            value: sealed,
          },
        ],
      },
    } as unknown as PolicyContent;
    const oldHash = policyHash('device_configuration', content, []);
    const versionId = randomUUID();
    await t.db.query(
      `INSERT INTO policy_versions (id, tenant_id, policy_type, graph_id, version_number,
                                  display_name, content_hash, content, assignments)
     VALUES ($1, $2, 'device_configuration', 'graph-1', 1, 'With a secret', $3, $4, '[]')`,
      [versionId, tenant.id, oldHash, JSON.stringify(content)],
    );
    const setId = randomUUID();
    await t.db.query(
      `INSERT INTO backup_sets (id, workspace_id, tenant_id, name) VALUES ($1, $2, $3, 'Set')`,
      [setId, tenant.workspaceId, tenant.id],
    );
    await t.db.query(
      `INSERT INTO backup_set_items (backup_set_id, policy_type, policy_id, display_name, content,
                                   assignments, content_hash)
     VALUES ($1, 'device_configuration', 'graph-1', 'With a secret', $2, '[]', $3)`,
      [setId, JSON.stringify(content), oldHash],
    );

    // During the rotation a process given both keys reads the secrets the old key sealed.
    const during = await processWith({ SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: OLD_KEY });
    expect((await during.get(TenantsService).providerCredentials(tenant.id)).clientSecret).toBe(
      'provider-secret-value',
    );
    expect(during.get(PolicySecretCipher).open(sealed, tenant.id)).toBe('oma-plain-value');

    const first = await rotate({ SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: OLD_KEY });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      providerSecrets: { rotated: 1, current: 0, unreadable: [] },
      policyVersions: { rotated: 1, current: 0, unreadable: [] },
      backupSetItems: { rotated: 1, current: 0, unreadable: [] },
    });

    // After it, the new key alone reads everything; the old key alone reads nothing.
    const after = await processWith({ SECRETS_KEY: NEW_KEY });
    expect((await after.get(TenantsService).providerCredentials(tenant.id)).clientSecret).toBe(
      'provider-secret-value',
    );
    const [version] = await t.db.query<{ content: PolicyContent; content_hash: string }>(
      'SELECT content, content_hash FROM policy_versions WHERE id = $1',
      [versionId],
    );
    const [item] = await t.db.query<{ content: PolicyContent; content_hash: string }>(
      'SELECT content, content_hash FROM backup_set_items WHERE backup_set_id = $1',
      [setId],
    );
    for (const row of [version!, item!]) {
      const secret = (row.content as any).properties.omaSettings[0].value as CapturedSecret;
      expect(secret[SECRET_MARK]!.sealed).not.toBe(sealed[SECRET_MARK]!.sealed);
      expect(after.get(PolicySecretCipher).open(secret, tenant.id)).toBe('oma-plain-value');
      // The keyed digest (and so the hash) is the new key's: as a capture now would hash it.
      const recaptured = after.get(PolicySecretCipher).seal('oma-plain-value', tenant.id);
      expect(secret[SECRET_MARK]!.digest).toBe(recaptured[SECRET_MARK]!.digest);
      expect(row.content_hash).toBe(policyHash('device_configuration', row.content, []));
      expect(row.content_hash).not.toBe(oldHash);
    }
    const before = await processWith({ SECRETS_KEY: OLD_KEY });
    await expect(before.get(TenantsService).providerCredentials(tenant.id)).rejects.toThrow();

    // Outside a rotation a version stays immutable; inside one, only its content and hash may change.
    await expect(
      t.db.query(`UPDATE policy_versions SET content = '{}' WHERE id = $1`, [versionId]),
    ).rejects.toThrow(/policy versions are immutable/);
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL tenantops.secrets_rotation = 'on'`);
      await expect(
        client.query(`UPDATE policy_versions SET assignments = '[{"x":1}]' WHERE id = $1`, [
          versionId,
        ]),
      ).rejects.toThrow(/policy versions are immutable/);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }

    // Run again: everything is already under the new key.
    const again = await rotate({ SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: OLD_KEY });
    expect(JSON.parse(again.stdout)).toEqual({
      providerSecrets: { rotated: 0, current: 1, unreadable: [] },
      policyVersions: { rotated: 0, current: 1, unreadable: [] },
      backupSetItems: { rotated: 0, current: 1, unreadable: [] },
    });
  });

  it('refuses without SECRETS_KEY_PREVIOUS, or with the same key twice', async () => {
    const missing = await rotate({ SECRETS_KEY: NEW_KEY });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/SECRETS_KEY_PREVIOUS must name the key being replaced/);
    const same = await rotate({ SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: NEW_KEY });
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/SECRETS_KEY_PREVIOUS: must differ from SECRETS_KEY/);
    expect(same.stderr).not.toContain(NEW_KEY);
  });
});
