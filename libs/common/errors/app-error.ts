/** One invalid input field, as listed in a validation problem's `errors`. */
export interface FieldError {
  field: string;
  messages: string[];
}

/**
 * Base of every family's error type. A family declares a code enum and the HTTP status of each
 * code; the exception filter turns any AppError into `application/problem+json`.
 */
export abstract class AppError<Code extends string = string> extends Error {
  abstract readonly status: number;

  constructor(
    readonly code: Code,
    message: string,
    readonly errors?: FieldError[],
    /** Extra members of the problem body (RFC 9457 extensions), e.g. the id of a failed run. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The base class of one family's errors: each code of the family's enum maps to its HTTP status.
 * `class TenancyError extends errorFamily<TenancyErrorCode>({ ... }) {}`
 */
export function errorFamily<Code extends string>(statuses: Readonly<Record<Code, number>>) {
  return class extends AppError<Code> {
    get status(): number {
      return statuses[this.code];
    }
  };
}

export enum CommonErrorCode {
  Validation = 'request.invalid',
  NotFound = 'record.not_found',
}

export class CommonError extends errorFamily<CommonErrorCode>({
  [CommonErrorCode.Validation]: 400,
  [CommonErrorCode.NotFound]: 404,
}) {}

/**
 * The single "does not exist" error. A caller who may not know a record exists gets exactly this
 * error too, so the two cases are indistinguishable from the outside.
 */
export class RecordNotFoundError extends CommonError {
  constructor(kind: string) {
    super(CommonErrorCode.NotFound, `${kind} was not found.`);
  }
}
