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

/** Polls until the run reaches `status` (e.g. running). */
export async function waitForStatus(
  http: HttpClient,
  token: string,
  id: string,
  status: string,
  timeoutMs = 15000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await http.get(`/operations/${id}`, { token });
    if (response.status !== 200) {
      throw new Error(`GET /operations/${id} answered ${response.status}: ${response.text}`);
    }
    if (response.body.status === status) return response.body;
    if (Date.now() > deadline)
      throw new Error(`Run ${id} did not reach ${status}: ${response.text}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
