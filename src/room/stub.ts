import type { Bindings } from "../env";

/** The Durable Object of one room. Room ids are PostgreSQL ids, so the name is stable forever. */
export const roomStub = (env: Bindings, roomId: number) => env.ROOMS.getByName(`room:${roomId}`);
