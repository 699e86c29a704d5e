/** One Server-Sent Event as a client sees it (comments are counted, not returned). */
export interface ServerEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** The next event; null once the server closed the stream. */
  next(timeoutMs?: number): Promise<ServerEvent | null>;
  /** Every event until the server closes the stream. */
  rest(timeoutMs?: number): Promise<ServerEvent[]>;
  /** Comment lines (`: …`) seen so far: the heartbeats. */
  comments(): number;
  /** The body of a non-200 answer. */
  text(): Promise<string>;
  close(): void;
}

/**
 * Opens `GET url` as an event stream over real HTTP (fetch), parsing the `text/event-stream`
 * format as a browser's EventSource does: `id`, `event`, `data` fields, blank line ends an event.
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const queue: (ServerEvent | null)[] = [];
  const waiters: (() => void)[] = [];
  let comments = 0;
  const push = (event: ServerEvent | null) => {
    queue.push(event);
    for (const wake of waiters.splice(0)) wake();
  };
  if (response.status === 200 && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      let fields: ServerEvent = { id: null, event: 'message', data: '' };
      let hasData = false;
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).replace(/\r$/, '');
            buffer = buffer.slice(newline + 1);
            if (line === '') {
              if (hasData) push(fields);
              fields = { id: null, event: 'message', data: '' };
              hasData = false;
            } else if (line.startsWith(':')) {
              comments++;
            } else {
              const colon = line.indexOf(':');
              const name = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (name === 'id') fields.id = value;
              else if (name === 'event') fields.event = value;
              else if (name === 'data') {
                fields.data = hasData ? `${fields.data}\n${value}` : value;
                hasData = true;
              }
            }
          }
        }
      } catch {
        // Aborted by the test.
      }
      push(null);
    })();
  }
  const next = async (timeoutMs = 20_000): Promise<ServerEvent | null> => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      if (Date.now() > deadline) throw new Error('No event within the deadline');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const event = queue.shift()!;
    if (event === null) queue.unshift(null); // closed stays closed
    return event;
  };
  return {
    status: response.status,
    headers: response.headers,
    next,
    rest: async (timeoutMs) => {
      const events: ServerEvent[] = [];
      for (let event = await next(timeoutMs); event; event = await next(timeoutMs)) {
        events.push(event);
      }
      return events;
    },
    comments: () => comments,
    text: () => response.text(),
    close: () => controller.abort(),
  };
}
