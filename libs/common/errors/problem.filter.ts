import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from './app-error.js';
import { PROBLEM_CONTENT_TYPE, problemTitle, problemType, type ProblemDetails } from './problem.js';
import { isDatabaseUnavailable } from './unavailable.js';

/** How long a client is asked to wait before trying again while the database is away. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

interface StatusCarrier {
  statusCode: number;
  message?: string;
  code?: string;
}

const DATABASE_UNAVAILABLE = 'database.unavailable';

/** Errors raised by Fastify itself (body parsing, size limits) carry a 4xx `statusCode`. */
function isClientFrameworkError(error: unknown): error is StatusCarrier {
  const status = (error as Partial<StatusCarrier> | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * Turns every error into `application/problem+json`. Known errors keep their status and message;
 * anything else is logged with its stack and answered as a bare 500 — no stack ever leaves.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.toProblem(error);
    problem.requestId = String(request.id);
    if (problem.code === DATABASE_UNAVAILABLE) {
      // A condition of the service, not a bug: no stack, and the client is told when to retry.
      this.logger.warn(
        { requestId: problem.requestId, reason: (error as Error).message },
        'Database unavailable',
      );
      void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    } else if (problem.status >= 500) {
      this.logger.error({ err: error, requestId: problem.requestId }, 'Unhandled error');
    }
    if (problem.status === 401) void reply.header('www-authenticate', 'Bearer');
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(error: unknown): ProblemDetails {
    if (error instanceof AppError) {
      return {
        ...error.extensions,
        ...this.problem(error.status, error.message, error.code, error.errors),
      };
    }
    if (error instanceof HttpException) {
      return this.problem(
        error.getStatus(),
        this.plainMessage(error.getResponse()) ?? error.message,
      );
    }
    if (isClientFrameworkError(error)) {
      return this.problem(error.statusCode, error.message ?? problemTitle(error.statusCode));
    }
    if (isDatabaseUnavailable(error)) {
      return this.problem(
        503,
        'The database is unavailable; try again shortly.',
        DATABASE_UNAVAILABLE,
      );
    }
    return this.problem(500, 'An unexpected error occurred.');
  }

  private plainMessage(body: unknown): string | undefined {
    if (typeof body === 'string') return body;
    const message = (body as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : undefined;
  }

  private problem(
    status: number,
    detail: string,
    code?: string,
    errors?: FieldError[],
  ): ProblemDetails {
    return {
      type: problemType(code),
      title: problemTitle(status),
      status,
      detail,
      ...(code ? { code } : {}),
      ...(errors?.length ? { errors } : {}),
    };
  }
}
