/** Who performed a mutation, as the audit log records it. `userId` is null for the operator CLI. */
export interface Actor {
  userId: string | null;
  name: string;
}

export const CLI_ACTOR: Actor = Object.freeze({ userId: null, name: 'cli' });
