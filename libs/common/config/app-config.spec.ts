import { ConfigError, parseConfig } from './app-config.js';

const minimal = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tenantops',
  SECRETS_KEY: 'k'.repeat(32),
};

describe('parseConfig', () => {
  it('fills the documented defaults', () => {
    const config = parseConfig(minimal);
    expect(config.roles).toEqual(['api', 'worker', 'scheduler']);
    expect(config.http.port).toBe(3000);
    expect(config.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'tenantops',
      clusterNodes: null,
    });
    expect(config.graph).toEqual({
      baseUrl: 'https://graph.microsoft.com',
      loginUrl: 'https://login.microsoftonline.com',
      caCertPath: undefined,
      maxAttempts: 5,
      maxRetryWaitSeconds: 120,
      retryBaseMs: 1000,
      timeoutSeconds: 60,
      concurrencyPerTenant: 4,
      concurrencyPerProcess: 256,
    });
    expect(config.worker).toEqual({ concurrency: 64 });
    expect(config.runs).toEqual({
      staleQueuedMinutes: 15,
      lostMinutes: 10,
      queuedGraceSeconds: 60,
      retentionDays: 90,
      heartbeatSeconds: 15,
    });
  });

  it('reads a Redis Cluster as its startup nodes, and refuses one that is not host:port', () => {
    expect(
      parseConfig({ ...minimal, REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001' }).redis
        .clusterNodes,
    ).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
    ]);
    expect(() => parseConfig({ ...minimal, REDIS_CLUSTER_NODES: '10.0.0.1' })).toThrow(
      /REDIS_CLUSTER_NODES: a comma list of host:port/,
    );
  });

  it('reads roles as a comma list, trimmed and deduplicated', () => {
    expect(parseConfig({ ...minimal, APP_ROLES: ' worker, api ,worker' }).roles).toEqual([
      'worker',
      'api',
    ]);
  });

  it('names every bad variable at once, and never echoes a value', () => {
    let error: unknown;
    try {
      parseConfig({
        SECRETS_KEY: 'short-secret-value',
        PORT: '70000',
        APP_ROLES: 'api,cron',
        REDIS_URL: 'http://localhost',
        GRAPH_BASE_URL: 'http://graph.local',
        GRAPH_CA_CERT: '/nonexistent/ca.pem',
        GRAPH_MAX_ATTEMPTS: '0',
        GRAPH_RETRY_BASE_MS: 'soon',
        RUN_RETENTION_DAYS: '0',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).issues.map((issue) => issue.variable).sort();
    expect(variables).toEqual([
      'APP_ROLES',
      'DATABASE_URL',
      'GRAPH_BASE_URL',
      'GRAPH_CA_CERT',
      'GRAPH_MAX_ATTEMPTS',
      'GRAPH_RETRY_BASE_MS',
      'PORT',
      'REDIS_URL',
      'RUN_RETENTION_DAYS',
      'SECRETS_KEY',
    ]);
    expect((error as ConfigError).message).toContain('DATABASE_URL: is required');
    expect((error as ConfigError).message).not.toContain('short-secret-value');
  });

  it('treats an empty variable as missing', () => {
    expect(() => parseConfig({ ...minimal, DATABASE_URL: '' })).toThrow(
      /DATABASE_URL: is required/,
    );
  });
});
