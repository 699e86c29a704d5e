import { CLI_ACTOR, ApiTokensService } from '#libs/tenancy';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('authentication', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  describe('bearer authentication', () => {
    const unauthenticated = async (headers: Record<string, string>) => {
      const response = await t.http.get('/me', { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
      return response;
    };

    it('refuses a request without a token', async () => {
      await unauthenticated({});
    });

    it.each([
      ['no token after the scheme', 'Bearer'],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['two tokens', 'Bearer a b'],
      ['a token of the wrong shape', 'Bearer not-a-tenantops-token'],
      ['lower-case scheme and no token', 'bearer '],
    ])('refuses a malformed header (%s)', async (_, header) => {
      await unauthenticated({ authorization: header });
    });

    it('refuses a well-formed token nobody was given', async () => {
      await unauthenticated({ authorization: `Bearer tops_${'A'.repeat(44)}` });
    });

    it('refuses a token whose lookup prefix is real but whose secret part is not', async () => {
      const user = await t.world.user();
      const forged = user.token.slice(0, 17) + 'x'.repeat(32);
      await unauthenticated({ authorization: `Bearer ${forged}` });
      expect((await t.http.get('/me', { token: user.token })).status).toBe(200);
    });

    it('refuses a revoked token, and only that token', async () => {
      const user = await t.world.user();
      const second = await t.app.get(ApiTokensService).issue(user.id, 'second', CLI_ACTOR);
      const [{ id }] = await t.db.query<{ id: string }>(
        "SELECT id FROM api_tokens WHERE user_id = $1 AND name = 'test'",
        [user.id],
      );
      await t.app.get(ApiTokensService).revoke(id!, CLI_ACTOR);

      await unauthenticated({ authorization: `Bearer ${user.token}` });
      expect((await t.http.get('/me', { token: second.token })).status).toBe(200);
    });

    it('stores only a hash of each token, and records when it was last used', async () => {
      const user = await t.world.user();
      await t.http.get('/me', { token: user.token });
      const rows = await t.db.query<{
        token_hash: Buffer;
        prefix: string;
        last_used_at: Date | null;
      }>('SELECT token_hash, prefix, last_used_at FROM api_tokens WHERE user_id = $1', [user.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.token_hash.toString('utf8')).not.toContain(user.token.slice(5));
      expect(user.token).toContain(rows[0]!.prefix);
      // The last-use stamp is written beside the request, not in its path.
      const lastUsed = await eventually(
        async () =>
          (await t.db.query('SELECT last_used_at FROM api_tokens WHERE user_id = $1', [user.id]))[0]
            ?.last_used_at,
      );
      expect(lastUsed).toBeInstanceOf(Date);
    });
  });

  describe('the token cache (AUTH_CACHE_SECONDS)', () => {
    let cached: TestApp;
    beforeAll(async () => {
      cached = await startTestApp({ AUTH_CACHE_SECONDS: '2' });
    });
    afterAll(() => cached?.close());

    it('drops a token revoked in this process at once', async () => {
      const user = await cached.world.user();
      expect((await cached.http.get('/me', { token: user.token })).status).toBe(200);
      const [{ id }] = await cached.db.query<{ id: string }>(
        'SELECT id FROM api_tokens WHERE user_id = $1',
        [user.id],
      );
      await cached.app.get(ApiTokensService).revoke(id!, CLI_ACTOR);
      expect((await cached.http.get('/me', { token: user.token })).status).toBe(401);
    });

    it('sees a token revoked elsewhere within the cache lifetime', async () => {
      const user = await cached.world.user();
      expect((await cached.http.get('/me', { token: user.token })).status).toBe(200);
      // Revoked by another process (here: straight in the database).
      await cached.db.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1', [
        user.id,
      ]);
      const revokedAt = Date.now();
      const refused = await eventually(
        async () => (await cached.http.get('/me', { token: user.token })).status === 401,
        5000,
      );
      expect(refused).toBe(true);
      expect(Date.now() - revokedAt).toBeLessThan(3500);
    });
  });
});
