/**
 * SQLSTATE classes and codes that mean "PostgreSQL is not there right now", not "this request
 * is wrong": the connection failed or was cut (class 08), the server is shutting down, starting
 * up or was restarted (57P01–57P03), or it has no connection slot left (53300).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What the driver reports when it cannot reach the server or loses it mid-query. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_LOST =
  /^(Connection terminated|Connection ended|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end)/;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  errors?: unknown;
}

/**
 * Whether an error says the database cannot be reached (down, restarting, cut off) — a
 * condition of the service, answered `503` and retried, never a `500`. Looks through TypeORM's
 * `QueryFailedError` to the driver's error and through an `AggregateError` (a host with several
 * addresses refusing each).
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { code, message, driverError, errors } = error as ErrorLike;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
    if (UNREACHABLE_CODES.has(code)) return true;
  }
  if (typeof message === 'string' && CONNECTION_LOST.test(message)) return true;
  if (driverError && isDatabaseUnavailable(driverError, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}
