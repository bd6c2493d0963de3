// The worker's bindings, tied to the runtime's global types (`cloudflare:workers` env and
// exports). Configuration keys come from the zod schema in env.ts; ROOMS is the room object.
type RoomcastConfigVars = import("./env").ConfigVars;

declare namespace Cloudflare {
  interface Env extends RoomcastConfigVars {
    /** Comma-separated origins allowed by CORS (src/cors.ts); unset: local origins only. Not config: CORS must answer even when the configuration is invalid. */
    ALLOWED_ORIGINS?: string;
    ROOMS: DurableObjectNamespace<import("./room").Room>;
    ACCOUNTS: DurableObjectNamespace<import("./account/account").Account>;
    INBOXES: DurableObjectNamespace<import("./inbox/inbox").Inbox>;
    /** Attachments' bytes (src/files/). */
    FILES: R2Bucket;
    FILE_SWEEPER: DurableObjectNamespace<import("./files/sweeper").FileSweeper>;
    /** One per room: webhook cursors and push decisions (src/courier/). */
    COURIERS: DurableObjectNamespace<import("./courier/courier").Courier>;
    /** One per user: pushes waiting to be sent (src/push/queue.ts). */
    PUSH_QUEUES: DurableObjectNamespace<import("./push/queue").PushQueue>;
    /** One for the deployment: each live room's sockets and backlog, for GET /metrics (src/metrics/). */
    GAUGES: DurableObjectNamespace<import("./metrics/gauges-object").Gauges>;
  }
  interface GlobalProps {
    mainModule: typeof import("./index");
  }
}
