import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * How long a child process may take to boot (and do its work) before it counts as hung. Nest boots
 * in a second or two on an idle machine, but loading the product costs seconds of CPU, and the
 * suite shares its 2 cores with other suites: then it takes tens of seconds, several at once more.
 */
export const PROCESS_TIMEOUT_MS = 90_000;

/**
 * Runs a built entry point (`npm test` builds first) as a real child process. `timeoutMs` only
 * stops a hung child (it then ends with code null).
 */
export function runNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = PROCESS_TIMEOUT_MS,
) {
  return new Promise<ProcessResult>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `npm run cli -- <args>`, minus npm. */
export const runCli = (args: string[], env: Record<string, string>) =>
  runNode('dist/src/cli.js', args, env);

export interface RunningProcess {
  /** Resolves once stdout or stderr has matched `pattern`. */
  output(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a built entry point as a long-running child process (a server, a worker). */
export function startNode(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    seen += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let closed = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      closed = true;
      resolve(code);
      for (const check of waiters) check();
    }),
  );
  return {
    output: (pattern, timeoutMs = PROCESS_TIMEOUT_MS) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`No output matching ${pattern} within ${timeoutMs} ms:\n${seen}`));
        }, timeoutMs);
        const check = () => {
          if (!pattern.test(seen) && !closed) return;
          clearTimeout(timer);
          waiters.delete(check);
          if (pattern.test(seen)) resolve();
          else reject(new Error(`Process exited before printing ${pattern}:\n${seen}`));
        };
        waiters.add(check);
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
