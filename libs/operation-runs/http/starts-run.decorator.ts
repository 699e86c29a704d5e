import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  HttpStatus,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireTenantCapability, type Capability } from '#libs/authz';
import { CommonError, CommonErrorCode } from '#libs/common/errors';
import type { StartedRun } from '../operation-runs.service.js';
import { OperationRunDto, StartedRunDto } from './operation-run.dto.js';

/** Answers a start as SPEC §2 says: 202 + Location for a new run, 200 when deduplicated. */
export type RunStartAnswer = (started: StartedRun) => StartedRunDto;

/**
 * The answer of a start route, bound to its reply: `return answer(await this.runs.start(…))`.
 * (A parameter rather than an interceptor: start routes are the hot path, and an interceptor
 * puts an Observable pipeline around every call.)
 */
export const StartAnswer = createParamDecorator(
  (_: unknown, context: ExecutionContext): RunStartAnswer => {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return ({ run, deduplicated }) => {
      void reply
        .status(deduplicated ? HttpStatus.OK : HttpStatus.ACCEPTED)
        .header('location', `/operations/${run.id}`);
      return { run: OperationRunDto.from(run), deduplicated };
    };
  },
);

/** Documents a start route's answers (see {@link StartAnswer}). */
export const StartsRun = () =>
  applyDecorators(
    ApiAcceptedResponse({ type: StartedRunDto, description: 'A new run was created and queued.' }),
    ApiOkResponse({
      type: StartedRunDto,
      description: 'An identical run already exists; it is returned.',
    }),
    ApiServiceUnavailableResponse({
      description: 'The job could not be queued; the run is recorded as failed.',
    }),
  );

/**
 * A route that starts a run on the tenant it names (`/tenants/:tenantId/…`): the run type's
 * capability on that tenant, the summary, and the start's answers ({@link StartsRun}). The
 * handler answers through `@StartAnswer()`.
 */
export const StartsTenantRun = (capability: Capability, summary: string) =>
  applyDecorators(RequireTenantCapability(capability), ApiOperation({ summary }), StartsRun());

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The optional `Idempotency-Key` header (printable ASCII, up to 255 characters). */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const value = context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !KEY.test(value)) {
    const message = 'Idempotency-Key must be 1 to 255 printable ASCII characters.';
    throw new CommonError(CommonErrorCode.Validation, message, [
      { field: 'Idempotency-Key', messages: [message] },
    ]);
  }
  return value;
});

/** Documents the header on a start route. */
export const ApiIdempotencyKey = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Makes a per-request start retry-safe: the same key returns the original run.',
  });
