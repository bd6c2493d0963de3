// The worker's bindings, tied to the runtime's global types (`cloudflare:workers` env and
// exports). Configuration keys come from the zod schema in env.ts; ROOMS is the room object.
type RoomcastConfigVars = import("./env").ConfigVars;

declare namespace Cloudflare {
  interface Env extends RoomcastConfigVars {
    ROOMS: DurableObjectNamespace<import("./room/room").Room>;
    ACCOUNTS: DurableObjectNamespace<import("./account/account").Account>;
  }
  interface GlobalProps {
    mainModule: typeof import("./index");
  }
}
