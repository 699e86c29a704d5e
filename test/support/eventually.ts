/** Polls `probe` until it returns a truthy value (or the deadline passes), instead of sleeping. */
export async function eventually<T>(
  probe: () => Promise<T>,
  timeoutMs = 5000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
