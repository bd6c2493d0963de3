import type { Bindings } from "../env";
import { gaugesStub, type RoomGauges } from "../metrics/gauges-object";

/** A room reports at most this often; a change inside the interval is sent at its end. */
const MIN_INTERVAL_MS = 1000;

/**
 * Tells the deployment's gauges object (GET /metrics) this room's open sockets and outbox
 * backlog when they changed: at most once a second and one report at a time, always ending with
 * the latest values. Metrics never hold the room up: a failed report is logged and retried with
 * the next change.
 */
export class GaugeReporter {
  private sent = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastAt = 0;

  constructor(
    private readonly read: () => RoomGauges | null,
    private readonly send: (gauges: RoomGauges) => Promise<void>,
  ) {}

  /** Something the gauges count may have changed (a socket came or went, a copy ran). */
  changed() {
    if (this.timer) return;
    const wait = Math.max(0, this.lastAt + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => void this.flush(), wait);
  }

  private async flush() {
    const gauges = this.read();
    const key = JSON.stringify(gauges);
    if (!gauges || key === this.sent) {
      this.timer = null;
      return;
    }
    this.lastAt = Date.now();
    try {
      await this.send(gauges);
      this.sent = key;
      this.timer = null;
      // What changed while the report was on its way goes in the next one.
      if (JSON.stringify(this.read()) !== this.sent) this.changed();
    } catch (err) {
      this.timer = null;
      console.warn(`metrics: room ${gauges.roomId} could not report its gauges`, err);
    }
  }
}

/** The reporter of one room object: its open sockets and its outbox's backlog (read when sent). */
export function reportGauges(
  ctx: DurableObjectState,
  env: Bindings,
  parts: () => [{ initialised: boolean; roomId: number }, { backlog: number; failing: boolean }],
): GaugeReporter {
  const open = () => ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN).length;
  return new GaugeReporter(
    () => {
      const [timeline, outbox] = parts();
      return timeline.initialised
        ? { roomId: timeline.roomId, sockets: open(), backlog: outbox.backlog, failing: outbox.failing }
        : null;
    },
    (gauges) => gaugesStub(env).report(gauges),
  );
}
