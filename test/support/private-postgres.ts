import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './processes.js';

const run = promisify(execFile);

/** A PostgreSQL cluster of a test's own, which the test may stop and start (a fault it causes). */
export interface PrivatePostgres {
  /** URL of its `postgres` database (trust, user postgres). */
  url: string;
  /** `pg_ctl stop` (fast shutdown by default: connections are cut). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/** The newest installed server's binaries (Debian lays them out as /usr/lib/postgresql/<v>/bin). */
function serverBin(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b))
    .at(-1);
  if (!version) throw new Error(`No PostgreSQL server under ${root}`);
  return join(root, version, 'bin');
}

/**
 * `initdb` and `pg_ctl` refuse to run as root: as root they run as the `postgres` user, who then
 * owns the cluster's directory.
 */
async function asServerUser(command: string, args: string[]): Promise<void> {
  if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', command, ...args]);
  else await run(command, args);
}

/** initdb's a cluster in a temporary directory and starts it on a free loopback port. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = serverBin();
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () =>
    asServerUser(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-o',
      options,
      '-w',
      'start',
    ]);
  const stop = (mode: 'fast' | 'immediate' = 'fast') =>
    asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: async () => {
      await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
