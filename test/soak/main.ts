/**
 * `npm run soak -- --minutes N`: the soak on its own (see ./soak.ts), writing its report to
 * bench/results/soak.json. Exits 1 when an invariant does not hold.
 */
import { Command, InvalidArgumentError } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runSoak } from './soak.js';

const positive = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError(`${name} must be a positive number.`);
  return parsed;
};

async function main(): Promise<void> {
  const options = new Command('soak')
    .description(
      '2 API, 2 worker and 2 scheduler processes under load and faults; invariants checked at the end',
    )
    .option('--minutes <n>', 'how long the load and the faults last', positive('minutes'), 3)
    .option('--users <n>', 'virtual users of the load', positive('users'), 6)
    .option('--think-ms <n>', "each user's pause between actions", positive('think-ms'), 150)
    .option('--out <file>', 'where the report goes', 'bench/results/soak.json')
    .option('--keep-logs', "keep the processes' logs (their directory is in the report)", false)
    .parse()
    .opts<{ minutes: number; users: number; thinkMs: number; out: string; keepLogs: boolean }>();
  const report = await runSoak({
    durationMs: options.minutes * 60_000,
    users: Math.round(options.users),
    thinkMs: options.thinkMs,
    keepLogs: options.keepLogs,
    handleSignals: true,
    log: (message) => process.stderr.write(`[soak] ${message}\n`),
  });
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  for (const invariant of report.invariants) {
    process.stderr.write(
      `[soak] ${invariant.holds ? 'holds ' : 'BROKEN'} ${invariant.name}: ${invariant.detail}\n`,
    );
  }
  process.stderr.write(`[soak] report: ${options.out}\n`);
  process.exit(report.holds ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(2);
});
