import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/processes.js';

/**
 * Private PostgreSQL and Redis servers for one soak or test, on free loopback ports, from the
 * machine's packages: started, broken (restarted, emptied) and removed by the caller. Nothing is
 * shared with the suite's servers, so breaking them breaks nobody else.
 */

const run = promisify(execFile);

/**
 * Where Debian's PostgreSQL packages put the server binaries (`initdb`, `pg_ctl`): the newest
 * installed major (15 on Debian 12), unless SOAK_POSTGRES_BIN names another directory.
 */
export function postgresBin(): string {
  if (process.env.SOAK_POSTGRES_BIN) return process.env.SOAK_POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((major) => existsSync(join(root, major, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors.length) throw new Error(`No PostgreSQL server binaries under ${root}`);
  return join(root, majors[0]!, 'bin');
}

/** A directory of our own under the system's temporary directory. */
export function scratchDirectory(label: string): string {
  return mkdtempSync(join(tmpdir(), `tenantops-${label}-`));
}

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [uid, gid] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function untilTrue(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface PrivatePostgres {
  port: number;
  /** `postgres://postgres@127.0.0.1:P/<database>` (trust on loopback). */
  url(database: string, applicationName?: string): string;
  /** `pg_ctl restart -m fast`: every session is ended, then the server starts again. */
  restart(): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server (if running) and deletes its data directory. */
  remove(): Promise<void>;
}

/** `initdb` and `pg_ctl start` of a throwaway cluster: no fsync, loopback only, trust. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const owner = await postgresUser();
  const root = scratchDirectory('pg');
  const data = join(root, 'data');
  const log = join(root, 'server.log');
  mkdirSync(data);
  if (owner) {
    chownSync(root, owner.uid, owner.gid);
    chownSync(data, owner.uid, owner.gid);
  }
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const port = await freePort();
  await run(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-locale', '-E', 'UTF8'],
    { ...as, cwd: root },
  );
  const options = [
    `-c port=${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${root}`,
    '-c max_connections=200',
    '-c shared_buffers=64MB',
    // A soak checks what the product does when the server goes away, not the disk.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  const pgCtl = (args: string[]) =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-l', log, ...args], { ...as, cwd: root });
  const answers = async () => {
    await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
    return true;
  };
  let running = false;
  const start = async () => {
    await pgCtl(['-o', options, '-w', '-t', '60', 'start']);
    await untilTrue(answers, 'PostgreSQL did not answer');
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    await pgCtl(['-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
  };
  await start();
  return {
    port,
    url: (database, applicationName) =>
      `postgres://postgres@127.0.0.1:${port}/${database}` +
      (applicationName ? `?application_name=${encodeURIComponent(applicationName)}` : ''),
    restart: async () => {
      await pgCtl(['-m', 'fast', '-o', options, '-w', '-t', '60', 'restart']);
      await untilTrue(answers, 'PostgreSQL did not answer after its restart');
    },
    stop,
    start,
    remove: async () => {
      await stop('immediate').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function redisAnswers(port: number): Promise<boolean> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping']);
  return stdout.trim() === 'PONG';
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** SIGKILL and start again on the same port: with no persistence, every key is gone. */
  restartEmpty(): Promise<void>;
  remove(): Promise<void>;
}

/** A `redis-server` that keeps nothing on disk (no RDB, no AOF), as a child of this process. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const root = scratchDirectory('redis');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const log = openSync(join(root, 'server.log'), 'a');
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { cwd: root, stdio: ['ignore', log, log] },
    );
    await untilTrue(() => redisAnswers(port), 'Redis did not answer');
  };
  const kill = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    restartEmpty: async () => {
      await kill();
      await start();
    },
    remove: async () => {
      await kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A loopback port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port > 55_000 || taken.has(port)) continue;
    const bus = await new Promise<boolean>((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(port + 10_000), 'ping'], { stdio: 'ignore' });
      // Nothing answering the bus port is what we want: redis-cli then exits non-zero.
      probe.on('exit', (code) => resolve(code !== 0));
    });
    if (bus) return port;
  }
}

export interface PrivateRedisCluster {
  ports: number[];
  /** `127.0.0.1:P,127.0.0.1:Q,…`: the startup nodes, as REDIS_CLUSTER_NODES takes them. */
  nodes: string;
  remove(): Promise<void>;
}

/**
 * A Redis Cluster of `primaries` primaries and no replicas: `redis-server --cluster-enabled yes`
 * on free ports, joined by `redis-cli --cluster create`, ready once every slot is served.
 */
export async function startPrivateRedisCluster(primaries = 3): Promise<PrivateRedisCluster> {
  const root = scratchDirectory('redis-cluster');
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < primaries; i++) {
    const port = await clusterPort(taken);
    taken.add(port);
    ports.push(port);
  }
  const children = ports.map((port) => {
    const log = openSync(join(root, `${port}.log`), 'a');
    return spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(root, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '5000',
      ],
      { cwd: root, stdio: ['ignore', log, log] },
    );
  });
  const remove = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await untilTrue(() => redisAnswers(port), 'Redis did not answer');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await untilTrue(async () => {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        return /cluster_state:ok/.test(stdout);
      }, 'the Redis Cluster did not reach cluster_state:ok');
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { ports, nodes: ports.map((port) => `127.0.0.1:${port}`).join(','), remove };
}
