import { errorFamily } from '#libs/common/errors';

export enum SecretsErrorCode {
  NoPreviousKey = 'secrets.no_previous_key',
}

export class SecretsError extends errorFamily<SecretsErrorCode>({
  [SecretsErrorCode.NoPreviousKey]: 400,
}) {}
