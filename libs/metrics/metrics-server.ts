import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { Metrics } from './metrics.js';

/**
 * `GET /metrics` on a listener of its own (`METRICS_HOST`:`METRICS_PORT`), never on the API's:
 * scrapes need no token and must not be reachable where the API is published. Runs in every
 * role, so workers and schedulers are scraped too.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server: Server | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
        return;
      }
      this.metrics.exposition().then(
        (text) =>
          response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (error: unknown) => {
          this.logger.error({ err: error }, 'Metrics could not be collected');
          response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics failed\n');
        },
      );
    });
    const { host, port } = this.config.metrics;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `METRICS_PORT ${port} on ${host} is taken: each process on a machine needs its own (METRICS_PORT).`,
              )
            : error,
        ),
      );
      server.listen(port, host, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    this.server = server;
    this.logger.log({ address: this.address() }, 'Metrics served at /metrics');
  }

  /** Where the listener is (the port is the actual one when METRICS_PORT is 0). */
  address(): { host: string; port: number } | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : null;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
