/**
 * Polls until `check` passes (for effects that happen after the response, like the outbox copy);
 * fails with the last error after the timeout. No runtime imports: both the workerd tests and the
 * Node/Chromium tests use it.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
