import { errorFamily } from '../common/errors/index.js';

export enum AuthzErrorCode {
  Unauthenticated = 'auth.unauthenticated',
  Forbidden = 'auth.forbidden',
}

export class AuthzError extends errorFamily<AuthzErrorCode>({
  [AuthzErrorCode.Unauthenticated]: 401,
  [AuthzErrorCode.Forbidden]: 403,
}) {}
