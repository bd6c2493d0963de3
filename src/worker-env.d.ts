// Ties the runtime's global types (`cloudflare:workers` env and exports) to this project's
// bindings and main module.
type RoomcastBindings = import("./env").Bindings;

declare namespace Cloudflare {
  interface Env extends RoomcastBindings {}
  interface GlobalProps {
    mainModule: typeof import("./index");
  }
}
