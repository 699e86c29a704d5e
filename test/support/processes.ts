import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built entry point (`npm test` builds first) as a real child process. */
export function runNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20000,
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
