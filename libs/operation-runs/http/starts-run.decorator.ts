import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { CommonError, CommonErrorCode } from '../../common/errors/index.js';
import type { StartedRun } from '../operation-runs.service.js';
import { OperationRunDto, StartedRunDto } from './operation-run.dto.js';

/** Turns a {@link StartedRun} into SPEC §2's answer: 202 + Location, or 200 when deduplicated. */
@Injectable()
class StartedRunInterceptor implements NestInterceptor<StartedRun, StartedRunDto> {
  intercept(context: ExecutionContext, next: CallHandler<StartedRun>): Observable<StartedRunDto> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map(({ run, deduplicated }) => {
        void reply
          .status(deduplicated ? HttpStatus.OK : HttpStatus.ACCEPTED)
          .header('location', `/operations/${run.id}`);
        return { run: OperationRunDto.from(run), deduplicated };
      }),
    );
  }
}

/** For start routes: the handler returns the service's StartedRun; the answer follows SPEC §2. */
export const StartsRun = () =>
  applyDecorators(
    UseInterceptors(StartedRunInterceptor),
    ApiAcceptedResponse({ type: StartedRunDto, description: 'A new run was created and queued.' }),
    ApiOkResponse({
      type: StartedRunDto,
      description: 'An identical run already exists; it is returned.',
    }),
    ApiServiceUnavailableResponse({
      description: 'The job could not be queued; the run is recorded as failed.',
    }),
  );

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
