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
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export enum CommonErrorCode {
  Validation = 'request.invalid',
  NotFound = 'record.not_found',
  Conflict = 'record.conflict',
}

const COMMON_STATUS: Record<CommonErrorCode, number> = {
  [CommonErrorCode.Validation]: 400,
  [CommonErrorCode.NotFound]: 404,
  [CommonErrorCode.Conflict]: 409,
};

export class CommonError extends AppError<CommonErrorCode> {
  get status(): number {
    return COMMON_STATUS[this.code];
  }
}

/**
 * The single "does not exist" error. A caller who may not know a record exists gets exactly this
 * error too, so the two cases are indistinguishable from the outside.
 */
export class RecordNotFoundError extends CommonError {
  constructor(kind: string) {
    super(CommonErrorCode.NotFound, `${kind} was not found.`);
  }
}
