import { openClients } from "./load";
import type { Stack, WsServer } from "./stack";

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

/** A new room of `server` with 1 sender (the load's first child) and `receivers` connected. */
export async function fanOutRoom(stack: Pick<Stack, "procs">, server: WsServer, receivers: number) {
  const room = await server.newRoom();
  const placements = [
    { endpoint: room.endpoint(0), senderId: 0 },
    ...Array.from({ length: receivers }, (_, i) => ({ endpoint: room.endpoint(i + 1), senderId: null })),
  ];
  const load = await openClients(stack.procs, placements, false);
  const sender = load.children[0];
  if (!sender) throw new Error("no load process");
  return { room, load, sender };
}
