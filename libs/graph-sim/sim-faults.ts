import { Prng } from './prng.js';

/** Faults drawn at random for every Graph request of a tenant. */
export interface SimFaultRates {
  /** Share of requests answered 429, in [0, 1]. */
  throttleProbability?: number;
  /** `Retry-After` sent with those 429s, as Graph writes it (`"2"`, `"1.5"`, or an HTTP date). */
  retryAfter?: string;
  /** Share of requests answered 503, in [0, 1]. */
  unavailableProbability?: number;
  /** Delay before every answer. */
  latencyMs?: number;
}

/** "The next `count` requests (whose path contains `match`) get `status`." */
export interface ScheduledFault {
  status: number;
  count: number;
  retryAfter?: string;
  match?: string;
  /** Only requests of this HTTP method (`POST`, `PATCH`…); any method by default. */
  method?: string;
  /** Graph error code in the body; a sensible one for the status by default. */
  code?: string;
  /**
   * A lost answer: the request is carried out (the write applied) and only then answered with
   * `status`, so the caller sees a failure although Graph acted. Only requests the sim carried
   * out successfully use it up. Default: the fault answers instead of the request.
   */
  afterWrite?: boolean;
}

/** When a fault is drawn: before the request is carried out, or after it was. */
export type FaultPhase = 'before' | 'after';

export interface InjectedFault {
  status: number;
  code: string;
  retryAfter?: string;
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  409: 'Conflict',
  410: 'syncStateNotFound',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

export const errorCodeFor = (status: number) => DEFAULT_CODES[status] ?? 'UnknownError';

/** A tenant's fault injection: fixed schedules first, then the random rates (seeded). */
export class SimFaults {
  rates: SimFaultRates = {};
  private schedule: ScheduledFault[] = [];
  private readonly prng: Prng;

  constructor(tenantId: string) {
    this.prng = new Prng(`${tenantId}/faults`);
  }

  add(fault: ScheduledFault): void {
    this.schedule.push({ ...fault });
  }

  clear(): void {
    this.rates = {};
    this.schedule = [];
  }

  /**
   * The fault to answer this request with, if any; a scheduled one is used up. `before` the
   * request is carried out: scheduled faults without `afterWrite`, then the random rates;
   * `after` it succeeded: scheduled `afterWrite` faults only.
   */
  draw(path: string, method = 'GET', phase: FaultPhase = 'before'): InjectedFault | null {
    const scheduled = this.schedule.find(
      (fault) =>
        Boolean(fault.afterWrite) === (phase === 'after') &&
        (!fault.match || path.includes(fault.match)) &&
        (!fault.method || fault.method.toUpperCase() === method.toUpperCase()),
    );
    if (scheduled) {
      if (--scheduled.count <= 0) this.schedule.splice(this.schedule.indexOf(scheduled), 1);
      return {
        status: scheduled.status,
        code: scheduled.code ?? errorCodeFor(scheduled.status),
        retryAfter: scheduled.retryAfter,
      };
    }
    if (phase === 'after') return null;
    const roll = this.prng.next();
    const throttle = this.rates.throttleProbability ?? 0;
    if (roll < throttle)
      return { status: 429, code: 'TooManyRequests', retryAfter: this.rates.retryAfter ?? '1' };
    if (roll < throttle + (this.rates.unavailableProbability ?? 0)) {
      return { status: 503, code: 'ServiceUnavailable' };
    }
    return null;
  }
}
