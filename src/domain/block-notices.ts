import type { UserScope } from "../context";

/**
 * A block changed: rooms where the blocker has open sockets start (or stop) hiding the other
 * user's events from them at once. The rooms' side lands with the room reshape (issue 17).
 */
export async function blocksChanged(_s: UserScope, _otherId: number, _on: boolean) {}
