/**
 * An error that ends a run attempt with a stable failure code. `retryable` says whether another
 * attempt may mend it (Graph throttled us) or not (the tenant refused access): a non-retryable
 * one ends the run at once as failed, without spending its remaining attempts.
 */
export class RunError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A failure that a retry cannot mend (the input is invalid, access was refused). */
export class NonRetryableRunError extends RunError {
  constructor(code: string, message: string) {
    super(code, message, false);
  }
}

/** Thrown by a handler when the work was not needed or not allowed at execution time. */
export class RunSkipped extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunSkipped';
  }
}
