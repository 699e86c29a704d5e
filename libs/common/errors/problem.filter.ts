import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from './app-error.js';
import { PROBLEM_CONTENT_TYPE, problemTitle, problemType, type ProblemDetails } from './problem.js';

interface StatusCarrier {
  statusCode: number;
  message?: string;
  code?: string;
}

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
    if (problem.status >= 500) {
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
