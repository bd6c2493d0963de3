import type { Stack } from "./stack";

/**
 * A probe's body on a started stack: a failure is printed and exits 1, and the stack (with
 * whatever `after` stops) is torn down either way, so no workerd or PostgreSQL outlives it.
 */
export async function runProbe(
  stack: Pick<Stack, "stop">,
  body: () => Promise<void>,
  after?: () => void,
): Promise<never> {
  try {
    await body();
  } catch (err) {
    console.error("probe failed:", err);
    process.exitCode = 1;
  } finally {
    await stack.stop();
    after?.();
  }
  process.exit();
}
