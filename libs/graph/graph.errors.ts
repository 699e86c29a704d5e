import { redact } from '#libs/common/redaction';
import { RunError } from '#libs/common/errors';

/** The stable failure codes of SPEC §5, plus the programming error of leaving the registry. */
export enum GraphErrorCode {
  Throttled = 'graph.throttled',
  Unauthorized = 'graph.unauthorized',
  Forbidden = 'graph.forbidden',
  NotFound = 'graph.not_found',
  Unavailable = 'graph.unavailable',
  BadRequest = 'graph.bad_request',
  ContractViolation = 'graph.contract_violation',
}

/** What Graph said about a failed request, kept for support (Microsoft asks for `request-id`). */
export interface GraphErrorDetails {
  status?: number;
  /** Graph's own error code (`Request_ResourceNotFound`, `invalid_client`, …). */
  graphCode?: string;
  requestId?: string;
  clientRequestId?: string;
  /** The identity platform's error number for a refused token request (`AADSTS7000215`). */
  aadsts?: string;
}

/**
 * A failed Graph call. It is a {@link RunError}: thrown inside a run handler, it ends the run with
 * its code, and is retried by the run only when `retryable`. Messages pass through the redactor.
 */
export abstract class GraphError extends RunError {
  readonly status?: number;
  readonly graphCode?: string;
  readonly requestId?: string;
  readonly clientRequestId?: string;
  readonly aadsts?: string;

  constructor(
    code: GraphErrorCode,
    retryable: boolean,
    message: string,
    details: GraphErrorDetails,
  ) {
    super(code, redact(message), retryable);
    this.status = details.status;
    this.graphCode = details.graphCode;
    this.requestId = details.requestId;
    this.clientRequestId = details.clientRequestId;
    this.aadsts = details.aadsts;
  }
}

const family = (code: GraphErrorCode, retryable: boolean) =>
  class extends GraphError {
    constructor(message: string, details: GraphErrorDetails = {}) {
      super(code, retryable, message, details);
    }
  };

/** 429 after every allowed retry. */
export class GraphThrottledError extends family(GraphErrorCode.Throttled, true) {}
/** The tenant's credentials were refused (token endpoint, or 401 from Graph). */
export class GraphUnauthorizedError extends family(GraphErrorCode.Unauthorized, false) {}

/**
 * Whether a failure is about one item of a run (a policy, a policy type, a role source), which
 * the run records as failed and goes past: any Graph error but refused credentials, with which
 * no item can succeed. Anything else ends the run.
 */
export function isItemFailure(error: unknown): error is GraphError {
  return error instanceof GraphError && !(error instanceof GraphUnauthorizedError);
}
/** The app lacks a permission or a licence in the tenant. */
export class GraphForbiddenError extends family(GraphErrorCode.Forbidden, false) {}
export class GraphNotFoundError extends family(GraphErrorCode.NotFound, false) {}
/** 5xx, timeouts and network failures, after every allowed retry. */
export class GraphUnavailableError extends family(GraphErrorCode.Unavailable, true) {}
/** Graph refused the request itself (400, 409, …): retrying the same request cannot help. */
export class GraphBadRequestError extends family(GraphErrorCode.BadRequest, false) {}
/** A call outside the contract registry, or a next link that leaves it: a programming error. */
export class GraphContractError extends family(GraphErrorCode.ContractViolation, false) {}

/** The error for a Graph response status, once retries (if any) are spent. */
export function graphErrorFor(status: number, message: string, details: GraphErrorDetails) {
  const error = { ...details, status };
  if (status === 401) return new GraphUnauthorizedError(message, error);
  if (status === 403) return new GraphForbiddenError(message, error);
  if (status === 404) return new GraphNotFoundError(message, error);
  if (status === 429) return new GraphThrottledError(message, error);
  if (status >= 500) return new GraphUnavailableError(message, error);
  return new GraphBadRequestError(message, error);
}
