/** The first pause between two probes, and the longest: each pause is half as long again. */
const FIRST_PAUSE_MS = 10;
const LAST_PAUSE_MS = 200;

/**
 * Probes until `done` holds for the answer (by default: the answer is truthy) or the deadline
 * passes, and returns the last answer either way, so that a wait that failed shows what it saw.
 * Probes soon at first and then less and less often: what is there at once is seen at once, and
 * a long wait does not keep the app (and the machine the whole suite shares) busy answering.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  timeoutMs = 5000,
  done: (answer: T) => unknown = (answer) => answer,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(LAST_PAUSE_MS, pause * 1.5)) {
    const answer = await probe();
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
