/**
 * The simulated Graph on its own: `npm run graph:sim -- --port 9443 --client-secret s3cret`.
 * Prints one JSON line when ready, `{ "url": "https://127.0.0.1:9443", "caCert": "<PEM path>" }`,
 * and serves until stopped (SIGINT/SIGTERM).
 */
import { Command, InvalidArgumentError } from 'commander';
import { startGraphSim } from './sim-server.js';

const integer = (name: string, min: number, max: number) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
  }
  return parsed;
};

async function main(): Promise<void> {
  const options = new Command('graph:sim')
    .description('Simulated Microsoft Graph over HTTPS on loopback')
    .requiredOption('--client-secret <secret>', 'the only client secret that gets a token')
    .option('--port <port>', 'port to listen on (0: any free one)', integer('port', 0, 65535), 0)
    .option('--host <host>', 'loopback address to listen on', '127.0.0.1')
    .option('--groups <n>', 'groups per tenant', integer('groups', 0, 1_000_000))
    .option('--policies <n>', 'policies of each type per tenant', integer('policies', 0, 1_000_000))
    .option('--latency-ms <ms>', 'delay before every Graph answer', integer('latency', 0, 60_000))
    .option(
      '--throttle-requests <n>',
      "each tenant's token bucket: requests per window",
      integer('throttle requests', 1, 1_000_000),
    )
    .option(
      '--throttle-window-seconds <s>',
      "each tenant's token bucket: the window (default 20)",
      integer('throttle window', 1, 3600),
    )
    .parse()
    .opts<{
      clientSecret: string;
      port: number;
      host: string;
      groups?: number;
      policies?: number;
      latencyMs?: number;
      throttleRequests?: number;
      throttleWindowSeconds?: number;
    }>();
  const sim = await startGraphSim({
    clientSecret: options.clientSecret,
    port: options.port,
    host: options.host,
    sizes: { groups: options.groups, policies: options.policies },
    latencyMs: options.latencyMs,
    throttle: options.throttleRequests
      ? { requests: options.throttleRequests, windowSeconds: options.throttleWindowSeconds ?? 20 }
      : undefined,
  });
  process.stdout.write(`${JSON.stringify({ url: sim.url, caCert: sim.caCert })}\n`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
