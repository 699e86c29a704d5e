import { jest } from '@jest/globals';
import { ApiTokensService, CLI_ACTOR, UsersService } from '#libs/tenancy';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { HttpClient } from './support/http.js';
import { runCli, runNode, type ProcessResult } from './support/processes.js';
import { startTestApp, testEnvironment, type TestApp } from './support/test-app.js';

// A command that runs loads the whole product (seconds of CPU each, tens of seconds on a loaded
// machine; a usage error is answered before): the records a test only stands on are made
// in-process, and the processes that do not depend on each other run two at a time (the cores).
jest.setTimeout(240_000);

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
    // Two rounds of two independent commands.
    const [workspace, user] = await Promise.all([
      json(['workspace:create', '--name', 'Acme MSP']),
      json(['user:create', '--email', 'ops@acme.test', '--name', 'Olga Ops']),
    ]);
    expect(workspace).toEqual({ id: expect.any(String) });
    expect(user).toEqual({ id: expect.any(String) });
    const [membership, { token }] = await Promise.all([
      json(['member:add', '--workspace', workspace.id, '--user', user.id, '--role', 'manager']),
      json(['token:create', '--user', user.id]),
    ]);
    expect(membership).toEqual({
      workspaceId: workspace.id,
      userId: user.id,
      role: 'manager',
    });
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
    const actions = audit.map((row) => row.action);
    expect(actions.slice(0, 2).sort()).toEqual(['user.create', 'workspace.create']);
    expect(actions.slice(2)).toEqual(['membership.create']);
  });

  describe('bad usage', () => {
    const cases: [string, string[], RegExp][] = [
      ['an unknown command', ['workspace:explode'], /unknown command 'workspace:explode'/],
      ['a missing option', ['workspace:create'], /required option '--name <name>'/],
      [
        'a malformed id',
        ['member:add', '--workspace', 'w1', '--user', 'u1', '--role', 'owner'],
        /workspace must be a UUID/,
      ],
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
        /Allowed choices are owner, manager, operator, readonly/,
      ],
      [
        'a malformed e-mail address',
        ['user:create', '--email', 'nobody', '--name', 'N'],
        /email must be an e-mail address/,
      ],
      ['a malformed clock', ['runs:sweep', '--now', 'tomorrow'], /ISO-8601/],
    ];
    // Independent processes that change nothing: started two at a time.
    const results = new Map<string, Promise<ProcessResult>>();
    beforeAll(() => {
      const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
      cases.forEach(([name, args], i) => {
        const result = lanes[i % 2]!.then(() => runCli(args, env));
        lanes[i % 2] = result;
        results.set(name, result);
      });
    });

    it.each(cases)('refuses %s with exit code 2 and a message', async (name, _, message) => {
      const result = await results.get(name)!;
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/error/i);
      expect(result.stderr).toMatch(message);
    });
  });

  it('refuses what the records do not allow with exit code 1 and a clear message', async () => {
    await t.app.get(UsersService).create('twice@acme.test', 'First', CLI_ACTOR);
    const [again, nowhere] = await Promise.all([
      runCli(['user:create', '--email', 'TWICE@acme.test', '--name', 'Second'], env),
      runCli(
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
      ),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/Workspace .* was not found/);
  });

  it('sweeps and prunes with an explicit clock', async () => {
    // (This file makes no runs: both find nothing to do.)
    const [swept, pruned] = await Promise.all([
      json(['runs:sweep', '--now', '2030-01-01T00:00:00Z']),
      json(['runs:prune', '--now', '2030-01-01T00:00:00Z']),
    ]);
    expect(swept).toEqual({ redispatched: [], staleQueued: [], lost: [] });
    expect(pruned).toEqual({ pruned: 0, completedBefore: '2029-10-03T00:00:00.000Z' });
  });

  it('revokes a token', async () => {
    const user = await t.world.user();
    const issued = await t.app.get(ApiTokensService).issue(user.id, 'to revoke', CLI_ACTOR);
    expect((await t.http.get('/me', { token: issued.token })).status).toBe(200);
    expect(await json(['token:revoke', '--id', issued.id])).toEqual({
      id: issued.id,
      revoked: true,
    });
    expect((await t.http.get('/me', { token: issued.token })).status).toBe(401);
    // Only that token: the user's other one still works.
    expect((await t.http.get('/me', { token: user.token })).status).toBe(200);
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
