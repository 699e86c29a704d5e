import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** One role's process of the built app (`dist/src/main.js`), its output kept in a log file. */
export class AppProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream;
  /** How many times this process was started (1 + restarts). */
  starts = 0;
  /** Exits the soak did not cause: `name: code/signal`. */
  readonly unexpectedExits: string[] = [];
  private killing = false;

  constructor(
    readonly name: string,
    readonly role: 'api' | 'worker' | 'scheduler',
    private readonly env: Record<string, string>,
    readonly logPath: string,
  ) {
    this.log = createWriteStream(logPath, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves once it says it is up (the API listening, Nest started). */
  async start(timeoutMs = 120_000): Promise<void> {
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    this.killing = false;
    let seen = '';
    const up = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start within ${timeoutMs} ms:\n${seen}`)),
        timeoutMs,
      );
      const onData = (chunk: Buffer) => {
        this.log.write(chunk);
        if (seen.length < 20_000) seen += chunk.toString();
        if (/Nest application successfully started/.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code ?? signal}) while starting:\n${seen}`));
      });
    });
    child.once('exit', (code, signal) => {
      if (!this.killing) this.unexpectedExits.push(`${this.name}: ${code ?? signal}`);
    });
    await up;
  }

  /** Sends the signal and waits for the exit; the exit is one the soak caused. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.killing = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async close(): Promise<void> {
    await this.kill('SIGTERM');
    await new Promise((resolve) => this.log.end(resolve));
  }
}

export function processLogPath(directory: string, name: string): string {
  return join(directory, `${name}.log`);
}
