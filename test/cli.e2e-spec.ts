import { jest } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { HttpClient } from './support/http.js';
import { runCli, runNode } from './support/processes.js';
import { startTestApp, testEnvironment, type TestApp } from './support/test-app.js';

// Every test here boots the CLI (a Nest process) several times: seconds each on a loaded machine.
jest.setTimeout(120_000);

describe('operator CLI', () => {
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    env = testEnvironment(t.db.url, { LOG_LEVEL: 'warn' });
  });
  afterAll(() => t?.close());

  const json = async (args: string[]) => {
    const result = await runCli(args, env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    return JSON.parse(result.stdout);
  };

  it('creates a workspace, a user, a membership and a token that works over HTTP', async () => {
    const workspace = await json(['workspace:create', '--name', 'Acme MSP']);
    const user = await json(['user:create', '--email', 'ops@acme.test', '--name', 'Olga Ops']);
    expect(workspace).toEqual({ id: expect.any(String) });
    expect(user).toEqual({ id: expect.any(String) });
    expect(
      await json([
        'member:add',
        '--workspace',
        workspace.id,
        '--user',
        user.id,
        '--role',
        'manager',
      ]),
    ).toEqual({
      workspaceId: workspace.id,
      userId: user.id,
      role: 'manager',
    });
    const { token } = await json(['token:create', '--user', user.id]);
    expect(token).toMatch(/^tops_/);

    const me = await new HttpClient(t.http.baseUrl).get('/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: user.id, email: 'ops@acme.test', name: 'Olga Ops' });
    expect(me.body.memberships).toEqual([
      expect.objectContaining({
        workspaceId: workspace.id,
        workspaceName: 'Acme MSP',
        role: 'manager',
      }),
    ]);

    const audit = await t.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE actor_name = 'cli' AND (workspace_id = $1 OR target_id = $2) ORDER BY id",
      [workspace.id, user.id],
    );
    expect(audit.map((row) => row.action)).toEqual([
      'workspace.create',
      'user.create',
      'membership.create',
    ]);
  });

  it.each([
    ['an unknown command', ['workspace:explode']],
    ['a missing option', ['workspace:create']],
    ['a malformed id', ['member:add', '--workspace', 'w1', '--user', 'u1', '--role', 'owner']],
    [
      'an unknown role',
      [
        'member:add',
        '--workspace',
        crypto.randomUUID(),
        '--user',
        crypto.randomUUID(),
        '--role',
        'boss',
      ],
    ],
    ['a malformed e-mail address', ['user:create', '--email', 'nobody', '--name', 'N']],
  ])('refuses %s with exit code 2 and a message', async (_, args) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/error/i);
  });

  it('refuses what the records do not allow with exit code 1 and a clear message', async () => {
    await json(['user:create', '--email', 'twice@acme.test', '--name', 'First']);
    const again = await runCli(
      ['user:create', '--email', 'TWICE@acme.test', '--name', 'Second'],
      env,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);

    const nowhere = await runCli(
      [
        'member:add',
        '--workspace',
        crypto.randomUUID(),
        '--user',
        crypto.randomUUID(),
        '--role',
        'owner',
      ],
      env,
    );
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/Workspace .* was not found/);
  });

  it('sweeps and prunes with an explicit clock, refusing a malformed one', async () => {
    expect(await json(['runs:sweep', '--now', '2030-01-01T00:00:00Z'])).toEqual({
      staleQueued: [],
      lost: [],
    });
    expect(await json(['runs:prune', '--now', '2030-01-01T00:00:00Z'])).toEqual({
      pruned: 0,
      completedBefore: '2029-10-03T00:00:00.000Z',
    });
    const bad = await runCli(['runs:sweep', '--now', 'tomorrow'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ISO-8601/);
  });

  it('revokes a token', async () => {
    const user = await json(['user:create', '--email', 'revoke@acme.test', '--name', 'R']);
    const issued = await json(['token:create', '--user', user.id]);
    expect((await t.http.get('/me', { token: issued.token })).status).toBe(200);
    expect(await json(['token:revoke', '--id', issued.id])).toEqual({
      id: issued.id,
      revoked: true,
    });
    expect((await t.http.get('/me', { token: issued.token })).status).toBe(401);
  });
});

describe('configuration at boot', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('stops the process with a message naming every bad variable, and no secret values', async () => {
    const result = await runNode('dist/src/main.js', [], {
      ...testEnvironment(db.url),
      SECRETS_KEY: 'too-short-secret',
      PORT: 'eighty',
      APP_ROLES: 'api,janitor',
      DATABASE_URL: '',
    });
    expect(result.code).toBe(1);
    for (const variable of ['SECRETS_KEY', 'PORT', 'APP_ROLES', 'DATABASE_URL']) {
      expect(result.stderr).toContain(variable);
    }
    expect(result.stderr).not.toContain('too-short-secret');
  });

  it('migrates an empty database with npm run migrate, and again is a no-op', async () => {
    const fresh = await createTestDatabase();
    try {
      await fresh.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      const env = testEnvironment(fresh.url);
      const first = await runCli(['db:migrate'], env);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
      const second = await runCli(['db:migrate'], env);
      expect(JSON.parse(second.stdout)).toEqual({ applied: [] });
    } finally {
      await fresh.drop();
    }
  });
});
