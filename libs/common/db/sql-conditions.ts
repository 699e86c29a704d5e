/**
 * The conditions of a filtered query, AND-ed, with their values as numbered parameters:
 * `q.and(`policy_type = ${q.param(type)}`)`, then `… WHERE ${q.where} …` run with `q.params`.
 */
export class SqlConditions {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  /** The placeholder (`$n`) of a new parameter holding `value`. */
  param(value: unknown): string {
    return `$${this.params.push(value)}`;
  }

  and(condition: string): void {
    this.conditions.push(condition);
  }

  get where(): string {
    return this.conditions.join(' AND ');
  }
}
