import type { Bindings } from "../env";

/** The push queue of one user (push/queue.ts). */
export const pushQueueStub = (env: Bindings, userId: number) => env.PUSH_QUEUES.getByName(`push:${userId}`);
