import { errorFamily } from '#libs/common/errors';

export enum AuthzErrorCode {
  Unauthenticated = 'auth.unauthenticated',
  Forbidden = 'auth.forbidden',
}

export class AuthzError extends errorFamily<AuthzErrorCode>({
  [AuthzErrorCode.Unauthenticated]: 401,
  [AuthzErrorCode.Forbidden]: 403,
}) {}
