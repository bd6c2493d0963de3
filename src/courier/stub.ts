import type { Bindings } from "../env";

/** The courier of one room (src/courier/): its webhook cursors and push decisions. */
export const courierStub = (env: Bindings, roomId: number) => env.COURIERS.getByName(`courier:${roomId}`);
