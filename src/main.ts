import 'reflect-metadata';
import { ConfigError, parseConfig } from '#libs/common/config';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  // The product is loaded (seconds of CPU) only once the configuration is known to be good.
  const { createApp } = await import('./app.factory.js');
  const app = await createApp(config, { serveMetrics: true });
  if (config.roles.includes('api')) {
    await app.listen(config.http.port, config.http.host);
  } else {
    await app.init();
  }
}

main().catch((error: unknown) => {
  // A bad configuration stops the process before anything starts, naming each variable.
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
