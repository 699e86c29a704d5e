import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { AppConfig } from '../config/index.js';
import { redact, redactDeep } from '../redaction/index.js';

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

/**
 * One JSON line per event through pino. Every line logged while handling a request carries its
 * request id (`req.id`), including lines from services using Nest's `Logger`.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, options: LoggingOptions = {}): DynamicModule {
    const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          // nestjs-pino's default route pattern matches nothing on Nest 12's Fastify adapter.
          forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
          pinoHttp: [
            {
              ...loggerOptions(config),
              genReqId: (req) => (req as { id?: string }).id ?? 'unknown',
              customLogLevel: (_req, res, error) =>
                error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
              autoLogging: {
                ignore: (req) =>
                  ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').startsWith(
                    '/health',
                  ),
              },
            },
            destination,
          ],
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
