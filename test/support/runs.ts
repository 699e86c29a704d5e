import { eventually } from './eventually.js';
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

/**
 * Polls the canonical run URL until the run reaches `status` (e.g. running), or the deadline
 * passes (then it throws with what the run last showed).
 */
export async function waitForStatus(
  http: HttpClient,
  token: string,
  id: string,
  status: string,
  timeoutMs = 15000,
): Promise<any> {
  const response = await eventually(
    () => http.get(`/operations/${id}`, { token }),
    timeoutMs,
    (answer) => answer.status !== 200 || answer.body.status === status,
  );
  if (response.status !== 200) {
    throw new Error(`GET /operations/${id} answered ${response.status}: ${response.text}`);
  }
  if (response.body.status !== status) {
    throw new Error(`Run ${id} did not reach ${status}: ${response.text}`);
  }
  return response.body;
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
