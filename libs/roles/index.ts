export const ROLES = ['owner', 'manager', 'operator', 'readonly'] as const;
export type Role = (typeof ROLES)[number];
