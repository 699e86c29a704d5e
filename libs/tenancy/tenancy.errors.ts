import { errorFamily } from '#libs/common/errors';

export enum TenancyErrorCode {
  WorkspaceNotFound = 'tenancy.workspace_not_found',
  UserNotFound = 'tenancy.user_not_found',
  TokenNotFound = 'tenancy.token_not_found',
  EmailTaken = 'tenancy.email_taken',
  TenantExists = 'tenancy.tenant_exists',
  LastOwner = 'tenancy.last_owner',
  MemberNotFound = 'tenancy.member_not_found',
}

export class TenancyError extends errorFamily<TenancyErrorCode>({
  [TenancyErrorCode.WorkspaceNotFound]: 404,
  [TenancyErrorCode.UserNotFound]: 404,
  [TenancyErrorCode.TokenNotFound]: 404,
  [TenancyErrorCode.EmailTaken]: 409,
  [TenancyErrorCode.TenantExists]: 409,
  [TenancyErrorCode.LastOwner]: 409,
  [TenancyErrorCode.MemberNotFound]: 404,
}) {}
