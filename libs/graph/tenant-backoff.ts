/**
 * The back-off Graph asked of each tenant, shared by every request of this process: once a
 * request of a tenant is answered `429` with `Retry-After`, no request of that tenant leaves the
 * process until that time has passed — whichever run, whichever attempt. Graph throttles per
 * tenant (and app): the other requests of the tenant would only be refused too, and each refusal
 * counts against the tenant.
 */
export class TenantBackoff {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** No request of `tenantId` before `ms` from now (a later hold already set stands). */
  hold(tenantId: string, ms: number): void {
    const at = this.now() + ms;
    if (at > (this.until.get(tenantId) ?? -Infinity)) this.until.set(tenantId, at);
  }

  /** Milliseconds until a request of the tenant may leave; 0 when it may now. */
  remaining(tenantId: string): number {
    const at = this.until.get(tenantId);
    if (at === undefined) return 0;
    const left = at - this.now();
    if (left > 0) return left;
    this.until.delete(tenantId);
    return 0;
  }
}
