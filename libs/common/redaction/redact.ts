/**
 * The one redactor. Failures, log lines and notifications all pass through it, so a secret that
 * slipped into an error message (a bearer token, a client secret, a password in a connection
 * string) never leaves the process.
 */
const REDACTED = '[redacted]';

const SECRET_KEYS =
  'client[_-]?secret|clientsecret|password|passwd|pwd|secret|access[_-]?token|refresh[_-]?token|id[_-]?token|api[_-]?key|apikey|token|assertion|client[_-]?assertion|secrets?[_-]?key';

const RULES: [RegExp, string][] = [
  // Authorization / Cookie headers, whatever their scheme: keep the header name only.
  [
    /\b((?:proxy-)?authorization|cookie|set-cookie)(["']?\s*[:=]\s*["']?)[^\r\n"']+/gi,
    `$1$2${REDACTED}`,
  ],
  // Bearer / Basic credentials wherever they appear.
  [/\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  // JSON Web Tokens (three base64url segments, the first a JSON header).
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  // Our own API tokens.
  [/\btops_[A-Za-z0-9_-]{8,}/g, REDACTED],
  // key=value, key: value, "key": "value" for secret-looking keys (query strings, JSON, forms).
  [
    new RegExp(
      `((?:${SECRET_KEYS})["']?\\s*[:=]\\s*)(?!\\[redacted\\])("[^"]*"|'[^']*'|[^\\s&,;"'}\\]]+)`,
      'gi',
    ),
    `$1${REDACTED}`,
  ],
  // Credentials in connection strings: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@\s/]+@/gi, `$1${REDACTED}@`],
  // ADO-style connection strings: Password=...; AccountKey=...; SharedAccessKey=...
  [/\b(password|pwd|accountkey|sharedaccesskey)\s*=\s*[^;\s]+/gi, `$1=${REDACTED}`],
];

export function redact(text: string): string {
  return RULES.reduce((value, [pattern, replacement]) => value.replace(pattern, replacement), text);
}

export const MAX_MESSAGE_LENGTH = 500;

/** Redacts, then truncates to {@link MAX_MESSAGE_LENGTH} characters (for stored failures). */
export function sanitizeMessage(text: string, max = MAX_MESSAGE_LENGTH): string {
  const clean = redact(text);
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** Redacts every string inside plain objects and arrays (log fields, stored JSON). */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redact(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value; // Errors, Dates, Buffers…
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, redactDeep(item, depth + 1)]),
  ) as T;
}
