import { errorFamily } from '#libs/common/errors';

export enum OnboardingErrorCode {
  PermissionMissing = 'provider.permission_missing',
}

export class OnboardingError extends errorFamily<OnboardingErrorCode>({
  [OnboardingErrorCode.PermissionMissing]: 409,
}) {}
