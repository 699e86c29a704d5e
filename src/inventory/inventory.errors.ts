import { errorFamily } from '#libs/common/errors';

export enum InventoryErrorCode {
  UnknownPolicies = 'inventory.unknown_policies',
}

export class InventoryError extends errorFamily<InventoryErrorCode>({
  [InventoryErrorCode.UnknownPolicies]: 400,
}) {}
