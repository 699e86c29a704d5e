import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { AppConfig } from '#libs/common/config';
import { redact, redactDeep } from '#libs/common/redaction';

/** Structured fields whose values are never logged, whatever their content. */
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'clientSecret',
  'client_secret',
  'password',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'secretsKey',
];
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
];

function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  for (const key of ['message', 'stack'] as const) {
    if (typeof serialized[key] === 'string') serialized[key] = redact(serialized[key]);
  }
  return serialized;
}

export function loggerOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.logLevel,
    base: { pid: process.pid, roles: config.roles.join(',') },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      err: serializeError,
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redact(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // Free text in structured fields is redacted too; known secret fields are censored whole.
    formatters: { log: (object) => redactDeep(object) },
    hooks: {
      // Free-text arguments may quote a secret; structured fields are covered by `redact` paths.
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redact(arg) : arg)) as Parameters<
            typeof method
          >,
        );
      },
    },
  };
}

export interface LoggingOptions {
  /** Where log lines go (stdout by default); tests pass a capturing stream. */
  destination?: DestinationStream;
}

/** The process's root pino logger (request lines are written through it; see logRequests). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * One JSON line per event through pino: Nest's `Logger` (services) and the request lines that
 * {@link logRequests} writes. There is no per-request logging middleware: its AsyncLocalStorage
 * makes every promise in the process dearer (measured on the start route, on Node 20), so lines
 * about a request name it themselves (`req.id`, `requestId`), and lines about a run carry the
 * run's ids.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, options: LoggingOptions = {}): DynamicModule {
    const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
    const pinoOptions = loggerOptions(config);
    const logger = pino(pinoOptions, destination);
    return {
      module: LoggingModule,
      imports: [
        // nestjs-pino derives its logger from ours through pino-http, which replaces the
        // serializers unless it is given them (and `err` must stay the redacting one).
        LoggerModule.forRoot({
          pinoHttp: { logger, serializers: pinoOptions.serializers },
          forRoutes: [],
        }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: logger }],
      exports: [LoggerModule, ROOT_LOGGER],
    };
  }
}
