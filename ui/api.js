// The API as the page uses it: the caller's token on every request, problem+json read for its
// detail, and a run's live events (Server-Sent Events over fetch, since EventSource cannot send
// an Authorization header).

const TOKEN_KEY = 'tenantops.token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export async function api(path, token = session.token) {
  let response;
  try {
    response = await fetch(path, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached.');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, body?.detail ?? `The server answered ${response.status}.`);
  }
  return body;
}

/**
 * Follows a run's events until it completes (or `signal` aborts): `onRun(run)` for each state.
 * Resumes with Last-Event-ID when the connection drops before the end.
 */
export async function followRun(id, { onRun, onError, signal }) {
  let lastEventId = null;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const headers = { accept: 'text/event-stream', authorization: `Bearer ${session.token}` };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const response = await fetch(`/operations/${encodeURIComponent(id)}/events`, {
        headers,
        signal,
      });
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        throw new ApiError(
          response.status,
          body?.detail ?? `The server answered ${response.status}.`,
        );
      }
      const ended = await readEvents(response.body, (event) => {
        if (event.id) lastEventId = event.id;
        if (event.event === 'run') onRun(JSON.parse(event.data));
      });
      if (ended) return;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError) return onError(error);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
  }
}

/** Parses `text/event-stream`; true when the server sent `event: end`. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: null, event: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (event.data.length) {
          const complete = { ...event, data: event.data.join('\n') };
          if (complete.event === 'end') return true;
          onEvent(complete);
        }
        event = { id: null, event: 'message', data: [] };
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const field = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'id') event.id = field;
        else if (name === 'event') event.event = field;
        else if (name === 'data') event.data.push(field);
      }
    }
  }
}
