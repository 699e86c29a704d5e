import { AppError } from '../common/errors/index.js';

export enum AuthzErrorCode {
  Unauthenticated = 'auth.unauthenticated',
  Forbidden = 'auth.forbidden',
}

const STATUS: Record<AuthzErrorCode, number> = {
  [AuthzErrorCode.Unauthenticated]: 401,
  [AuthzErrorCode.Forbidden]: 403,
};

export class AuthzError extends AppError<AuthzErrorCode> {
  get status(): number {
    return STATUS[this.code];
  }
}
