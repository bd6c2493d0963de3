import { SeenTable } from "../../courier/seen";
import type { RoomOutput } from "../output";
import { readAttachment } from "./identity";

/** What a socket's attachment says of what it was sent live (`liveFrom`: set once, at connect). */
type LiveFrom = { liveFrom?: number; replay?: number };

/** The first seq a socket is sent: its replay's first, or the one after the room's last seq. */
export const liveFromAttachment = (liveFrom: number): LiveFrom => ({ liveFrom });

/**
 * What members were sent on sockets that are gone (issue 21). The room's notice to its courier
 * names the members connected when a copy reached PostgreSQL; a member whose socket closed in
 * between was sent some of that copy's messages all the same, and is not pushed for those
 * (`outbox/courier-notice.ts`). A few ranges per member in the room's SQLite (`SeenTable`), written at
 * departure, not per frame, so that a room that hibernates or is evicted before its copy still
 * knows; a row goes once a notice that covered it reached the courier.
 */
export class SeenLive {
  private readonly table: SeenTable;

  constructor(sql: SqlStorage) {
    this.table = new SeenTable(sql);
  }

  /**
   * `ws` of `userId` is gone: what it was sent live joins its member's row. Sent means handed to
   * the socket: up to the replay's cursor while it replays, else the last event the room's output
   * flushed (a frame still queued is not sent to a socket that closed).
   */
  departed(ws: WebSocket, userId: number, out: Pick<RoomOutput, "sentSeq">) {
    const { liveFrom, replay } = readAttachment<LiveFrom>(ws);
    if (liveFrom === undefined) return;
    // Not a reason to keep the socket's slot or presence: a range not kept is a push, the safe side.
    try {
      this.table.add([[userId, liveFrom, replay ?? out.sentSeq]]);
    } catch (err) {
      console.error("room: what a closed socket was sent could not be kept", err);
    }
  }

  /**
   * What a notice of `fromSeq`..`toSeq` tells: the rows that meet it, of members not in `live`
   * (they are told as live). The rows that end by `toSeq` go now, so that a socket that closes
   * while the notice is on its way keeps its own; `kept` gives them back if the call failed.
   */
  take(fromSeq: number, toSeq: number, live: ReadonlySet<number>) {
    const rows = this.table.since(0);
    const taken = rows.filter(([, , to]) => to <= toSeq);
    this.table.doneThrough(toSeq);
    const seen = rows.filter(([userId, from, to]) => to >= fromSeq && from <= toSeq && !live.has(userId));
    return { seen, kept: () => this.table.add(taken) };
  }

  /** After the room's storage was wiped. */
  reset() {
    this.table.load();
  }
}
