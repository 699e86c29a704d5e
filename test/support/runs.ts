import type { HttpClient } from './http.js';

/** Polls the canonical run URL until the run is completed (or the deadline passes). */
export function waitForRun(
  http: HttpClient,
  token: string,
  id: string,
  timeoutMs = 15000,
): Promise<any> {
  return waitForStatus(http, token, id, 'completed', timeoutMs);
}

/** The first pause between two polls, and the longest: each pause is half as long again. */
const FIRST_POLL_MS = 10;
const LAST_POLL_MS = 200;

/**
 * Polls until the run reaches `status` (e.g. running), soon at first and then less and less often:
 * a run that is done at once is seen at once, and a long one does not keep its app (and the
 * machine the whole suite shares) busy answering polls every few milliseconds.
 */
export async function waitForStatus(
  http: HttpClient,
  token: string,
  id: string,
  status: string,
  timeoutMs = 15000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(LAST_POLL_MS, pause * 1.5)) {
    const response = await http.get(`/operations/${id}`, { token });
    if (response.status !== 200) {
      throw new Error(`GET /operations/${id} answered ${response.status}: ${response.text}`);
    }
    if (response.body.status === status) return response.body;
    if (Date.now() > deadline)
      throw new Error(`Run ${id} did not reach ${status}: ${response.text}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** POSTs a start route and waits for the run it answers with to complete. */
export async function startAndWait(
  http: HttpClient,
  token: string,
  path: string,
  body: unknown = {},
  timeoutMs = 30000,
): Promise<any> {
  const response = await http.post(path, { token, body });
  if (response.status !== 202 && response.status !== 200) {
    throw new Error(`POST ${path} answered ${response.status}: ${response.text}`);
  }
  return waitForRun(http, token, response.body.run.id, timeoutMs);
}
